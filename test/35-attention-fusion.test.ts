// fuseAttention: the self-attention blocks of the BERT and DistilBERT exports (fp32 and q8) become
// one node each, ai.ticket_processor MaskedSelfAttention or com.microsoft MultiHeadAttention; the
// MultiHeadAttention rewrite gives the original outputs on padded batches (onnxruntime-node, no
// graph optimizations on either side, so the original graph is evaluated as written); blocks
// that differ from the exports in any way are left alone; bad bytes are MODEL_INVALID; external
// data and unknown protobuf fields leave the model as it is.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import t, { type Test } from 'tap';

import { TicketProcessorError } from '../src/errors.js';
import { type AttentionFusionTarget, fuseAttention, TP_ATTENTION_DOMAIN, TP_ATTENTION_OP } from '../src/models/attention-fusion/index.js';
import { checkLeftAsIs } from './fixtures/models-left-as-is.js';
import { rng, TINY_BART, TINY_BERT, TINY_SST2 } from './helpers.js';

const { onnx } = onnxProto;
type ModelProto = OnnxTypes.ModelProto;
type NodeProto = OnnxTypes.INodeProto;

interface Fixture {
  name: string;
  file: string;
  layers: number;
  heads: number;
  headDim: number;
  output: 'last_hidden_state' | 'logits';
  tokenTypes: boolean;
}

const BERT: Fixture = { name: 'tiny-bert', file: path.join(TINY_BERT, 'onnx', 'model.onnx'), layers: 2, heads: 4, headDim: 8, output: 'last_hidden_state', tokenTypes: true };
const DISTILBERT: Fixture = { name: 'tiny-distilbert-sst2', file: path.join(TINY_SST2, 'onnx', 'model.onnx'), layers: 2, heads: 4, headDim: 8, output: 'logits', tokenTypes: false };
const q8 = (f: Fixture): Fixture => ({ ...f, name: `${f.name} q8`, file: f.file.replace(/model\.onnx$/, 'model_quantized.onnx') });
const TARGETS: AttentionFusionTarget[] = ['ticket-processor', 'ort-contrib'];
const VOCAB = 30522;
const TOLERANCE = 1e-5;

const decode = (bytes: Uint8Array): ModelProto => onnx.ModelProto.decode(bytes);
const encode = (model: ModelProto): Uint8Array => onnx.ModelProto.encode(model).finish();
const num = (v: unknown): number => (typeof v === 'object' && v !== null ? Number(String(v)) : Number(v));
const attrOf = (n: NodeProto, name: string) => n.attribute?.find((a) => a.name === name);
const nodesOf = (m: ModelProto, opType: string, domain = ''): NodeProto[] => m.graph!.node!.filter((n) => n.opType === opType && (n.domain ?? '') === domain);

function floats(tensor: OnnxTypes.ITensorProto): number[] {
  const raw = tensor.rawData!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** Every node input is a graph input, an initializer or an earlier node's output; every initializer is read. */
function checkWellFormed(t: Test, m: ModelProto): void {
  const g = m.graph!;
  const available = new Set<string>(['', ...g.input!.map((i) => i.name!), ...g.initializer!.map((i) => i.name!)]);
  const late: string[] = [];
  for (const n of g.node!) {
    for (const i of n.input!) if (!available.has(i)) late.push(`${n.name}: ${i}`);
    for (const o of n.output!) available.add(o);
  }
  t.same(late, [], 'nodes in topological order, every input defined');
  const read = new Set(g.node!.flatMap((n) => n.input!));
  t.same(g.initializer!.filter((i) => !read.has(i.name!)).map((i) => i.name), [], 'no unused initializer');
}

/** Decodes, mutates and re-encodes a model. */
function mutated(bytes: Uint8Array, edit: (m: ModelProto) => void): Uint8Array {
  const m = decode(bytes);
  edit(m);
  return encode(m);
}

interface Batch {
  lengths: number[];
  seq: number;
  feeds: Record<string, ort.Tensor>;
}

/** Rows of the given lengths, right-padded with id 0 and mask 0 to the longest; [CLS]-like id first. */
function makeBatch(f: Fixture, lengths: number[], seed: number): Batch {
  const next = rng(seed);
  const seq = Math.max(...lengths);
  const b = lengths.length;
  const ids = new BigInt64Array(b * seq);
  const mask = new BigInt64Array(b * seq);
  lengths.forEach((len, row) => {
    for (let s = 0; s < len; s++) {
      ids[row * seq + s] = s === 0 ? 101n : BigInt(1000 + Math.floor(next() * (VOCAB - 1000)));
      mask[row * seq + s] = 1n;
    }
  });
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [b, seq]),
    attention_mask: new ort.Tensor('int64', mask, [b, seq]),
  };
  if (f.tokenTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(b * seq), [b, seq]);
  return { lengths, seq, feeds };
}

/** One row of a batch, alone and unpadded. */
function rowAlone(f: Fixture, batch: Batch, row: number): Record<string, ort.Tensor> {
  const len = batch.lengths[row]!;
  const slice = (name: string) => {
    const data = batch.feeds[name]!.data as BigInt64Array;
    return new ort.Tensor('int64', data.slice(row * batch.seq, row * batch.seq + len), [1, len]);
  };
  const feeds: Record<string, ort.Tensor> = { input_ids: slice('input_ids'), attention_mask: slice('attention_mask') };
  if (f.tokenTypes) feeds.token_type_ids = slice('token_type_ids');
  return feeds;
}

/** Max |a - b| over the non-padded positions of `row` (BERT: [row, s < len, :]; DistilBERT: the row's logits). */
function rowDiff(f: Fixture, a: Float32Array, aSeq: number, aRow: number, b: Float32Array, bSeq: number, bRow: number, len: number, width: number): number {
  let max = 0;
  const positions = f.output === 'logits' ? 1 : len;
  const aSeqEff = f.output === 'logits' ? 1 : aSeq;
  const bSeqEff = f.output === 'logits' ? 1 : bSeq;
  for (let s = 0; s < positions; s++) {
    for (let d = 0; d < width; d++) {
      const x = a[(aRow * aSeqEff + s) * width + d]!;
      const y = b[(bRow * bSeqEff + s) * width + d]!;
      max = Math.max(max, Math.abs(x - y));
    }
  }
  return max;
}

// The original graph is evaluated as written (no ORT fusions, which would replace its attention
// with ORT's own kernels); one thread, so the reductions run in one order.
const SESSION: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1 };

/**
 * The ort-contrib rewrite against the original, on padded batches; and (fp32) each row alone
 * against its padded self. Not for q8: DynamicQuantizeLinear picks one scale for the whole
 * batch, so a row's output depends on the other rows in the original model too.
 */
async function checkSameOutputs(t: Test, f: Fixture, original: Uint8Array, fusedModel: Uint8Array): Promise<void> {
  const quantized = f.file.endsWith('_quantized.onnx');
  // The first fused block's context [B, S, H] is compared too: in a q8 model the next
  // DynamicQuantizeLinear can turn a last-bit difference into one quantization step downstream
  // (ORT's own fusions move the full-size q8 MiniLM's output by ~0.03), so the block's own output
  // is the robust check there. It keeps its name through the rewrite.
  const context = nodesOf(decode(fusedModel), 'MultiHeadAttention', 'com.microsoft')[0]!.output![0]!;
  const exposing = (bytes: Uint8Array) =>
    mutated(bytes, (m) => m.graph!.output!.push({ name: context, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }));
  const a = await ort.InferenceSession.create(exposing(original), SESSION);
  const b = await ort.InferenceSession.create(exposing(fusedModel), SESSION);
  t.teardown(async () => {
    await a.release();
    await b.release();
  });
  const batches = [makeBatch(f, [7, 3, 12, 1, 9, 12], 1), makeBatch(f, [20, 5, 16, 2], 2), makeBatch(f, [6], 3)];
  let worst = 0;
  let worstAll = 0;
  let worstAlone = 0;
  let worstContext = 0;
  for (const batch of batches) {
    const ra = await a.run(batch.feeds);
    const rb = await b.run(batch.feeds);
    const ya = ra[f.output]!;
    const yb = rb[f.output]!;
    const ca = ra[context]!;
    const hidden = ca.dims[2]!;
    for (let row = 0; row < batch.lengths.length; row++) {
      const contextDiff = rowDiff({ ...f, output: 'last_hidden_state' }, ca.data as Float32Array, batch.seq, row, rb[context]!.data as Float32Array, batch.seq, row, batch.lengths[row]!, hidden);
      worstContext = Math.max(worstContext, contextDiff);
    }
    t.same(yb.dims, ya.dims, `${f.name}: same output dims`);
    const da = ya.data as Float32Array;
    const db = yb.data as Float32Array;
    const width = ya.dims[ya.dims.length - 1]!;
    for (let row = 0; row < batch.lengths.length; row++) {
      worst = Math.max(worst, rowDiff(f, da, batch.seq, row, db, batch.seq, row, batch.lengths[row]!, width));
      worstAll = Math.max(worstAll, rowDiff(f, da, batch.seq, row, db, batch.seq, row, batch.seq, width));
      // The padded keys weigh nothing: the row alone gives what it gave in the padded batch.
      if (quantized) continue;
      const alone = (await b.run(rowAlone(f, batch, row)))[f.output]!.data as Float32Array;
      worstAlone = Math.max(worstAlone, rowDiff(f, db, batch.seq, row, alone, batch.lengths[row]!, 0, batch.lengths[row]!, width));
    }
  }
  t.ok(worstContext <= TOLERANCE, `${f.name}: first fused block's context ${context} max abs diff ${worstContext}`);
  t.ok(worst <= TOLERANCE, `${f.name}: ${f.output} max abs diff ${worst} over non-padded positions (<= ${TOLERANCE})`);
  t.ok(Number.isFinite(worstAll) && worstAll <= TOLERANCE, `${f.name}: padded query rows are computed too (max abs diff ${worstAll})`);
  if (!quantized) t.ok(worstAlone <= TOLERANCE, `${f.name}: a row alone equals the same row padded in a batch (max abs diff ${worstAlone})`);

  // Control: the same rewrite without its mask input gives visibly different outputs, so the
  // comparison above would have seen a masking error (q8 diffs are often exactly 0 because the
  // next DynamicQuantizeLinear rounds tiny differences away).
  const unmasked = decode(fusedModel);
  for (const n of nodesOf(unmasked, 'MultiHeadAttention', 'com.microsoft')) n.input![4] = '';
  const c = await ort.InferenceSession.create(encode(unmasked), SESSION);
  t.teardown(() => c.release());
  const batch = batches[0]!;
  const ya = (await a.run(batch.feeds))[f.output]!;
  const yc = (await c.run(batch.feeds))[f.output]!;
  const width = ya.dims[ya.dims.length - 1]!;
  let control = 0;
  for (let row = 0; row < batch.lengths.length; row++) {
    control = Math.max(control, rowDiff(f, ya.data as Float32Array, batch.seq, row, yc.data as Float32Array, batch.seq, row, batch.lengths[row]!, width));
  }
  t.ok(control > 1000 * TOLERANCE, `${f.name}: control without the mask differs by ${control}`);
}

const bytesOf = (f: Fixture) => new Uint8Array(readFileSync(f.file));

t.test('tiny BERT and DistilBERT: one node per layer, for both targets', async (t) => {
  for (const f of [BERT, DISTILBERT]) {
    const bytes = bytesOf(f);
    const original = decode(bytes);
    const originalProducers = new Map(original.graph!.node!.flatMap((n) => n.output!.map((o) => [o, n] as const)));
    const originalInits = new Map(original.graph!.initializer!.map((i) => [i.name!, i]));
    for (const target of TARGETS) {
      const { model, fused, skipped } = fuseAttention(bytes, target);
      t.equal(fused, f.layers, `${f.name} ${target}: fused = number of layers`);
      t.equal(skipped, undefined);
      t.not(model, bytes, 'new bytes');
      const m = decode(model);
      const g = m.graph!;
      const [opType, domain] = target === 'ticket-processor' ? [TP_ATTENTION_OP, TP_ATTENTION_DOMAIN] : ['MultiHeadAttention', 'com.microsoft'];
      const attention = nodesOf(m, opType, domain);
      t.equal(attention.length, f.layers, `${f.name} ${target}: ${f.layers} ${domain} ${opType} nodes`);
      t.equal(g.node!.filter((n) => n.domain === domain).length, f.layers, 'and no other node of that domain');
      t.same(
        m.opsetImport!.filter((o) => o.domain === domain).map((o) => num(o.version)),
        [1],
        `opset import ${domain} version 1`,
      );
      for (const op of ['Softmax', 'Transpose', 'Reshape', 'Concat', 'Where', 'Equal', 'Expand']) t.equal(nodesOf(m, op).length, 0, `no ${op} left`);
      const inits = new Map(g.initializer!.map((i) => [i.name!, i]));
      const producers = new Map(g.node!.flatMap((n) => n.output!.map((o) => [o, n] as const)));

      let maskInput: string | undefined;
      if (target === 'ort-contrib') {
        const casts = nodesOf(m, 'Cast').filter((n) => n.input![0] === 'attention_mask');
        t.equal(casts.length, 1, 'one Cast of attention_mask for all layers');
        t.equal(num(attrOf(casts[0]!, 'to')?.i), 6, 'to int32');
        maskInput = casts[0]!.output![0];
      } else {
        maskInput = 'attention_mask';
      }
      for (const n of attention) {
        t.equal(num(attrOf(n, 'num_heads')?.i), f.heads, 'num_heads');
        const scale = attrOf(n, 'scale')?.f ?? NaN;
        t.ok(Math.abs(scale - 1 / Math.sqrt(f.headDim)) < 1e-7, `scale ${scale} = 1/sqrt(${f.headDim}) as the graph divides`);
        t.equal(n.input!.length, 5);
        const [q, k, v, bias, mask] = n.input as [string, string, string, string, string];
        t.equal(mask, maskInput, 'the mask is the attention_mask graph input (its int32 Cast for MultiHeadAttention)');
        // q/k/v: the projection MatMuls' outputs, the same tensors the original graph computed.
        const expectedBias: number[] = [];
        for (const x of [q, k, v]) {
          const p = producers.get(x);
          t.equal(p?.opType, 'MatMul', `${x} is a projection MatMul's output`);
          t.ok(inits.has(p!.input![1]!), 'whose weight is an initializer');
          const add = original.graph!.node!.find((o) => o.opType === 'Add' && o.input!.includes(x))!;
          expectedBias.push(...floats(originalInits.get(add.input!.find((i) => i !== x)!)!));
        }
        const b = inits.get(bias);
        t.same(b?.dims?.map(num), [3 * f.heads * f.headDim], 'bias [3H]');
        t.same(floats(b!), expectedBias, 'bias = concat(bq, bk, bv)');
        // The output keeps the name of the block's final Reshape, so downstream is untouched.
        t.equal(originalProducers.get(n.output![0]!)?.opType, 'Reshape', 'output: the original merged-heads Reshape output');
        t.ok(g.node!.some((c) => c.opType === 'MatMul' && c.input![0] === n.output![0]), 'read by the output projection as before');
      }
      checkWellFormed(t, m);
      t.ok(g.node!.length < original.graph!.node!.length - 30 * f.layers, `${original.graph!.node!.length} -> ${g.node!.length} nodes`);
    }
  }
});

t.test('the MultiHeadAttention rewrite gives the original outputs on padded batches (fp32 and q8)', async (t) => {
  for (const f of [BERT, DISTILBERT, q8(BERT), q8(DISTILBERT)]) {
    await t.test(f.name, async (t) => {
      const bytes = bytesOf(f);
      const { model, fused } = fuseAttention(bytes, 'ort-contrib');
      // q8: the projections end in a float [B, S, H] Mul (the dequantization) before the bias
      // Add, so the blocks fuse and the MatMulInteger projections stay.
      t.equal(fused, f.layers, `${f.name}: fused ${fused}`);
      if (f.name.endsWith('q8')) t.ok(nodesOf(decode(model), 'MatMulInteger').length > 0, 'int8 projections kept');
      checkWellFormed(t, decode(model));
      await checkSameOutputs(t, f, bytes, model);
    });
  }
});

const constantValue = (m: ModelProto, name: string) =>
  m.graph!.node!.find((n) => n.opType === 'Constant' && n.output![0] === name)!.attribute![0]!.t!;

t.test('accepted variants: bias on the right of the Add, Mul by 1/sqrt(d) instead of Div', async (t) => {
  const variant = mutated(bytesOf(BERT), (m) => {
    for (const n of m.graph!.node!) {
      if (n.opType === 'Add' && /attention\/self\/(query|key|value)\/Add$/.test(n.name!)) n.input!.reverse();
      if (n.opType === 'Div' && /attention\/self\/Div$/.test(n.name!)) {
        n.opType = 'Mul';
        const c = constantValue(m, n.input![1]!);
        c.rawData = new Uint8Array(new Float32Array([1 / Math.sqrt(BERT.headDim)]).buffer);
      }
    }
  });
  const { model, fused } = fuseAttention(variant, 'ort-contrib');
  t.equal(fused, 2);
  for (const n of nodesOf(decode(model), 'MultiHeadAttention', 'com.microsoft')) {
    t.equal(attrOf(n, 'scale')?.f, Math.fround(1 / Math.sqrt(BERT.headDim)), 'scale read from the Mul constant');
  }
  await checkSameOutputs(t, BERT, variant, model);
});

t.test('blocks that differ from the exports are left alone', async (t) => {
  const bart = new Uint8Array(readFileSync(path.join(TINY_BART, 'onnx', 'encoder_model.onnx')));
  const r = fuseAttention(bart);
  t.equal(r.fused, 0, 'BART encoder (3-D bmm attention): nothing fused');
  t.equal(r.model, bart, 'the same bytes');
  t.equal(r.skipped, undefined, 'not "skipped": there was just nothing to fuse');
  for (const target of TARGETS) {
    const once = fuseAttention(bytesOf(BERT), target).model;
    const twice = fuseAttention(once, target);
    t.equal(twice.fused, 0, `${target}: a fused model has nothing left to fuse`);
    t.equal(twice.model, once, 'the same bytes');
  }

  const cases: { what: string; fixture: Fixture; edit: (m: ModelProto) => void; fused: number }[] = [
    {
      what: 'Softmax over axis 2',
      fixture: BERT,
      edit: (m) => nodesOf(m, 'Softmax').forEach((n) => (attrOf(n, 'axis')!.i = 2)),
      fused: 0,
    },
    {
      what: 'BERT mask (2 - mask) * MIN: not the export formula',
      fixture: BERT,
      edit: (m) => {
        const sub = nodesOf(m, 'Sub').find((n) => n.name === '/Sub')!;
        constantValue(m, sub.input![0]!).rawData = new Uint8Array(new Float32Array([2]).buffer);
      },
      fused: 0,
    },
    {
      what: 'BERT mask from a float graph input',
      fixture: BERT,
      edit: (m) => (m.graph!.input!.find((i) => i.name === 'attention_mask')!.type!.tensorType!.elemType = 1),
      fused: 0,
    },
    {
      what: 'DistilBERT masked_fill with -100: not "masked out"',
      fixture: DISTILBERT,
      edit: (m) => {
        for (const w of nodesOf(m, 'Where')) constantValue(m, w.input![1]!).rawData = new Uint8Array(new Float32Array([-100]).buffer);
      },
      fused: 0,
    },
    {
      what: 'DistilBERT q split into 2 heads of 16 while k and v use 4 of 8',
      fixture: DISTILBERT,
      edit: (m) => {
        const reshape = m.graph!.node!.find((n) => n.opType === 'Reshape' && /layer\.0\/attention\/Reshape$/.test(n.name!))!;
        const concat = m.graph!.node!.find((n) => n.output![0] === reshape.input![1])!;
        constantValue(m, concat.input![2]!).rawData = new Uint8Array(new BigInt64Array([2n]).buffer);
        constantValue(m, concat.input![3]!).rawData = new Uint8Array(new BigInt64Array([16n]).buffer);
      },
      fused: 1,
    },
  ];
  for (const c of cases) {
    const bytes = mutated(bytesOf(c.fixture), c.edit);
    const result = fuseAttention(bytes, 'ort-contrib');
    t.equal(result.fused, c.fused, `${c.what}: fused ${c.fused}`);
    if (c.fused === 0) t.equal(result.model, bytes, `${c.what}: the same bytes`);
  }

  // One layer off the pattern (an Identity between the scores and their scale: same function,
  // different graph): that layer stays, the other is fused, and the outputs still agree.
  const oneOff = mutated(bytesOf(BERT), (m) => {
    const nodes = m.graph!.node!;
    const div = nodes.find((n) => n.opType === 'Div' && n.name === '/encoder/layer.0/attention/self/Div')!;
    nodes.splice(nodes.indexOf(div), 0, { name: 'identity', opType: 'Identity', input: [div.input![0]!], output: ['scores_identity'] });
    div.input![0] = 'scores_identity';
  });
  const partial = fuseAttention(oneOff, 'ort-contrib');
  t.equal(partial.fused, 1, 'one of two layers fused');
  const pm = decode(partial.model);
  t.equal(nodesOf(pm, 'Softmax').length, 1, "the unmatched layer's Softmax is still there");
  t.ok(nodesOf(pm, 'Mul').some((n) => n.name === '/Mul'), 'and so is the additive mask it still reads');
  checkWellFormed(t, pm);
  await checkSameOutputs(t, BERT, oneOff, partial.model);
});

t.test('bad bytes are MODEL_INVALID; external data and unknown fields leave the model as it is', async (t) => {
  const next = rng(35);
  const garbage = Uint8Array.from({ length: 4096 }, () => Math.floor(next() * 256));
  const truncated = bytesOf(BERT).subarray(0, 100_000);
  for (const [what, bytes] of [
    ['random bytes', garbage],
    ['a truncated model', truncated],
    ['no bytes', new Uint8Array(0)],
  ] as const) {
    t.throws(() => fuseAttention(bytes), { name: 'TicketProcessorError', code: 'MODEL_INVALID', message: /probably truncated or corrupt/ }, what);
  }
  t.throws(() => fuseAttention(bytesOf(BERT), 'onnxruntime' as AttentionFusionTarget), { code: 'INPUT_INVALID' }, 'unknown target');
  try {
    fuseAttention(garbage);
  } catch (e) {
    t.ok(e instanceof TicketProcessorError, 'a TicketProcessorError');
  }

  checkLeftAsIs(t, fuseAttention, bytesOf(BERT));
});
