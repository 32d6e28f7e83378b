// Child-process probe for tests that need a fresh process (ONNX Runtime is loaded once per
// process). Prints one JSON line: { info, embedding } or { error: { code, message } }.
//   node --import tsx test/probe-enricher.ts '<options JSON>' [--ort-node-first]
import { createEnricher } from '../src/index.js';

const options = JSON.parse(process.argv[2] ?? '{}');
try {
  if (process.argv.includes('--ort-node-first')) {
    // Another library creates ORT's environment first, as an app using onnxruntime-node would.
    const ort = await import('onnxruntime-node');
    await ort.InferenceSession.create(`${options.models}/onnx/model.onnx`);
  }
  const enricher = await createEnricher(options);
  const [embedding] = await enricher.embed(['probe text for a child process']);
  process.stdout.write(`${JSON.stringify({ info: enricher.info(), embedding: Array.from(embedding!) })}\n`);
  await enricher.close();
} catch (e) {
  const error = e as { code?: string; message?: string };
  process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
}
