// Last-layer pruning (src/models/last-layer-pruning): when a graph reads only the first token of
// its encoder's output, the last layer is rewritten to compute that token's row alone.
//
// - Its wiring is checked with ONNX Runtime's own kernels: the classifiers as exported against
//   the same graphs with their attention fused into com.microsoft MultiHeadAttention (which takes
//   fewer queries than keys too) and the last layer pruned, in onnxruntime-node.
// - The addon's MaskedSelfAttention with one query row is checked by running the classifiers in
//   the addon with and without the pruning, on every CPU variant built here. (Test 11 compares
//   the default path, pruning included, with transformers.js.)
// - Near misses (an embedding model, a second reader of the encoder output, a token other than
//   the first, an op that mixes rows, a constant that broadcasts along the sequence, no fused
//   attention) leave the graph byte for byte as it was.
// - encoderGraph applies it by default with the attention fusion (on the generic variant, with
//   ONNX Runtime's MultiHeadAttention), and TICKET_PROCESSOR_PRUNE_LAST_LAYER=0 turns it off.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import t from 'tap';

import { fuseAttentionBlocks } from '../src/models/attention-fusion/index.js';
import { encoderGraph } from '../src/models/fused-graph.js';
import { pruneLastLayer } from '../src/models/last-layer-pruning/index.js';
import { loadAddon } from '../src/native/load-addon.js';
import { ensureRuntime } from '../src/native/runtime.js';
import { buildBertOnnx, TINY_BERT as TINY_BERT_SPEC } from './fixtures/bert-onnx.js';
import { buildDistilBertOnnx, TINY_DISTILBERT_SST2 } from './fixtures/distilbert-onnx.js';
import { DataType, normalArray, Rng, tensor, valueInfo } from './fixtures/onnx-builder.js';
import { maxAbsDiff, readTinyTokenizerJson, rng, runnableVariants, withEnv } from './helpers.js';
import { AWKWARD_TEXTS, ticketTexts } from './texts.js';

const { onnx } = onnxProto;
type ModelProto = OnnxTypes.ModelProto;
type NodeProto = OnnxTypes.INodeProto;

const decode = (bytes: Uint8Array): ModelProto => onnx.ModelProto.decode(bytes);
const encode = (model: ModelProto): Uint8Array => onnx.ModelProto.encode(model).finish();
const AT = onnx.AttributeProto.AttributeType;

/**
 * tiny BERT with BertForSequenceClassification's head, as the exporter writes it:
 * hidden_states[:, 0] is Gather(axis 1) of the scalar 0, then the pooler (Gemm, Tanh) and the
 * classifier (Gemm) -> logits [batch_size, 2]; last_hidden_state is no longer an output.
 */
function bertClassifier(): Uint8Array {
  const m = decode(buildBertOnnx({ ...TINY_BERT_SPEC, numHiddenLayers: 2 }));
  const g = m.graph!;
  const hidden = TINY_BERT_SPEC.hiddenSize;
  const r = new Rng(40);
  g.initializer!.push(
    tensor('pooled_index', [], new BigInt64Array([0n])),
    tensor('bert.pooler.dense.weight', [hidden, hidden], normalArray(r, hidden * hidden, 0.2)),
    tensor('bert.pooler.dense.bias', [hidden], normalArray(r, hidden, 0.1)),
    tensor('classifier.weight', [2, hidden], normalArray(r, 2 * hidden, 1)),
    tensor('classifier.bias', [2], new Float32Array([0.1, -0.1])),
  );
  const transB = { name: 'transB', type: AT.INT, i: 1 };
  g.node!.push(
    { name: '/Gather', opType: 'Gather', input: ['last_hidden_state', 'pooled_index'], output: ['/Gather_output_0'], attribute: [{ name: 'axis', type: AT.INT, i: 1 }] },
    { name: '/bert/pooler/dense/Gemm', opType: 'Gemm', input: ['/Gather_output_0', 'bert.pooler.dense.weight', 'bert.pooler.dense.bias'], output: ['/pooler_dense'], attribute: [transB] },
    { name: '/bert/pooler/activation/Tanh', opType: 'Tanh', input: ['/pooler_dense'], output: ['/pooler_output'] },
    { name: '/classifier/Gemm', opType: 'Gemm', input: ['/pooler_output', 'classifier.weight', 'classifier.bias'], output: ['logits'], attribute: [transB] },
  );
  g.output = [valueInfo('logits', DataType.FLOAT, ['batch_size', 2])];
  return encode(m);
}

const CLASSIFIERS = [
  { name: 'DistilBERT SST-2', bytes: buildDistilBertOnnx(TINY_DISTILBERT_SST2), layers: 2 },
  { name: 'BERT with pooler', bytes: bertClassifier(), layers: 2 },
] as const;

function rewritten(bytes: Uint8Array, target: 'ticket-processor' | 'ort-contrib', prune: boolean): { model: ModelProto; pruned: ReturnType<typeof pruneLastLayer> } {
  const model = decode(bytes);
  fuseAttentionBlocks(model, target);
  return { model, pruned: prune ? pruneLastLayer(model) : undefined };
}

// Texts of very different lengths (padding, truncation at 128), for the addon's classifiers.
const texts = [...ticketTexts(40), ...AWKWARD_TEXTS, 'short', 'a '.repeat(300)];
const batching = { tokenizerJson: readTinyTokenizerJson(), maxLength: 128, tokenBudget: 512, maxBatch: 8 };

const nodesOf = (m: ModelProto, opType: string) => m.graph!.node!.filter((n) => n.opType === opType);

t.test('the last layer of both classifiers runs on the first token only', async (t) => {
  for (const { name, bytes } of CLASSIFIERS) {
    const { model, pruned } = rewritten(bytes, 'ticket-processor', true);
    t.ok(pruned, `${name}: pruned`);
    if (!pruned) continue;
    const added = nodesOf(model, 'Slice').filter((n) => !nodesOf(decode(bytes), 'Slice').some((o) => o.name === n.name));
    t.equal(added.length, 1, `${name}: one Slice added`);
    const first = added[0]!.output![0]!;
    const attention = nodesOf(model, 'MaskedSelfAttention');
    const projection = pruned.queryProjection;
    t.equal(projection.input![0], first, `${name}: the query projection reads the first-token slice`);
    t.equal(attention.at(-1)!.input![0], projection.output![0], `${name}: ...and feeds the last attention node`);
    t.notOk(attention.slice(0, -1).some((a) => pruned.region.includes(a)), `${name}: earlier layers untouched`);
    const readers = model.graph!.node!.filter((n) => n.input!.includes(first)).map((n) => n.opType);
    t.same(readers.sort(), ['Add', 'MatMul'], `${name}: the slice feeds the query projection and the residual Add`);
    const regionOps = pruned.region.map((n) => n.opType);
    t.equal(regionOps.filter((o) => o === 'MatMul').length, 3, `${name}: output projection and both feed-forward products run on one row`);
    t.equal(regionOps.filter((o) => o === 'ReduceMean').length, 4, `${name}: both LayerNorms (2 ReduceMean each) run on one row`);
    // every input defined before use
    const available = new Set<string>(['', ...model.graph!.input!.map((i) => i.name!), ...model.graph!.initializer!.map((i) => i.name!)]);
    const late: string[] = [];
    for (const n of model.graph!.node!) {
      for (const i of n.input!) if (!available.has(i)) late.push(`${n.name}: ${i}`);
      for (const o of n.output!) available.add(o);
    }
    t.same(late, [], `${name}: nodes in topological order`);
  }
});

/** int64 feeds: ids from the vocabulary, row r padded after (seq - 3r) tokens. */
function feedsFor(bytes: Uint8Array, batch: number, seq: number, seed: number): Record<string, ort.Tensor> {
  const next = rng(seed);
  const ids = BigInt64Array.from({ length: batch * seq }, () => BigInt(1 + Math.floor(next() * 1000)));
  const mask = BigInt64Array.from({ length: batch * seq }, (_, i) => (i % seq < Math.max(1, seq - 3 * Math.floor(i / seq)) ? 1n : 0n));
  const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [batch, seq]), attention_mask: new ort.Tensor('int64', mask, [batch, seq]) };
  if (decode(bytes).graph!.input!.some((i) => i.name === 'token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(batch * seq), [batch, seq]);
  return feeds;
}

t.test('pruned graphs give the logits of the graphs as exported (onnxruntime-node, MultiHeadAttention)', async (t) => {
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1 };
  for (const { name, bytes } of CLASSIFIERS) {
    const { model, pruned } = rewritten(bytes, 'ort-contrib', true);
    t.ok(pruned, `${name}: pruned with the ort-contrib target too`);
    const asExported = await ort.InferenceSession.create(bytes, options);
    const prunedSession = await ort.InferenceSession.create(encode(model), options);
    for (const [batch, seq] of [[1, 1], [1, 9], [4, 17], [3, 64]] as const) {
      const feeds = feedsFor(bytes, batch, seq, batch * 100 + seq);
      const a = (await asExported.run(feeds)).logits!.data as Float32Array;
      const b = (await prunedSession.run(feeds)).logits!.data as Float32Array;
      t.equal(b.length, batch * 2, `${name} [${batch}, ${seq}]: logits [batch, 2]`);
      const diff = maxAbsDiff(a, b);
      t.ok(diff <= 1e-5, `${name} [${batch}, ${seq}]: logits differ by ${diff.toExponential(2)} (<= 1e-5)`);
    }
    await asExported.release();
    await prunedSession.release();
  }
});

t.test('the addon runs pruned classifiers with the logits of the unpruned ones, on every variant', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-prune-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const { name, bytes } of CLASSIFIERS) {
    const file = path.join(dir, 'model.onnx');
    writeFileSync(file, bytes);
    const fusedOnly = encode(rewritten(bytes, 'ticket-processor', false).model);
    const pruned = encode(rewritten(bytes, 'ticket-processor', true).model);
    for (const cpu of runnableVariants()) {
      const { addon } = loadAddon(cpu);
      await ensureRuntime(addon, 2);
      const full = await addon.loadClassifierModel({ modelPath: file, modelBytes: fusedOnly, ...batching });
      const firstToken = await addon.loadClassifierModel({ modelPath: file, modelBytes: pruned, ...batching });
      const diff = maxAbsDiff((await full.classify(texts)).logits, (await firstToken.classify(texts)).logits);
      t.ok(diff <= 1e-6, `${name}, ${cpu}: logits differ by ${diff.toExponential(2)} (<= 1e-6)`);
      const single = maxAbsDiff((await full.classify(['one ticket'])).logits, (await firstToken.classify(['one ticket'])).logits);
      t.ok(single <= 1e-6, `${name}, ${cpu}: a batch of one differs by ${single.toExponential(2)}`);
      full.close();
      firstToken.close();
    }
  }
});

interface NearMiss {
  name: string;
  bytes: () => Uint8Array;
  edit?: (m: ModelProto) => void;
  fuse?: boolean;
}

const distilbert = CLASSIFIERS[0].bytes;
const encoderOutput = (m: ModelProto) => nodesOf(m, 'Gather').find((n) => n.input![0]!.includes('output_layer_norm'))!;
const lastNodeNamed = (m: ModelProto, fragment: string, opType: string): NodeProto => m.graph!.node!.filter((n) => n.opType === opType && n.name!.includes(fragment)).at(-1)!;

const NEAR_MISSES: NearMiss[] = [
  { name: 'an embedding model (last_hidden_state is the output)', bytes: () => buildBertOnnx({ ...TINY_BERT_SPEC, numHiddenLayers: 2 }) },
  { name: 'attention not fused', bytes: () => distilbert, fuse: false },
  {
    name: 'the encoder output is also a graph output',
    bytes: () => distilbert,
    edit: (m) => void m.graph!.output!.push(valueInfo(encoderOutput(m).input![0]!, DataType.FLOAT, ['batch_size', 'sequence_length', TINY_DISTILBERT_SST2.dim])),
  },
  {
    name: 'the head reads token 1',
    bytes: () => distilbert,
    edit: (m) => {
      const gather = encoderOutput(m);
      m.graph!.initializer!.push(tensor('token_one', [], new BigInt64Array([1n])));
      gather.input![1] = 'token_one';
    },
  },
  {
    name: 'the head gathers along axis 0',
    bytes: () => distilbert,
    edit: (m) => void (encoderOutput(m).attribute = [{ name: 'axis', type: AT.INT, i: 0 }]),
  },
  {
    name: 'a value inside the last layer is also read elsewhere (a graph output)',
    bytes: () => distilbert,
    edit: (m) => void m.graph!.output!.push(valueInfo(lastNodeNamed(m, 'ffn/lin1', 'MatMul').output![0]!, DataType.FLOAT, ['batch_size', 'sequence_length', TINY_DISTILBERT_SST2.hiddenDim])),
  },
  {
    name: 'a LayerNorm mean over the sequence axis',
    bytes: () => distilbert,
    edit: (m) => void (lastNodeNamed(m, 'output_layer_norm', 'ReduceMean').attribute = [{ name: 'axes', type: AT.INTS, ints: [1] }]),
  },
  {
    name: 'a LayerNorm bias that broadcasts along the sequence',
    bytes: () => distilbert,
    edit: (m) => {
      const add = lastNodeNamed(m, 'output_layer_norm', 'Add');
      const dim = TINY_DISTILBERT_SST2.dim;
      m.graph!.initializer!.push(tensor('bias_per_position', [1, 4, dim], new Float32Array(4 * dim)));
      add.input![1] = 'bias_per_position';
    },
  },
];

t.test('near misses are left as they are', async (t) => {
  for (const miss of NEAR_MISSES) {
    const model = decode(miss.bytes());
    miss.edit?.(model);
    if (miss.fuse !== false) fuseAttentionBlocks(model);
    const before = encode(model);
    t.equal(pruneLastLayer(model), undefined, `${miss.name}: not pruned`);
    t.same(encode(model), before, `${miss.name}: graph unchanged`);
  }
});

t.test('encoderGraph prunes classifiers by default, with the attention fusion, on every variant; TICKET_PROCESSOR_PRUNE_LAST_LAYER=0 turns it off', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-prune-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  withEnv(t, { TICKET_PROCESSOR_PRUNE_LAST_LAYER: undefined });
  const classifier = path.join(dir, 'classifier.onnx');
  const embedding = path.join(dir, 'embedding.onnx');
  writeFileSync(classifier, distilbert);
  writeFileSync(embedding, buildBertOnnx({ ...TINY_BERT_SPEC, numHiddenLayers: 2 }));
  t.equal((await encoderGraph(classifier, 'avx512')).prunedLastLayer, true, 'classifier, avx512: pruned');
  t.equal((await encoderGraph(classifier, 'avx2')).prunedLastLayer, true, 'classifier, avx2: pruned');
  const generic = await encoderGraph(classifier, 'generic');
  t.equal(generic.prunedLastLayer, true, 'classifier, generic: pruned too...');
  const genericOps = decode(generic.modelBytes!).graph!.node!.map((n) => `${n.domain ?? ''}:${n.opType}`);
  t.ok(genericOps.includes('com.microsoft:MultiHeadAttention') && !genericOps.some((o) => o.startsWith('ai.ticket_processor')), '...on ONNX Runtime\'s MultiHeadAttention, not the addon\'s ops');
  if (runnableVariants().includes('generic')) {
    const { addon } = loadAddon('generic');
    await ensureRuntime(addon, 2);
    const asExported = await addon.loadClassifierModel({ modelPath: classifier, ...batching });
    const rewritten = await addon.loadClassifierModel({ modelPath: classifier, modelBytes: generic.modelBytes!, ...batching });
    const diff = maxAbsDiff((await asExported.classify(texts)).logits, (await rewritten.classify(texts)).logits);
    t.ok(diff <= 1e-5, `generic variant: logits of the rewritten graph differ from the export's by ${diff.toExponential(2)} (<= 1e-5)`);
    asExported.close();
    rewritten.close();
  }
  const embeddingGraph = await encoderGraph(embedding, 'avx512');
  t.equal(embeddingGraph.prunedLastLayer, false, 'embedding model: every token is pooled, nothing pruned');
  t.equal(embeddingGraph.fusedAttention, 2, '...while its attention is still fused');
  process.env.TICKET_PROCESSOR_PRUNE_LAST_LAYER = '0';
  const off = await encoderGraph(classifier, 'avx512');
  t.equal(off.prunedLastLayer, false, 'TICKET_PROCESSOR_PRUNE_LAST_LAYER=0: not pruned');
  t.equal(off.fusedAttention, 2, '...attention still fused');
});
