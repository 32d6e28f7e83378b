// npm run bench [-- --texts 1000 --repeats 3 --threads 2 --skip-kernels]
// Embeddings per second on a full-size all-MiniLM-L6-v2-shaped model (generated on demand, random
// weights: speed does not depend on weight values), side by side in one run:
//   - ticket-processor, every CPU variant this machine runs;
//   - onnxruntime-node's session.run alone on exactly the batches ticket-processor builds
//     (tensors prepared outside the timing: the floor for any binding of the same runtime);
//   - @huggingface/transformers' feature-extraction pipeline, as an application calls it.
// Each contestant runs in its own process; the best of --repeats runs counts (after a warm-up).
// Then the per-variant microbenchmarks of the addon's own kernels.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';

import { Embedder, DEFAULT_BATCH_SETTINGS } from '../src/enrich/embedder.js';
import { readEmbeddingModelFiles } from '../src/models/embedding-model-files.js';
import { locateModel } from '../src/models/model-location.js';
import { loadAddon, planVariant } from '../src/native/load-addon.js';
import { ensureRuntime } from '../src/native/runtime.js';
import { ensureFullSizeModel } from '../test/fixtures/generate.js';
import type { ContestantSpec, SavedBatch } from './contestant.js';
import { kernelTable, runKernelBench } from './kernels.js';
import { median, renderTable } from './table.js';
import { benchTexts } from './workload.js';

const exec = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    texts: { type: 'string', default: '400' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    'skip-kernels': { type: 'boolean', default: false },
    'skip-embeddings': { type: 'boolean', default: false },
  },
});
const textCount = Number(args.texts);
const repeats = Number(args.repeats);
const threads = Number(args.threads);
const MAX_LENGTH = 256; // all-MiniLM-L6-v2's max_seq_length, for every contestant

async function runContestant(spec: ContestantSpec): Promise<{ name: string; seconds: number[] }> {
  process.stderr.write(`bench: ${spec.name} ...\n`);
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'contestant.ts'), JSON.stringify(spec)], {
    maxBuffer: 1 << 24,
    env: { ...process.env, TICKET_PROCESSOR_CPU: '' },
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { name: string; seconds: number[] };
}

async function embeddingBench(): Promise<void> {
  const modelDir = await ensureFullSizeModel();
  const texts = benchTexts(textCount);

  // The batches ticket-processor builds, saved for the onnxruntime-node contestant.
  const { addon } = loadAddon();
  await ensureRuntime(addon, threads);
  const files = await readEmbeddingModelFiles(locateModel(modelDir, 'embedding'), { dtype: 'fp32', maxLength: MAX_LENGTH });
  const embedder = await Embedder.load(addon, files, DEFAULT_BATCH_SETTINGS);
  const batches = embedder.encode(texts);
  embedder.close();
  const tokens = batches.flatMap((b) => Array.from({ length: b.batch }, (_, r) => b.attentionMask.subarray(r * b.seq, (r + 1) * b.seq).reduce((n, m) => n + Number(m), 0)));
  const padded = batches.reduce((n, b) => n + b.batch * b.seq, 0);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tp-bench-'));
  const batchesFile = path.join(tmp, 'batches.json');
  const saved: SavedBatch[] = batches.map((b) => ({
    batch: b.batch,
    seq: b.seq,
    inputIds: Array.from(b.inputIds, Number),
    attentionMask: Array.from(b.attentionMask, Number),
    tokenTypeIds: Array.from(b.tokenTypeIds, Number),
  }));
  writeFileSync(batchesFile, JSON.stringify(saved));

  const plan = planVariant();
  const variants = plan.cpu.supported.filter((v) => plan.available.includes(v));
  const common = { modelDir, repeats, threads };
  const specs: ContestantSpec[] = [
    ...variants.map((cpu): ContestantSpec => ({ kind: 'ticket-processor', name: `ticket-processor (${cpu})`, cpu, texts: textCount, ...common })),
    { kind: 'ort-session', name: 'onnxruntime-node session.run, same batches', batchesFile, ...common },
    ...[32, 8, 1].map((batchSize): ContestantSpec => ({
      kind: 'transformers',
      name: `transformers.js, batches of ${batchSize}`,
      batchSize,
      texts: textCount,
      maxLength: MAX_LENGTH,
      ...common,
    })),
  ];
  const results: { name: string; seconds: number[] }[] = [];
  for (const spec of specs) results.push(await runContestant(spec));
  rmSync(tmp, { recursive: true, force: true });

  const best = (r: { seconds: number[] }) => Math.min(...r.seconds);
  const ortTime = best(results.find((r) => r.name.startsWith('onnxruntime-node'))!);
  const transformersBest = Math.min(...results.filter((r) => r.name.startsWith('transformers.js')).map(best));
  const rows = results.map((r) => [
    r.name,
    (textCount / best(r)).toFixed(1),
    (textCount / median(r.seconds)).toFixed(1),
    `${(transformersBest / best(r)).toFixed(2)}x`,
    `${(ortTime / best(r)).toFixed(2)}x`,
  ]);
  const sortedTokens = [...tokens].sort((a, b) => a - b);
  console.log(
    `\nEmbeddings: ${textCount} ticket texts, tokens per text median ${median(sortedTokens)} / max ${sortedTokens.at(-1)} (truncated at ${MAX_LENGTH}); ` +
      `${batches.length} batches, padding ${(((padded - tokens.reduce((a, b) => a + b, 0)) / padded) * 100).toFixed(1)}%; ` +
      `MiniLM-L6-shaped model (6 layers, hidden 384), fp32, ${threads} intra-op threads, best of ${repeats} after a warm-up.\n` +
      `Ratios are throughput relative to the best transformers.js configuration and to onnxruntime-node's session.run alone.\n`,
  );
  console.log(renderTable(['runtime', 'texts/s (best)', 'texts/s (median)', 'vs transformers.js', 'vs ORT session.run'], rows));
}

async function kernelBench(): Promise<void> {
  console.log('\nAddon kernels per CPU variant (ONNX Runtime picks its own kernels at run time; these are the addon\'s own loops):\n');
  console.log(kernelTable(runKernelBench()));
}

if (!args['skip-embeddings']) await embeddingBench();
if (!args['skip-kernels']) await kernelBench();
