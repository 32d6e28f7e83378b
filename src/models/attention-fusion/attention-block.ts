// The part of a BERT-family self-attention block that BERT and DistilBERT exports share: from
// the Q/K/V projections to the merged-heads context. The two patterns differ only in the mask
// (bert-attention.ts, distilbert-attention.ts) and in where the 1/sqrt(head_dim) scale sits,
// which is accepted in both places here.
//
// What torch.onnx writes for transformers' eager attention (opset 11, see
// test/fixtures/bert-onnx.ts and distilbert-onnx.ts):
//
//   q = Add(bq, MatMul(x, Wq))   (also k, v; bias first, either order accepted)
//   qh = Transpose(Reshape(q, [B, S, heads, d]), perm 0,2,1,3)        [B, heads, S, d]
//   kT = Transpose(Reshape(k, [B, S, heads, d]), perm 0,2,3,1)        [B, heads, d, S]
//   vh = Transpose(Reshape(v, [B, S, heads, d]), perm 0,2,1,3)        [B, heads, S, d]
//   scores = MatMul(qh, kT) then Div(., sqrt(d))     (BERT)
//          = MatMul(Div(qh, sqrt(d)), kT)            (DistilBERT)
//   probs = Softmax(mask(scores), axis 3)
//   context = Reshape(Transpose(MatMul(probs, vh), perm 0,2,1,3), [B, S, H])
//
// which is exactly softmax_j(scale * (q_i + bq) . (k_j + bk)) (v_j + bv) per batch and head,
// with the heads laid out as consecutive head_dim slices of H: the layout of both ONNX Runtime's
// MultiHeadAttention and the addon's MaskedSelfAttention, whose inputs are the projections
// before the bias Add and the three biases concatenated. Both scale placements are the same
// product up to float rounding (one multiply per score instead of per q element).
//
// The replacement passes the very tensors the graph computed for x.Wq, x.Wk, x.Wv, so only their
// shapes matter: [B, S, H] is proved from the weight initializer's last dimension (H), the bias
// [H], and Reshape targets whose batch and sequence entries are traced sizes of tensors known to
// have dims [B, S, ...] (or 0 / -1, which resolve to the same). Anything else is not matched.

import {
  attrInt,
  attrInts,
  DataType,
  type GraphView,
  isOnnxOp,
  type NodeProto,
  sameInts,
  type TensorProto,
} from './graph-view.js';
import { isLeadingDim, isValue, reshapeTarget, type ShapeElement } from './reshape-target.js';

/** One matched attention block, ready to be replaced by a single node. */
export interface AttentionBlock {
  pattern: 'bert' | 'distilbert';
  /** x.Wq, x.Wk, x.Wv: float [B, S, H], before the bias Add. */
  query: string;
  key: string;
  value: string;
  /** bq, bk, bv: float [H] constants. */
  biases: [TensorProto, TensorProto, TensorProto];
  /** The int64 [B, S] graph input the mask path starts from (1 = attend, 0 = padding). */
  mask: string;
  numHeads: number;
  headSize: number;
  /** Multiplier of q.k, as the graph applies it. */
  scale: number;
  /** The merged-heads context tensor [B, S, H]; the replacement node produces this name. */
  output: string;
  /** The final Reshape, which the replacement node takes the place of. */
  merge: NodeProto;
}

export interface AttentionCore {
  block: Omit<AttentionBlock, 'pattern' | 'mask'>;
  /** Tensors whose dims 0 and 1 are the block's B and S (for checking the mask's own Reshape). */
  leadingDims: ReadonlySet<string>;
}

const PERM_HEADS = [0, 2, 1, 3];
const PERM_HEADS_TRANSPOSED = [0, 2, 3, 1];

/**
 * Matches the block around `softmax`, given the tensor the mask was applied to (`scores`:
 * the scaled or unscaled q.k product). Undefined unless every piece matches.
 */
export function matchAttentionCore(g: GraphView, softmax: NodeProto, scores: string): AttentionCore | undefined {
  // softmax(dim=-1) of a rank-4 tensor: opset < 13 writes axis 3 (rank - 1); its 2-D coercion
  // at that axis is the same last-axis softmax. Opset >= 13 defaults to -1.
  const axis = attrInt(softmax, 'axis') ?? (g.opset >= 13 ? -1 : 1);
  if (axis !== 3 && axis !== -1) return undefined;
  const probs = softmax.output?.[0];
  if (!probs || softmax.input?.length !== 1) return undefined;

  // Scale: on the scores (BERT) or on q before the product (DistilBERT); exactly one of the two.
  let scale: number | undefined;
  let product = g.producer.get(scores);
  const scoresScale = scaleOf(g, product);
  if (scoresScale) {
    scale = scoresScale.scale;
    product = g.producer.get(scoresScale.input);
  }
  if (!isOnnxOp(product, 'MatMul') || product.input?.length !== 2) return undefined;
  let qSide = g.producer.get(product.input[0]!);
  const qScale = scaleOf(g, qSide);
  if (qScale) {
    if (scale !== undefined) return undefined;
    scale = qScale.scale;
    qSide = g.producer.get(qScale.input);
  }
  if (scale === undefined) return undefined;

  const qh = splitHeads(g, qSide, PERM_HEADS);
  const kh = splitHeads(g, g.producer.get(product.input[1]!), PERM_HEADS_TRANSPOSED);
  if (!qh || !kh) return undefined;

  // probs . vh, then the heads merged back.
  const contextNode = only(g.consumersOf(probs).filter((n) => isOnnxOp(n, 'MatMul') && n.input?.length === 2 && n.input[0] === probs));
  if (!contextNode) return undefined;
  const vh = splitHeads(g, g.producer.get(contextNode.input![1]!), PERM_HEADS);
  if (!vh) return undefined;
  const context = contextNode.output?.[0];
  if (!context) return undefined;
  const contextT = only(g.consumersOf(context).filter((n) => isOnnxOp(n, 'Transpose') && sameInts(attrInts(n, 'perm'), PERM_HEADS)));
  const merged = contextT?.output?.[0];
  if (!merged) return undefined;
  const merge = only(g.consumersOf(merged).filter((n) => isOnnxOp(n, 'Reshape') && n.input?.[0] === merged));
  const output = merge?.output?.[0];
  if (!merge || !output || attrInt(merge, 'allowzero') === 1) return undefined;
  const mergeTarget = reshapeTarget(g, merge.input?.[1]);

  const numHeads = qh.numHeads;
  const headSize = qh.headSize;
  for (const h of [kh, vh]) if (h.numHeads !== numHeads || h.headSize !== headSize) return undefined;
  const hidden = numHeads * headSize;
  if (!mergeTarget || mergeTarget.length !== 3 || !isValue(mergeTarget[2], hidden)) return undefined;

  const q = projection(g, qh.input, hidden);
  const k = projection(g, kh.input, hidden);
  const v = projection(g, vh.input, hidden);
  if (!q || !k || !v) return undefined;
  // Self-attention: one hidden state x feeds the three projections, so S_q = S_k. The mask input
  // is [B, S] in every valid call; a [B, 1] mask, which the original graph would broadcast, is
  // rejected by MultiHeadAttention's shape check (and must be by MaskedSelfAttention's) rather
  // than misread.
  if (k.source !== q.source || v.source !== q.source) return undefined;

  const leadingDims = new Set([q.source, q.output, k.output, v.output, qh.input, kh.input, vh.input, merged]);
  // [B, S, heads, head_dim] from [B, S, H] and back: batch entry 0 or size(t, 0), sequence entry
  // 0, -1 or size(t, 1) (with the other entries fixed, -1 resolves to S).
  const batchAndSeq = (t: ShapeElement[]) =>
    isLeadingDim(t[0], 0, leadingDims, true) && (isLeadingDim(t[1], 1, leadingDims, true) || isValue(t[1], -1));
  if (![qh.target, kh.target, vh.target, mergeTarget].every(batchAndSeq)) return undefined;

  return {
    block: { query: q.output, key: k.output, value: v.output, biases: [q.bias, k.bias, v.bias], numHeads, headSize, scale, output, merge },
    leadingDims,
  };
}

/** Div(x, c) or Mul(x, c) / Mul(c, x) with c a positive float scalar: x scaled by 1/c or c. */
function scaleOf(g: GraphView, node: NodeProto | undefined): { input: string; scale: number } | undefined {
  if (!node || node.input?.length !== 2) return undefined;
  const [a, b] = node.input as [string, string];
  const scalar = (name: string) => {
    // rank <= 4: broadcasting a one-element tensor against the rank-4 scores or q keeps the shape.
    const c = g.constantScalar(name, DataType.FLOAT, 4);
    return c !== undefined && Number.isFinite(c) && c > 0 ? c : undefined;
  };
  if (isOnnxOp(node, 'Div')) {
    const c = scalar(b);
    return c === undefined ? undefined : { input: a, scale: Math.fround(1 / c) };
  }
  if (isOnnxOp(node, 'Mul')) {
    const cb = scalar(b);
    if (cb !== undefined) return { input: a, scale: Math.fround(cb) };
    const ca = scalar(a);
    if (ca !== undefined) return { input: b, scale: Math.fround(ca) };
  }
  return undefined;
}

interface Heads {
  /** The Reshape's input: the projection plus bias, [B, S, H]. */
  input: string;
  numHeads: number;
  headSize: number;
  target: ShapeElement[];
}

/** Transpose(perm)(Reshape(x, [b, s, heads, head_dim])). */
function splitHeads(g: GraphView, transpose: NodeProto | undefined, perm: number[]): Heads | undefined {
  if (!isOnnxOp(transpose, 'Transpose') || !sameInts(attrInts(transpose, 'perm'), perm)) return undefined;
  const reshape = g.producer.get(transpose.input?.[0] ?? '');
  if (!isOnnxOp(reshape, 'Reshape') || attrInt(reshape, 'allowzero') === 1) return undefined;
  const target = reshapeTarget(g, reshape.input?.[1]);
  if (!target || target.length !== 4) return undefined;
  const [, , heads, size] = target;
  if (heads?.kind !== 'value' || size?.kind !== 'value' || heads.value <= 0 || size.value <= 0) return undefined;
  return { input: reshape.input![0]!, numHeads: heads.value, headSize: size.value, target };
}

interface Projection {
  /** x.W, before the bias. */
  output: string;
  bias: TensorProto;
  /** x: the hidden state the projection reads. */
  source: string;
}

/**
 * Add(b, p) or Add(p, b) with b a float [H] constant and p = x.W, float [..., H]: a MatMul with
 * a [H_in, H] weight initializer, or the same MatMul dynamically quantized by onnxruntime's
 * quantize_dynamic (test/fixtures/quantize-dynamic.ts):
 *   Mul(Cast<float>(MatMulInteger(DynamicQuantizeLinear(x)[0], W_q [H_in, H], x_zp, W_zp)),
 *       Mul(DynamicQuantizeLinear(x)[1], W_scale []/[1]/[H]))
 * whose output is still a float [B, S, H] tensor before the bias Add, so the block fuses the
 * same way and the int8 projections stay as they are.
 */
function projection(g: GraphView, biased: string, hidden: number): Projection | undefined {
  const add = g.producer.get(biased);
  if (!isOnnxOp(add, 'Add') || add.input?.length !== 2) return undefined;
  const isBias = (name: string) => {
    const c = g.constant(name);
    return c !== undefined && c.dataType === DataType.FLOAT && sameInts(c.dims, [hidden]) ? c.tensor : undefined;
  };
  const [a, b] = add.input as [string, string];
  const biasA = isBias(a);
  const biasB = isBias(b);
  // Exactly one side is the bias (two constants would be a constant Add, not a projection).
  const bias = biasA && !biasB ? biasA : biasB && !biasA ? biasB : undefined;
  const output = biasA && !biasB ? b : a;
  if (!bias) return undefined;
  const source = projectionSource(g, g.producer.get(output), hidden);
  return source === undefined ? undefined : { output, bias, source };
}

function isWeight(g: GraphView, name: string | undefined, hidden: number, dataTypes: readonly number[]): boolean {
  const c = g.constant(name);
  return c !== undefined && dataTypes.includes(c.dataType) && c.dims.length === 2 && c.dims[1] === hidden;
}

function projectionSource(g: GraphView, node: NodeProto | undefined, hidden: number): string | undefined {
  if (isOnnxOp(node, 'MatMul') && node.input?.length === 2) {
    return isWeight(g, node.input[1], hidden, [DataType.FLOAT]) ? node.input[0] : undefined;
  }
  if (!isOnnxOp(node, 'Mul') || node.input?.length !== 2) return undefined;
  for (const [castName, scalesName] of [node.input, [...node.input].reverse()] as [string, string][]) {
    const cast = g.producer.get(castName);
    if (!isOnnxOp(cast, 'Cast') || attrInt(cast, 'to') !== DataType.FLOAT) continue;
    const mmi = g.producer.get(cast.input?.[0] ?? '');
    if (!isOnnxOp(mmi, 'MatMulInteger') || !isWeight(g, mmi.input?.[1], hidden, [2, 3] /* uint8, int8 */)) continue;
    const dql = g.producer.get(mmi.input?.[0] ?? '');
    if (!isOnnxOp(dql, 'DynamicQuantizeLinear') || dql.output?.[0] !== mmi.input?.[0]) continue;
    const scales = g.producer.get(scalesName);
    if (!isOnnxOp(scales, 'Mul') || scales.input?.length !== 2) continue;
    // x_scale is DynamicQuantizeLinear's scalar; W_scale per tensor or per output column.
    const [s0, s1] = scales.input as [string, string];
    const wScale = s0 === dql.output?.[1] ? s1 : s1 === dql.output?.[1] ? s0 : undefined;
    const c = g.constant(wScale);
    if (!c || c.dataType !== DataType.FLOAT || !(c.dims.length === 0 || sameInts(c.dims, [1]) || sameInts(c.dims, [hidden]))) continue;
    return dql.input?.[0] || undefined;
  }
  return undefined;
}

function only<T>(list: T[]): T | undefined {
  return list.length === 1 ? list[0] : undefined;
}
