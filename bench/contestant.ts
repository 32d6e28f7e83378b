// One benchmark contestant, run in its own process so that runtimes do not share ONNX Runtime
// state or warm caches:   tsx bench/contestant.ts '<json spec>'
// Prints one JSON line: { name, seconds: number[] } (one entry per repeat, after a warm-up).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { benchTexts } from './workload.js';

export type ContestantSpec =
  | { kind: 'ticket-processor'; name: string; modelDir: string; texts: number; repeats: number; threads: number; cpu?: string; tokenBudget?: number; maxBatch?: number }
  | { kind: 'ort-session'; name: string; modelDir: string; batchesFile: string; repeats: number; threads: number }
  | { kind: 'transformers'; name: string; modelDir: string; texts: number; repeats: number; threads: number; batchSize: number; maxLength: number };

export interface SavedBatch {
  batch: number;
  seq: number;
  inputIds: number[];
  attentionMask: number[];
  tokenTypeIds: number[];
}

async function time(repeats: number, work: () => Promise<unknown>): Promise<number[]> {
  await work(); // warm-up: session arenas, caches, JIT
  const seconds: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await work();
    seconds.push((performance.now() - t0) / 1000);
  }
  return seconds;
}

async function ticketProcessor(spec: Extract<ContestantSpec, { kind: 'ticket-processor' }>): Promise<number[]> {
  const { createEnricher } = await import('../src/index.js');
  const enricher = await createEnricher({
    models: spec.modelDir,
    threads: spec.threads,
    ...(spec.cpu && { cpu: spec.cpu as 'generic' }),
    ...(spec.tokenBudget && { tokenBudget: spec.tokenBudget }),
    ...(spec.maxBatch && { maxBatch: spec.maxBatch }),
  });
  const texts = benchTexts(spec.texts);
  const seconds = await time(spec.repeats, () => enricher.embed(texts));
  await enricher.close();
  return seconds;
}

async function ortSession(spec: Extract<ContestantSpec, { kind: 'ort-session' }>): Promise<number[]> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(path.join(spec.modelDir, 'onnx', 'model.onnx'), {
    intraOpNumThreads: spec.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const batches = (JSON.parse(readFileSync(spec.batchesFile, 'utf8')) as SavedBatch[]).map((b) => {
    const dims = [b.batch, b.seq];
    const tensor = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v, BigInt), dims);
    return { input_ids: tensor(b.inputIds), attention_mask: tensor(b.attentionMask), token_type_ids: tensor(b.tokenTypeIds) };
  });
  // Tensors are built before timing: this is session.run alone, the floor any binding can reach.
  return time(spec.repeats, async () => {
    for (const feeds of batches) await session.run(feeds);
  });
}

async function transformers(spec: Extract<ContestantSpec, { kind: 'transformers' }>): Promise<number[]> {
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(spec.modelDir);
  const extractor = await pipeline('feature-extraction', path.basename(spec.modelDir), {
    dtype: 'fp32',
    session_options: { intraOpNumThreads: spec.threads, interOpNumThreads: 1 },
  });
  (extractor.tokenizer as unknown as { _tokenizerConfig: { model_max_length: number } })._tokenizerConfig.model_max_length = spec.maxLength;
  const texts = benchTexts(spec.texts);
  // As an application would call it: batches of batchSize in arrival order.
  return time(spec.repeats, async () => {
    for (let i = 0; i < texts.length; i += spec.batchSize) {
      await extractor(texts.slice(i, i + spec.batchSize), { pooling: 'mean', normalize: true });
    }
  });
}

const spec = JSON.parse(process.argv[2]!) as ContestantSpec;
const seconds =
  spec.kind === 'ticket-processor' ? await ticketProcessor(spec) : spec.kind === 'ort-session' ? await ortSession(spec) : await transformers(spec);
process.stdout.write(`${JSON.stringify({ name: spec.name, seconds })}\n`);
