// dtype q8: the dynamically quantized fixtures (onnx/model_quantized.onnx, written by
// test/fixtures/quantize-dynamic.ts) load and run; their outputs equal onnxruntime-node running
// the same file on the same batches; fp32 and q8 embeddings stay close; provenance (id, revision,
// dtype, sha256 of the ONNX files) in info() and every ticket; a missing quantized file is a
// MODEL_NOT_FOUND that says how to get it.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import t, { type Test } from 'tap';

import { Embedder } from '../src/enrich/embedder.js';
import { SequenceClassifier } from '../src/enrich/sequence-classifier.js';
import { createEnricher } from '../src/index.js';
import { readClassifierModelFiles } from '../src/models/classifier-model-files.js';
import { readEmbeddingModelFiles } from '../src/models/embedding-model-files.js';
import { type Manifest, writeManifest } from '../src/models/hub/manifest.js';
import { locateModel } from '../src/models/model-location.js';
import { modelProvenance } from '../src/models/provenance.js';
import type { EncodedBatch } from '../src/native/addon-types.js';
import { loadAddon } from '../src/native/load-addon.js';
import { ensureRuntime } from '../src/native/runtime.js';
import { maxAbsDiff, norm, TINY_BERT, TINY_MODELS, TINY_SST2 } from './helpers.js';
import { huggingFaceIds } from './reference.js';
import { AWKWARD_TEXTS, ticketTexts } from './texts.js';

const Q8 = 'onnx/model_quantized.onnx';
const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const texts = [...ticketTexts(50, 11), ...AWKWARD_TEXTS];
const BATCH = { tokenBudget: 1024, maxBatch: 32 };

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (norm(a) * norm(b));
}

/** The ONNX op types of a file (top-level graph). */
function opTypes(file: string): Map<string, number> {
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(file));
  const counts = new Map<string, number>();
  for (const n of model.graph!.node!) counts.set(n.opType!, (counts.get(n.opType!) ?? 0) + 1);
  return counts;
}

/** Each batch the addon ran, through onnxruntime-node (the same quantized file, its own session). */
async function referenceRun(file: string, batches: EncodedBatch[], withTypes: boolean): Promise<{ batch: EncodedBatch; out: ort.Tensor }[]> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  const results: { batch: EncodedBatch; out: ort.Tensor }[] = [];
  for (const b of batches) {
    const dims = [b.batch, b.seq];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', b.inputIds, dims),
      attention_mask: new ort.Tensor('int64', b.attentionMask, dims),
    };
    if (withTypes) feeds.token_type_ids = new ort.Tensor('int64', b.tokenTypeIds, dims);
    const out = await session.run(feeds);
    results.push({ batch: b, out: out[session.outputNames[0]!]! });
  }
  await session.release();
  return results;
}

/** The batches' ids are Hugging Face tokenizers' (Rust) ids, truncated at maxLength. */
async function checkIds(t: Test, dir: string, batches: EncodedBatch[], maxLength: number): Promise<void> {
  const expected = await huggingFaceIds(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'), texts, maxLength);
  let bad = 0;
  for (const b of batches) {
    for (let row = 0; row < b.batch; row++) {
      const ids = expected[b.members[row]!]!;
      const got = Array.from(b.inputIds.subarray(row * b.seq, row * b.seq + ids.length), Number);
      if (JSON.stringify(got) !== JSON.stringify(ids)) bad++;
    }
  }
  t.equal(bad, 0, 'the batches hold Hugging Face tokenizers’ ids');
}

const { addon } = loadAddon();
await ensureRuntime(addon, undefined);

t.test('the q8 fixtures: quantize_dynamic layout, small, listed in the fixture manifest', async (t) => {
  for (const dir of [TINY_BERT, TINY_SST2]) {
    const name = path.basename(dir);
    const ops = opTypes(path.join(dir, Q8));
    const fp32Ops = opTypes(path.join(dir, 'onnx', 'model.onnx'));
    // every MatMul with a weight initializer became MatMulInteger; the attention MatMuls stay
    t.equal(ops.get('MatMulInteger'), (fp32Ops.get('MatMul') ?? 0) - (ops.get('MatMul') ?? 0), `${name}: MatMul -> MatMulInteger`);
    t.equal(ops.get('MatMul'), 4, `${name}: 2 layers x 2 attention MatMuls stay float`);
    t.ok((ops.get('DynamicQuantizeLinear') ?? 0) > 0 && (ops.get('DynamicQuantizeLinear') ?? 0) < (ops.get('MatMulInteger') ?? 0), `${name}: one DynamicQuantizeLinear per quantized activation (q/k/v share one)`);
    t.equal(ops.get('DequantizeLinear'), name === 'tiny-bert' ? 3 : 2, `${name}: embedding tables as uint8 + DequantizeLinear`);
    const size = statSync(path.join(dir, Q8)).size;
    t.ok(size < 0.3 * statSync(path.join(dir, 'onnx', 'model.onnx')).size, `${name}: ${size} bytes, under 30% of fp32`);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'fixture-manifest.json'), 'utf8')) as { files: Record<string, { bytes: number; sha256: string }> };
    t.same(manifest.files[Q8], { bytes: size, sha256: sha256Of(path.join(dir, Q8)) }, `${name}: in fixture-manifest.json`);
  }
});

t.test('q8 embeddings equal onnxruntime-node running model_quantized.onnx on the same batches', async (t) => {
  const files = await readEmbeddingModelFiles(locateModel(TINY_BERT, 'embedding'), { dtype: 'q8' });
  t.equal(files.onnxPath, path.join(TINY_BERT, Q8));
  const embedder = await Embedder.load(addon, files, BATCH);
  t.teardown(() => embedder.close());
  const ours = await embedder.embed(texts);
  const batches = embedder.encode(texts);
  await checkIds(t, TINY_BERT, batches, files.maxLength);
  let worst = 0;
  for (const { batch: b, out } of await referenceRun(files.onnxPath, batches, true)) {
    const hidden = out.data as Float32Array;
    const dim = out.dims[2]!;
    for (let row = 0; row < b.batch; row++) {
      // mean pooling over the attended tokens, then L2 normalization (sentence-transformers)
      const pooled = new Float64Array(dim);
      for (let s = 0; s < b.seq; s++) {
        if (b.attentionMask[row * b.seq + s] !== 1n) continue;
        for (let d = 0; d < dim; d++) pooled[d] = pooled[d]! + hidden[(row * b.seq + s) * dim + d]!;
      }
      const n = norm(pooled); // the mean's 1/count cancels in the normalization
      worst = Math.max(worst, maxAbsDiff(ours[b.members[row]!]!, Array.from(pooled, (v) => v / n)));
    }
  }
  t.ok(worst <= 1e-5, `max abs difference ${worst.toExponential(2)} over ${texts.length} texts`);
});

t.test('q8 sentiment logits equal onnxruntime-node on the same batches', async (t) => {
  const files = await readClassifierModelFiles(locateModel(TINY_SST2, 'sentiment'), { role: 'sentiment', dtype: 'q8' });
  t.equal(files.onnxPath, path.join(TINY_SST2, Q8));
  const classifier = await SequenceClassifier.load(addon, files, BATCH);
  t.teardown(() => classifier.close());
  const ours = await classifier.classify(texts);
  const batches = classifier.nativeModel().encode(texts);
  await checkIds(t, TINY_SST2, batches, files.maxLength);
  let worst = 0;
  for (const { batch: b, out } of await referenceRun(files.onnxPath, batches, false)) {
    const logits = out.data as Float32Array;
    for (let row = 0; row < b.batch; row++) {
      const i = b.members[row]!;
      worst = Math.max(worst, maxAbsDiff(ours.logits.subarray(2 * i, 2 * i + 2), logits.subarray(2 * row, 2 * row + 2)));
    }
  }
  t.ok(worst <= 1e-5, `max abs logit difference ${worst.toExponential(2)} over ${texts.length} texts`);
});

t.test('fp32 vs q8 through createEnricher: close embeddings, mostly the same sentiment', async (t) => {
  const fp32 = await createEnricher({ models: TINY_MODELS, pull: false });
  const q8 = await createEnricher({ models: TINY_MODELS, dtype: 'q8', pull: false });
  t.teardown(async () => {
    await fp32.close();
    await q8.close();
  });
  const sample = ticketTexts(50, 23);
  const [a, b] = [await fp32.embed(sample), await q8.embed(sample)];
  const cosines = a.map((v, i) => cosine(v, b[i]!));
  const mean = cosines.reduce((x, y) => x + y, 0) / cosines.length;
  const min = Math.min(...cosines);
  // Measured on these fixtures: mean 0.99998, lowest 0.99997 (random weights: real models differ;
  // unrelated texts are at 0.73-0.96 here, so a broken graph, e.g. scales on the wrong axis, fails).
  t.ok(mean > 0.9995, `mean cosine fp32 vs q8 ${mean.toFixed(5)} over ${sample.length} ticket texts`);
  t.ok(min > 0.999, `lowest ${min.toFixed(5)}`);
  for (const v of b) t.ok(Math.abs(norm(v) - 1) < 1e-5, 'q8 embeddings are unit length too');
  // The unrelated-text spread is kept: q8 does not collapse the space.
  const spread = (e: Float32Array[]) => cosine(e[0]!, e[1]!);
  t.ok(Math.abs(spread(a) - spread(b)) < 0.01, 'pairwise similarity preserved');

  // DynamicQuantizeLinear takes one scale per tensor at run time, so a q8 vector depends a little
  // on what else (and how much padding) is in its batch; fp32 does not (test/10-batching.test.ts).
  // Measured here: ~5e-5.
  let batchEffect = 0;
  for (let i = 0; i < 10; i++) batchEffect = Math.max(batchEffect, maxAbsDiff((await q8.embed([sample[i]!]))[0]!, b[i]!));
  t.ok(batchEffect < 1e-3, `q8: alone vs in a batch, max abs difference ${batchEffect.toExponential(2)}`);

  t.equal(q8.info().models.embedding.dtype, 'q8');
  t.equal(q8.info().models.embedding.file, path.join(TINY_BERT, Q8));
  t.equal(q8.info().models.sentiment!.file, path.join(TINY_SST2, Q8));
  const tickets = sample.slice(0, 20).map((text, i) => ({
    ticket_id: `q8-${i}`,
    subject: text.split('\n')[0]!,
    body: text,
    created_at: 1_700_000_000 + i,
    customer_id: 'c',
    metadata: { source: 'test', language: 'en', tags: [] },
  }));
  const [fa, qa] = [await fp32.classify(tickets), await q8.classify(tickets)];
  const same = fa.filter((c, i) => c.sentiment.label === qa[i]!.sentiment.label).length;
  t.ok(same >= 16, `${same}/20 sentiment labels agree`);
});

t.test('provenance with q8: dtype and the sha256 of the quantized files, in info() and every ticket', async (t) => {
  const enricher = await createEnricher({ models: TINY_MODELS, dtype: 'q8', pull: false });
  t.teardown(() => enricher.close());
  const info = enricher.info();
  const expected = {
    embedding: { id: TINY_BERT, dtype: 'q8', revision: undefined, sha256: { [Q8]: sha256Of(path.join(TINY_BERT, Q8)) } },
    sentiment: { id: TINY_SST2, dtype: 'q8', revision: undefined, sha256: { [Q8]: sha256Of(path.join(TINY_SST2, Q8)) } },
  };
  t.match(info.models.embedding, expected.embedding);
  t.same(info.models.embedding.sha256, expected.embedding.sha256);
  t.same(info.models.sentiment!.sha256, expected.sentiment.sha256);
  const [ticket] = await enricher.enrichMany([
    { ticket_id: 'p1', subject: 'Cannot log in', body: 'The login page rejects my password since this morning.', created_at: 1_700_000_000, customer_id: 'c', metadata: { source: 'email', language: 'en', tags: [] } },
  ]);
  t.same(ticket!.enrichment.models, { ...expected, summarizer: null });
});

t.test('a pulled folder: revision from the cache manifest, hashes from it while size and time match', async (t) => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'tp-q8-cache-'));
  t.teardown(() => rmSync(cache, { recursive: true, force: true }));
  const id = 'Xenova/all-MiniLM-L6-v2';
  const dir = path.join(cache, 'Xenova', 'all-MiniLM-L6-v2');
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx']) cpSync(path.join(TINY_BERT, f), path.join(dir, f), { recursive: true });
  const commit = 'c0ffee'.padEnd(40, '0');
  const entry = (rel: string, dtype: 'fp32' | 'q8' | 'all', sha256 = sha256Of(path.join(dir, rel))) => {
    const s = statSync(path.join(dir, rel));
    return { size: s.size, sha256, verified: 'sha256' as const, dtype, mtime_ms: s.mtimeMs, pulled_at: new Date().toISOString() };
  };
  const manifest: Manifest = {
    format: 1,
    id,
    revision: 'main',
    commit,
    endpoint: 'https://huggingface.co',
    pulled_at: new Date().toISOString(),
    files: { 'config.json': entry('config.json', 'all'), 'tokenizer.json': entry('tokenizer.json', 'all'), 'onnx/model.onnx': entry('onnx/model.onnx', 'fp32'), [Q8]: entry(Q8, 'q8') },
    absent: [],
  };
  await writeManifest(dir, manifest);

  const saved = { MODEL_CACHE_DIR: process.env.MODEL_CACHE_DIR, HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE };
  process.env.MODEL_CACHE_DIR = cache;
  process.env.HF_HUB_OFFLINE = '1';
  t.teardown(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const enricher = await createEnricher({ models: { embedding: id, sentiment: TINY_SST2 }, dtype: 'q8', pull: false });
  const info = enricher.info().models.embedding;
  t.match(info, { id, source: 'cache', dtype: 'q8', revision: commit, sha256: { [Q8]: sha256Of(path.join(dir, Q8)) } });
  const [ticket] = await enricher.enrichMany([{ ticket_id: 'p2', subject: 'Refund', body: 'Please refund the duplicate charge on my card.', created_at: 1_700_000_001, customer_id: 'c', metadata: { source: 'email', language: 'en', tags: [] } }]);
  t.match(ticket!.enrichment.models.embedding, { id, revision: commit, dtype: 'q8' });
  t.equal(ticket!.enrichment.models.sentiment.revision, undefined, 'the sentiment model is a plain folder');
  await enricher.close();

  // The manifest's sha256 is taken as it is while size and mtime match (no re-hash of large
  // files at every start); a file touched since is hashed again.
  const location = { id, dir, source: 'cache' as const };
  await writeManifest(dir, { ...manifest, files: { ...manifest.files, [Q8]: { ...manifest.files[Q8]!, sha256: 'a'.repeat(64) } } });
  t.same((await modelProvenance(location, 'q8', [path.join(dir, Q8)])).sha256, { [Q8]: 'a'.repeat(64) }, 'recorded hash used');
  utimesSync(path.join(dir, Q8), new Date(), new Date(Date.now() + 5000));
  t.same((await modelProvenance(location, 'q8', [path.join(dir, Q8)])).sha256, { [Q8]: sha256Of(path.join(dir, Q8)) }, 'modified since: hashed');
  t.equal((await modelProvenance(location, 'q8', [path.join(dir, Q8)])).revision, commit);
});

t.test('q8 without model_quantized.onnx: MODEL_NOT_FOUND naming the file and the pull command', async (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tp-q8-missing-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'model');
  cpSync(TINY_BERT, dir, { recursive: true });
  rmSync(path.join(dir, Q8));
  await t.rejects(createEnricher({ models: dir, dtype: 'q8', pull: false }), {
    code: 'MODEL_NOT_FOUND',
    message:
      `embedding model folder ${dir} is missing onnx/model_quantized.onnx (it needs config.json, tokenizer.json, onnx/model_quantized.onnx): ` +
      "onnx/model_quantized.onnx is the int8 graph that dtype q8 loads; get the model's quantized export with `ticket-processor models pull <hub id> --dtype q8` " +
      `(and pass the pulled folder), or copy onnx/model_quantized.onnx of the same model into ${dir}, or use dtype fp32`,
  });

  // a hub id in the cache without its q8 graph, offline: names the id and --dtype q8
  const cache = mkdtempSync(path.join(os.tmpdir(), 'tp-q8-cache-'));
  t.teardown(() => rmSync(cache, { recursive: true, force: true }));
  cpSync(dir, path.join(cache, 'Xenova', 'all-MiniLM-L6-v2'), { recursive: true });
  const saved = { MODEL_CACHE_DIR: process.env.MODEL_CACHE_DIR, HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE };
  process.env.MODEL_CACHE_DIR = cache;
  process.env.HF_HUB_OFFLINE = '1';
  t.teardown(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const err = await createEnricher({ models: 'Xenova/all-MiniLM-L6-v2', dtype: 'q8' }).then(
    () => undefined,
    (e: unknown) => e as Error & { code: string },
  );
  t.equal(err?.code, 'MODEL_NOT_FOUND');
  t.match(err?.message, 'onnx/model_quantized.onnx: missing');
  t.match(err?.message, '`ticket-processor models pull Xenova/all-MiniLM-L6-v2 --dtype q8`');
});
