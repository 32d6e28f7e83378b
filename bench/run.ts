// npm run bench [-- --texts 400 --class-texts 200 --repeats 3 --threads 2 --only embeddings,classification,enrich,kernels,quantization]
// Side by side, in one run, on full-size models shaped like the real ones (generated on demand,
// random weights: speed does not depend on weight values):
//   embeddings      all-MiniLM-L6-v2 shape: ticket-processor (every CPU variant this machine runs),
//                   onnxruntime-node session.run on exactly ticket-processor's batches, transformers.js
//   classification  distilbert-base SST-2 shape: the same three, text-classification
//   enrich          classify() (both models in one native call, one tokenization: enrich() without
//                   its summary) vs embed() then the classifier; and enrichMany() with extractive summaries
//   summarization   distilbart-cnn-6-6 shape: greedy and beams vs transformers.js greedy, fixed
//                   output length; then full enrichMany() with all three models
//   kernels         the addon's own kernels, per CPU variant
//   quantization    fp32 vs q8 (onnx/model_quantized.onnx, DynamicQuantizeLinear + MatMulInteger)
//                   throughput for embeddings and classification, and how close q8's outputs are
// Each contestant runs in its own process; the contestants of a table run interleaved, round after
// round (--repeats rounds, after a warm-up each); the best run counts, the median is shown too.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { DEFAULT_BATCH_SETTINGS, Embedder } from '../src/enrich/embedder.js';
import { SequenceClassifier } from '../src/enrich/sequence-classifier.js';
import { ticketText } from '../src/enrich/ticket-schema.js';
import { readClassifierModelFiles } from '../src/models/classifier-model-files.js';
import { readEmbeddingModelFiles } from '../src/models/embedding-model-files.js';
import { fuseAttentionBlocks } from '../src/models/attention-fusion/index.js';
import { decodeModel, encodeModel } from '../src/models/attention-fusion/model-bytes.js';
import { pruneLastLayer } from '../src/models/last-layer-pruning/index.js';
import { locateModel } from '../src/models/model-location.js';
import type { EncodedBatch } from '../src/native/addon-types.js';
import { loadAddon, planVariant } from '../src/native/load-addon.js';
import { ensureRuntime } from '../src/native/runtime.js';
import { ensureFullSizeClassifier, ensureFullSizeModel, ensureFullSizeSummarizer } from '../test/fixtures/generate.js';
import type { ContestantSpec, SavedBatch } from './contestant.js';
import { type Result, runInterleaved } from './interleave.js';
import { kernelTable, runKernelBench } from './kernels.js';
import { median, renderTable } from './table.js';
import { benchTexts, benchTickets } from './workload.js';

const { values: args } = parseArgs({
  options: {
    texts: { type: 'string', default: '400' },
    'class-texts': { type: 'string', default: '200' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    'sum-texts': { type: 'string', default: '16' },
    'new-tokens': { type: 'string', default: '32' },
    only: { type: 'string', default: 'embeddings,classification,enrich,summarization,kernels,quantization' },
  },
});
const repeats = Number(args.repeats);
const threads = Number(args.threads);
const sections = new Set(args.only.split(','));
const EMBEDDING_MAX_LENGTH = 256; // all-MiniLM-L6-v2's max_seq_length
const CLASSIFIER_MAX_LENGTH = 512; // distilbert-base-uncased-finetuned-sst-2-english

const DENSE_ON = { TICKET_PROCESSOR_FUSE_DENSE: '1' };

async function runContestant(spec: ContestantSpec): Promise<Result> {
  return (await runInterleaved([spec], repeats))[0]!;
}

function saveBatches(batches: EncodedBatch[], dir: string, name: string): string {
  const file = path.join(dir, `${name}.json`);
  const saved: SavedBatch[] = batches.map((b) => ({
    batch: b.batch,
    seq: b.seq,
    inputIds: Array.from(b.inputIds, Number),
    attentionMask: Array.from(b.attentionMask, Number),
    tokenTypeIds: Array.from(b.tokenTypeIds, Number),
  }));
  writeFileSync(file, JSON.stringify(saved));
  return file;
}

function describeBatches(batches: EncodedBatch[], maxLength: number): string {
  const tokens = batches.flatMap((b) => Array.from({ length: b.batch }, (_, r) => b.attentionMask.subarray(r * b.seq, (r + 1) * b.seq).reduce((n, m) => n + Number(m), 0)));
  const padded = batches.reduce((n, b) => n + b.batch * b.seq, 0);
  const real = tokens.reduce((a, b) => a + b, 0);
  const sorted = [...tokens].sort((a, b) => a - b);
  return `tokens per text median ${median(sorted)} / max ${sorted.at(-1)} (truncated at ${maxLength}); ${batches.length} batches, padding ${(((padded - real) / padded) * 100).toFixed(1)}%`;
}

// "The best onnxruntime-node session time you can get": the same attention fusion ticket-processor
// does, but onto ONNX Runtime's own contrib op (com.microsoft MultiHeadAttention), so that
// onnxruntime-node can run it; for the classifier also with the same last-layer pruning, so that
// the table shows what the graph rewrites give apart from the addon's kernels.
const ORT_FUSED_NAME = 'onnxruntime-node, attention fused (MultiHeadAttention)';
const ORT_PRUNED_NAME = 'onnxruntime-node, MultiHeadAttention + last layer pruned';

function writeOrtFused(modelDir: string, dir: string, name: string, pruneLast = false): string {
  const model = decodeModel(readFileSync(path.join(modelDir, 'onnx', 'model.onnx')), 'bench');
  if (fuseAttentionBlocks(model, 'ort-contrib') === 0) throw new Error(`bench: no attention block of ${modelDir} matched the fusion patterns`);
  if (pruneLast && !pruneLastLayer(model)) throw new Error(`bench: the last layer of ${modelDir} could not be pruned`);
  const file = path.join(dir, `${name}-ort-fused${pruneLast ? '-pruned' : ''}.onnx`);
  writeFileSync(file, encodeModel(model));
  return file;
}

/** Throughput table with ratios to the best transformers.js configuration (best runs, and medians) and to session.run. */
function throughputTable(results: Result[], count: number, unit: string): string {
  const best = (r: Result) => Math.min(...r.seconds);
  // vs the fastest ONNX Runtime row (as exported, or with ORT's own fused attention)
  const ortRows = results.filter((r) => r.name.startsWith('onnxruntime-node'));
  const ort = ortRows.length ? ortRows.reduce((a, b) => (Math.min(...a.seconds) <= Math.min(...b.seconds) ? a : b)) : undefined;
  const tjs = results.filter((r) => r.name.startsWith('transformers.js'));
  const tjsBest = tjs.length ? Math.min(...tjs.map(best)) : undefined;
  // The same ratio by medians: the machine's speed drifts, and a best run can be an outlier.
  const tjsMedian = tjs.length ? Math.min(...tjs.map((r) => median(r.seconds))) : undefined;
  const rows = results.map((r) => [
    r.name,
    (count / best(r)).toFixed(1),
    (count / median(r.seconds)).toFixed(1),
    tjsBest ? `${(tjsBest / best(r)).toFixed(2)}x` : '',
    tjsMedian ? `${(tjsMedian / median(r.seconds)).toFixed(2)}x` : '',
    ort ? `${(best(ort) / best(r)).toFixed(2)}x` : '',
  ]);
  return renderTable(['runtime', `${unit}/s (best)`, `${unit}/s (median)`, 'vs transformers.js', 'vs transformers.js (medians)', 'vs best ORT session.run'], rows);
}

const runnable = () => {
  const plan = planVariant();
  return plan.cpu.supported.filter((v) => plan.available.includes(v));
};

async function embeddingSection(tmp: string): Promise<void> {
  const count = Number(args.texts);
  const modelDir = await ensureFullSizeModel();
  const { addon } = loadAddon();
  await ensureRuntime(addon, threads);
  const files = await readEmbeddingModelFiles(locateModel(modelDir, 'embedding'), { dtype: 'fp32', maxLength: EMBEDDING_MAX_LENGTH });
  const embedder = await Embedder.load(addon, files, DEFAULT_BATCH_SETTINGS);
  const batches = embedder.encode(benchTexts(count));
  embedder.close();
  const common = { texts: count, threads };
  const specs: ContestantSpec[] = [];
  for (const cpu of runnable()) specs.push({ kind: 'tp-embed', name: `ticket-processor (${cpu})`, modelDir, cpu, ...common });
  // The opt-in Dense op (README, How it works) on the best variant, to keep its measurement in view.
  specs.push({ kind: 'tp-embed', name: `ticket-processor (${runnable()[0]}, FUSE_DENSE=1)`, modelDir, cpu: runnable()[0]!, env: DENSE_ON, ...common });
  const embedBatches = saveBatches(batches, tmp, 'embed');
  specs.push({ kind: 'ort-session', name: 'onnxruntime-node session.run, same batches', modelDir, batchesFile: embedBatches, output: 'last_hidden_state', ...common });
  specs.push({ kind: 'ort-session', name: ORT_FUSED_NAME, modelDir, batchesFile: embedBatches, output: 'last_hidden_state', onnxFile: writeOrtFused(modelDir, tmp, 'embed'), ...common });
  for (const batchSize of [32, 8, 1]) {
    specs.push({ kind: 'tjs-embed', name: `transformers.js, batches of ${batchSize}`, modelDir, batchSize, maxLength: EMBEDDING_MAX_LENGTH, ...common });
  }
  const results = await runInterleaved(specs, repeats);
  console.log(`\n## Embeddings: ${count} ticket texts, ${describeBatches(batches, EMBEDDING_MAX_LENGTH)}; MiniLM-L6-shaped model (6 layers, hidden 384), fp32, ${threads} intra-op threads, best of ${repeats} interleaved rounds after a warm-up.\n`);
  console.log(throughputTable(results, count, 'texts'));
}

async function classificationSection(tmp: string): Promise<void> {
  const count = Number(args['class-texts']);
  const modelDir = await ensureFullSizeClassifier();
  const { addon } = loadAddon();
  await ensureRuntime(addon, threads);
  const files = await readClassifierModelFiles(locateModel(modelDir, 'sentiment'), { role: 'sentiment', dtype: 'fp32', maxLength: CLASSIFIER_MAX_LENGTH });
  const classifier = await SequenceClassifier.load(addon, files, DEFAULT_BATCH_SETTINGS);
  const batches = classifier.nativeModel().encode(benchTexts(count));
  classifier.close();
  const common = { texts: count, threads };
  const specs: ContestantSpec[] = [
    { kind: 'tp-classify', name: 'ticket-processor', modelDir, ...common },
    { kind: 'tp-classify', name: 'ticket-processor, FUSE_DENSE=1', modelDir, env: DENSE_ON, ...common },
  ];
  const classifyBatches = saveBatches(batches, tmp, 'classify');
  specs.push({ kind: 'ort-session', name: 'onnxruntime-node session.run, same batches', modelDir, batchesFile: classifyBatches, output: 'logits', ...common });
  specs.push({ kind: 'ort-session', name: ORT_FUSED_NAME, modelDir, batchesFile: classifyBatches, output: 'logits', onnxFile: writeOrtFused(modelDir, tmp, 'classify'), ...common });
  specs.push({ kind: 'ort-session', name: ORT_PRUNED_NAME, modelDir, batchesFile: classifyBatches, output: 'logits', onnxFile: writeOrtFused(modelDir, tmp, 'classify', true), ...common });
  for (const batchSize of [32, 8, 1]) {
    specs.push({ kind: 'tjs-classify', name: `transformers.js, batches of ${batchSize}`, modelDir, batchSize, maxLength: CLASSIFIER_MAX_LENGTH, ...common });
  }
  const results = await runInterleaved(specs, repeats);
  console.log(`\n## Classification: ${count} ticket texts, ${describeBatches(batches, CLASSIFIER_MAX_LENGTH)}; distilbert-base-shaped SST-2 classifier (6 layers, hidden 768), fp32, ${threads} intra-op threads, best of ${repeats} interleaved rounds after a warm-up.\n`);
  console.log(throughputTable(results, count, 'texts'));
}

async function enrichSection(): Promise<void> {
  const count = Number(args['class-texts']);
  const [embeddingDir, sentimentDir] = [await ensureFullSizeModel(), await ensureFullSizeClassifier()];
  const common = { texts: count, threads, embeddingDir, sentimentDir };
  const results = await runInterleaved([
    { kind: 'tp-enrich', name: 'classify(): both models in one call, one tokenization', ...common },
    { kind: 'tp-separate', name: 'embed() then sentiment classify(), separately', ...common },
    { kind: 'tp-enrich-extractive', name: 'enrichMany(): the same plus extractive summaries', ...common },
  ], repeats);
  const best = (r: Result) => Math.min(...r.seconds);
  console.log(`\n## Enrichment: ${count} tickets, both full-size models, no summarizer model, best of ${repeats} interleaved rounds.\n`);
  console.log(
    renderTable(
      ['path', 'tickets/s (best)', 'tickets/s (median)', 'time vs separate'],
      results.map((r) => [r.name, (count / best(r)).toFixed(1), (count / median(r.seconds)).toFixed(1), `${((best(r) / best(results[1]!)) * 100).toFixed(1)}%`]),
    ),
  );
  console.log(`\n${await tokenizationShare(embeddingDir, sentimentDir, count)}`);
}

/**
 * What the shared tokenization saves, measured where it happens: the addon's tokenize-and-batch
 * stage (analyzeTexts' own timing) for both models in one call against each model alone, and
 * its share of the whole call. Best of `repeats` rounds, in this process.
 */
async function tokenizationShare(embeddingDir: string, sentimentDir: string, count: number): Promise<string> {
  const { addon } = loadAddon();
  await ensureRuntime(addon, threads);
  const embedder = await Embedder.load(addon, await readEmbeddingModelFiles(locateModel(embeddingDir, 'embedding'), { dtype: 'fp32' }), DEFAULT_BATCH_SETTINGS);
  const classifier = await SequenceClassifier.load(addon, await readClassifierModelFiles(locateModel(sentimentDir, 'sentiment'), { role: 'sentiment', dtype: 'fp32' }), DEFAULT_BATCH_SETTINGS);
  const texts = benchTickets(count).map(ticketText);
  const [embedding, sentiment] = [embedder.nativeModel(), classifier.nativeModel()];
  const shared: number[] = [];
  const separate: number[] = [];
  const calls: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const both = await addon.analyzeTexts(texts, { embedding, classifier: sentiment });
    shared.push(both.timings.tokenize);
    calls.push(both.timings.tokenize + both.timings.encode);
    const alone = [await addon.analyzeTexts(texts, { embedding }), await addon.analyzeTexts(texts, { classifier: sentiment })];
    separate.push(alone[0]!.timings.tokenize + alone[1]!.timings.tokenize);
  }
  embedder.close();
  classifier.close();
  const ms = (seconds: number[]) => `${(Math.min(...seconds) * 1000).toFixed(1)} ms`;
  return (
    `Tokenization and batching, best of ${repeats}: ${ms(shared)} for both models in one call, ${ms(separate)} for each model on its own; ` +
    `the shared call saves ${((1 - Math.min(...shared) / Math.min(...separate)) * 100).toFixed(0)}% of that stage, which is ` +
    `${((Math.min(...shared) / Math.min(...calls)) * 100).toFixed(2)}% of the call (${ms(calls)} with inference).`
  );
}

async function summarizationSection(): Promise<void> {
  const count = Number(args['sum-texts']);
  const newTokens = Number(args['new-tokens']);
  const modelDir = await ensureFullSizeSummarizer();
  const common = { texts: count, threads, modelDir, newTokens };
  const specs: ContestantSpec[] = [];
  for (const numBeams of [1, 2, 4]) {
    specs.push({ kind: 'tp-summarize', name: `ticket-processor, ${numBeams === 1 ? 'greedy' : `${numBeams} beams`}`, numBeams, ...common });
  }
  for (const batchSize of [1, 8]) {
    specs.push({ kind: 'tjs-summarize', name: `transformers.js greedy, batches of ${batchSize}`, batchSize, ...common });
  }
  const results = await runInterleaved(specs, repeats);
  const best = (r: Result) => Math.min(...r.seconds);
  const tjsBest = Math.min(...results.filter((r) => r.name.startsWith('transformers.js')).map(best));
  const greedy = best(results[0]!);
  console.log(`\n## Summarization: ${count} ticket bodies, exactly ${newTokens} new tokens each (min = max), distilbart-cnn-6-6-shaped model (6 + 6 layers, d_model 1024, vocab 50265), fp32, ${threads} intra-op threads, best of ${repeats}.\n`);
  console.log(
    renderTable(
      ['runtime', 'summaries/s (best)', 'summaries/s (median)', 'vs transformers.js greedy', 'time vs greedy'],
      results.map((r) => [r.name, (count / best(r)).toFixed(2), (count / median(r.seconds)).toFixed(2), `${(tjsBest / best(r)).toFixed(2)}x`, `${(best(r) / greedy).toFixed(2)}x`]),
    ),
  );
  const [embeddingDir, sentimentDir] = [await ensureFullSizeModel(), await ensureFullSizeClassifier()];
  const all = await runContestant({ kind: 'tp-enrich-all', name: 'enrichMany(), all three models', texts: count, threads, embeddingDir, sentimentDir, summarizerDir: modelDir });
  console.log(
    `\nFull enrichment (embedding, classification, summary with the model's own generation settings: 4 beams, ` +
      `up to MAX_SUMMARY_LENGTH = 50 tokens): ${(count / best(all)).toFixed(2)} tickets/s (best of ${repeats}), ` +
      `vs about 1 ticket/s published for the Python system (on its own hardware).`,
  );
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/**
 * fp32 vs q8 on the full-size fixtures: throughput of ticket-processor (and of a plain
 * onnxruntime-node session on the same q8 file and batches), then how far q8's outputs move.
 */
async function quantizationSection(tmp: string): Promise<void> {
  const embedCount = Number(args.texts);
  const classCount = Number(args['class-texts']);
  const [embeddingDir, sentimentDir] = [await ensureFullSizeModel(), await ensureFullSizeClassifier()];
  const { addon } = loadAddon();
  await ensureRuntime(addon, threads);
  const common = { threads };

  const embedFiles = {
    fp32: await readEmbeddingModelFiles(locateModel(embeddingDir, 'embedding'), { dtype: 'fp32', maxLength: EMBEDDING_MAX_LENGTH }),
    q8: await readEmbeddingModelFiles(locateModel(embeddingDir, 'embedding'), { dtype: 'q8', maxLength: EMBEDDING_MAX_LENGTH }),
  };
  const classFiles = {
    fp32: await readClassifierModelFiles(locateModel(sentimentDir, 'sentiment'), { role: 'sentiment', dtype: 'fp32', maxLength: CLASSIFIER_MAX_LENGTH }),
    q8: await readClassifierModelFiles(locateModel(sentimentDir, 'sentiment'), { role: 'sentiment', dtype: 'q8', maxLength: CLASSIFIER_MAX_LENGTH }),
  };

  // Accuracy first (in this process): embeddings and sentiment of the same texts, fp32 vs q8.
  const sample = benchTexts(Math.min(embedCount, 200));
  const embeddings: Record<'fp32' | 'q8', Float32Array[]> = { fp32: [], q8: [] };
  const sentiment: Record<'fp32' | 'q8', { probs: Float32Array; labels: number }> = {} as never;
  let embedBatches: EncodedBatch[] = [];
  let classBatches: EncodedBatch[] = [];
  for (const dtype of ['fp32', 'q8'] as const) {
    const embedder = await Embedder.load(addon, embedFiles[dtype], DEFAULT_BATCH_SETTINGS);
    embeddings[dtype] = await embedder.embed(sample);
    if (dtype === 'q8') embedBatches = embedder.encode(benchTexts(embedCount));
    embedder.close();
    const classifier = await SequenceClassifier.load(addon, classFiles[dtype], DEFAULT_BATCH_SETTINGS);
    sentiment[dtype] = await classifier.classify(sample);
    if (dtype === 'q8') classBatches = classifier.nativeModel().encode(benchTexts(classCount));
    classifier.close();
  }
  const cosines = sample.map((_, i) => cosine(embeddings.fp32[i]!, embeddings.q8[i]!));
  const meanCosine = cosines.reduce((a, b) => a + b, 0) / cosines.length;
  const labelOf = (p: { probs: Float32Array; labels: number }, i: number) => {
    const row = p.probs.subarray(i * p.labels, (i + 1) * p.labels);
    return row.indexOf(Math.max(...row));
  };
  const agree = sample.filter((_, i) => labelOf(sentiment.fp32, i) === labelOf(sentiment.q8, i)).length;
  let probDiff = 0;
  for (let i = 0; i < sentiment.fp32.probs.length; i++) probDiff = Math.max(probDiff, Math.abs(sentiment.fp32.probs[i]! - sentiment.q8.probs[i]!));

  const results: { model: string; dtype: string; count: number; r: Result }[] = [];
  for (const dtype of ['fp32', 'q8'] as const) {
    const r = await runContestant({ kind: 'tp-embed', name: `ticket-processor embed, ${dtype}`, modelDir: embeddingDir, dtype, texts: embedCount, ...common });
    results.push({ model: 'embeddings (MiniLM-L6 shape)', dtype, count: embedCount, r });
  }
  results.push({
    model: 'embeddings (MiniLM-L6 shape)',
    dtype: 'q8, onnxruntime-node session.run, same batches',
    count: embedCount,
    r: await runContestant({ kind: 'ort-session', name: 'ort q8 embed', modelDir: embeddingDir, onnxFile: 'onnx/model_quantized.onnx', batchesFile: saveBatches(embedBatches, tmp, 'q8-embed'), output: 'last_hidden_state', texts: embedCount, ...common }),
  });
  for (const dtype of ['fp32', 'q8'] as const) {
    const r = await runContestant({ kind: 'tp-classify', name: `ticket-processor classify, ${dtype}`, modelDir: sentimentDir, dtype, texts: classCount, ...common });
    results.push({ model: 'classification (distilbert-base shape)', dtype, count: classCount, r });
  }
  results.push({
    model: 'classification (distilbert-base shape)',
    dtype: 'q8, onnxruntime-node session.run, same batches',
    count: classCount,
    r: await runContestant({ kind: 'ort-session', name: 'ort q8 classify', modelDir: sentimentDir, onnxFile: 'onnx/model_quantized.onnx', batchesFile: saveBatches(classBatches, tmp, 'q8-classify'), output: 'logits', texts: classCount, ...common }),
  });

  const best = (r: Result) => Math.min(...r.seconds);
  const fp32Of = (model: string) => results.find((x) => x.model === model && x.dtype === 'fp32')!;
  const sizeMiB = (f: string) => (statSync(f).size / 1048576).toFixed(1);
  console.log(
    `\n## int8 (q8): fp32 vs dynamically quantized graphs (onnx/model_quantized.onnx: int8 per-channel 7-bit weights, ` +
      `DynamicQuantizeLinear + MatMulInteger, uint8 embedding tables), full-size fixtures, ${threads} intra-op threads, best of ${repeats} after a warm-up.\n` +
      `Files: MiniLM-shaped ${sizeMiB(embedFiles.fp32.onnxPath)} -> ${sizeMiB(embedFiles.q8.onnxPath)} MiB, distilbert-shaped ${sizeMiB(classFiles.fp32.onnxPath)} -> ${sizeMiB(classFiles.q8.onnxPath)} MiB.\n`,
  );
  console.log(
    renderTable(
      ['model', 'dtype', 'texts/s (best)', 'texts/s (median)', 'vs fp32'],
      results.map(({ model, dtype, count, r }) => [model, dtype, (count / best(r)).toFixed(1), (count / median(r.seconds)).toFixed(1), `${(best(fp32Of(model).r) / best(r)).toFixed(2)}x`]),
    ),
  );
  console.log(
    `\nfp32 vs q8 outputs on ${sample.length} ticket texts (random weights: on trained models the numbers differ): ` +
      `embedding cosine mean ${meanCosine.toFixed(5)}, min ${Math.min(...cosines).toFixed(5)}; ` +
      `sentiment argmax agrees on ${agree}/${sample.length}, max probability difference ${probDiff.toFixed(4)}.`,
  );
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tp-bench-'));
try {
  if (sections.has('embeddings')) await embeddingSection(tmp);
  if (sections.has('classification')) await classificationSection(tmp);
  if (sections.has('enrich')) await enrichSection();
  if (sections.has('summarization')) await summarizationSection();
  if (sections.has('quantization')) await quantizationSection(tmp);
  if (sections.has('kernels')) {
    console.log("\n## Addon kernels per CPU variant (ONNX Runtime picks its own kernels at run time; these are the addon's own loops)\n");
    console.log(kernelTable(runKernelBench()));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
