// The addon's fused dense op (ai.ticket_processor Dense, native/dense/) inside real sessions:
// the same BERT and DistilBERT graphs loaded once as exported (ONNX Runtime runs its MatMul, Add
// and Erf nodes) and once rewritten by src/models/dense-fusion (plus the attention fusion, as
// TICKET_PROCESSOR_FUSE_DENSE=1 loads them), on every CPU variant built here, with widths that
// are and are not multiples of the packed panel, on texts of very different lengths. Then a
// broken Dense node: the session refuses it with a message that names the op.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import onnxProto from 'onnx-proto';
import t from 'tap';

import { fuseAttention } from '../src/models/attention-fusion/index.js';
import { fuseDense } from '../src/models/dense-fusion/index.js';
import { encoderGraph } from '../src/models/fused-graph.js';
import { loadAddon } from '../src/native/load-addon.js';
import { ensureRuntime } from '../src/native/runtime.js';
import { TINY_BERT as TINY_BERT_SPEC, buildBertOnnx } from './fixtures/bert-onnx.js';
import { buildDistilBertOnnx, TINY_DISTILBERT_SST2 } from './fixtures/distilbert-onnx.js';
import { attr, DataType, GraphBuilder, normalArray, Rng } from './fixtures/onnx-builder.js';
import { maxAbsDiff, readTinyTokenizerJson, runnableVariants, withEnv } from './helpers.js';
import { AWKWARD_TEXTS, ticketTexts } from './texts.js';

const texts = [...ticketTexts(40), ...AWKWARD_TEXTS, 'short', 'a '.repeat(300)];
const tokenizerJson = readTinyTokenizerJson();
const batching = { tokenizerJson, maxLength: 128, tokenBudget: 512, maxBatch: 8 };

function bothRewrites(bytes: Uint8Array): { model: Uint8Array; dense: number } {
  const { model, fused } = fuseDense(fuseAttention(bytes).model);
  return { model, dense: fused };
}

t.test('fused dense layers equal ONNX Runtime MatMul + Add + Gelu in BERT encoders', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-dense-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // hidden 32 and FFN 64: whole panels for every variant; hidden 40 and FFN 100: a partial panel
  for (const [hiddenSize, intermediateSize] of [[32, 64], [40, 100]] as const) {
    const spec = { ...TINY_BERT_SPEC, hiddenSize, intermediateSize, numAttentionHeads: 4, numHiddenLayers: 2 };
    const original = buildBertOnnx(spec);
    const { model, dense } = bothRewrites(original);
    t.equal(dense, 12, `hidden ${hiddenSize}: 6 Dense nodes per layer`);
    const file = path.join(dir, `bert-${hiddenSize}.onnx`);
    writeFileSync(file, original);
    for (const cpu of runnableVariants()) {
      const { addon } = loadAddon(cpu);
      await ensureRuntime(addon, 2);
      const asExported = await addon.loadEmbeddingModel({ modelPath: file, ...batching, normalize: false });
      const fused = await addon.loadEmbeddingModel({ modelPath: file, modelBytes: model, ...batching, normalize: false });
      const diff = maxAbsDiff((await asExported.embed(texts)).data, (await fused.embed(texts)).data);
      t.ok(diff <= 1e-5, `${cpu}, hidden ${hiddenSize}: mean-pooled outputs differ by ${diff.toExponential(2)} (<= 1e-5)`);
      asExported.close();
      fused.close();
    }
  }
});

t.test('fused dense layers equal ONNX Runtime in the DistilBERT classifier', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-dense-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const original = buildDistilBertOnnx(TINY_DISTILBERT_SST2);
  const file = path.join(dir, 'distilbert.onnx');
  writeFileSync(file, original);
  const { model, dense } = bothRewrites(original);
  t.equal(dense, 12, '6 Dense nodes per layer (the classifier head is Gemm, left to ONNX Runtime)');
  for (const cpu of runnableVariants()) {
    const { addon } = loadAddon(cpu);
    await ensureRuntime(addon, 2);
    const asExported = await addon.loadClassifierModel({ modelPath: file, ...batching });
    const fused = await addon.loadClassifierModel({ modelPath: file, modelBytes: model, ...batching });
    const diff = maxAbsDiff((await asExported.classify(texts)).logits, (await fused.classify(texts)).logits);
    t.ok(diff <= 1e-5, `${cpu}: logits differ by ${diff.toExponential(2)} (<= 1e-5)`);
    asExported.close();
    fused.close();
  }
});

/**
 * input_ids -> embedding rows x [B, S, 8] -> x . W + b + r, where the residual r is a runtime
 * tensor that Add broadcasts: mean over batch and sequence [1, 1, 8], or over everything [1].
 */
function broadcastResidualGraph(keepRank: boolean): Uint8Array {
  const g = new GraphBuilder('broadcast-residual');
  const ids = g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  g.input('attention_mask', DataType.INT64, ['batch', 'sequence']);
  const rng = new Rng(5);
  const x = g.node('Gather', [g.initializer('table', [30522, 8], normalArray(rng, 30522 * 8, 1)), ids]);
  const product = g.node('MatMul', [x, g.initializer('w', [8, 8], normalArray(rng, 64, 0.5))]);
  const biased = g.node('Add', [g.initializer('b', [8], normalArray(rng, 8, 1)), product]);
  const residual = keepRank ? g.node('ReduceMean', [x], { attrs: { axes: attr.ints([0, 1]), keepdims: attr.int(1) } }) : g.node('ReduceMean', [x], { attrs: { keepdims: attr.int(0) } });
  const out = g.node('Add', [biased, keepRank ? residual : g.node('Unsqueeze', [residual, g.constInt64([0])])], { outputs: ['last_hidden_state'] });
  g.output(out, DataType.FLOAT, ['batch', 'sequence', 8]);
  return g.toModelBytes();
}

t.test('a residual that Add broadcasts is expanded by the op', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-dense-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { addon } = loadAddon();
  await ensureRuntime(addon, 2);
  for (const keepRank of [true, false]) {
    const original = broadcastResidualGraph(keepRank);
    const { model, fused } = fuseDense(original);
    t.equal(fused, 1, 'the MatMul, its bias and the residual Add are one Dense node');
    const file = path.join(dir, `broadcast-${keepRank}.onnx`);
    writeFileSync(file, original);
    const asExported = await addon.loadEmbeddingModel({ modelPath: file, ...batching, normalize: false });
    const withOp = await addon.loadEmbeddingModel({ modelPath: file, modelBytes: model, ...batching, normalize: false });
    const diff = maxAbsDiff((await asExported.embed(texts)).data, (await withOp.embed(texts)).data);
    t.ok(diff <= 1e-5, `residual ${keepRank ? '[1, 1, 8]' : '[1]'}: outputs differ by ${diff.toExponential(2)}`);
    asExported.close();
    withOp.close();
  }
});

t.test('TICKET_PROCESSOR_FUSE_DENSE=1 turns the dense rewrite on, for the SIMD variants only', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-dense-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'bert.onnx');
  writeFileSync(file, buildBertOnnx({ ...TINY_BERT_SPEC, numHiddenLayers: 2 }));
  withEnv(t, { TICKET_PROCESSOR_FUSE_DENSE: undefined });
  t.equal((await encoderGraph(file, 'avx512')).fusedDense, 0, 'off by default');
  process.env.TICKET_PROCESSOR_FUSE_DENSE = '1';
  const on = await encoderGraph(file, 'avx512');
  t.equal(on.fusedDense, 12, 'on: every dense layer');
  t.equal(on.fusedAttention, 2, 'together with the attention fusion');
  t.equal((await encoderGraph(file, 'generic')).fusedDense, 0, 'never for the generic variant');
});

t.test('a Dense node the op cannot run is refused when the session loads', async (t) => {
  const { addon } = loadAddon();
  await ensureRuntime(addon, 2);
  const { model } = bothRewrites(buildBertOnnx({ ...TINY_BERT_SPEC, numHiddenLayers: 1 }));
  const edit = (change: (m: onnxProto.onnx.ModelProto) => void): Uint8Array => {
    const decoded = onnxProto.onnx.ModelProto.decode(model);
    change(decoded);
    return onnxProto.onnx.ModelProto.encode(decoded).finish();
  };
  const denseNodes = (m: onnxProto.onnx.ModelProto) => m.graph!.node!.filter((n) => n.opType === 'Dense');
  const load = (modelBytes: Uint8Array) => addon.loadEmbeddingModel({ modelPath: 'edited.onnx', modelBytes, ...batching, normalize: true });

  const badActivation = edit((m) => {
    for (const a of denseNodes(m)[0]!.attribute!) if (a.name === 'activation') a.s = new TextEncoder().encode('relu');
  });
  await t.rejects(load(badActivation), { code: 'MODEL_INVALID', message: /Dense: activation must be "none" or "gelu", got "relu"/ });

  // The weight of the first Dense node becomes a graph input: no longer a constant to pack.
  const weightAsInput = edit((m) => {
    const name = denseNodes(m)[0]!.input![1]!;
    const init = m.graph!.initializer!.find((i) => i.name === name)!;
    m.graph!.initializer = m.graph!.initializer!.filter((i) => i !== init);
    m.graph!.input!.push({ name, type: { tensorType: { elemType: 1, shape: { dim: init.dims!.map((d) => ({ dimValue: d })) } } } });
  });
  await t.rejects(load(weightAsInput), { code: 'MODEL_INVALID', message: /Dense: W must be a constant initializer/ });
});
