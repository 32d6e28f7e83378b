// DistilBERT (transformers' eager MultiHeadSelfAttention, as the Optimum / torch.onnx opset-11
// export of distilbert-base-uncased-finetuned-sst-2-english writes it; see
// test/fixtures/distilbert-onnx.ts).
//
// q is scaled before the product, and the mask is a masked_fill per layer:
//   scores = MatMul(Div(qh, sqrt(d)), kT)
//   isPad  = Equal(attention_mask, 0)                        (one node for all layers: CSE)
//   cond   = Cast<bool>(Expand(Reshape(isPad, [bs, 1, 1, k_len]), Shape(scores)))
//   probs  = Softmax(Where(cond, finfo(float32).min, scores), axis 3)
//
// Why replacing it with "softmax over keys with attention_mask != 0" is exact: Where keeps the
// score itself wherever attention_mask != 0 (the fused op's attended keys, for any mask value,
// not only 1), and writes MIN elsewhere, whose exp(. - row max) underflows to exactly 0 in
// float32 as soon as one key of the row is attended: the weight the fused op gives it. The
// Reshape target must be [B, 1, 1, S] of the same batch and sequence as the block's hidden state
// (traced sizes of it, as the export writes them), and the Expand only broadcasts to the scores'
// own shape, which Where would do anyway.

import { type AttentionBlock, matchAttentionCore } from './attention-block.js';
import { attrInt, DataType, type GraphView, isOnnxOp, type NodeProto } from './graph-view.js';
import { isInt64MaskInput, isMaskFill, viewAsB11S } from './mask-path.js';
import { isLeadingDim, isValue, reshapeTarget, type ShapeElement } from './reshape-target.js';

export function matchDistilBertAttention(g: GraphView, softmax: NodeProto): AttentionBlock | undefined {
  const where = g.producer.get(softmax.input?.[0] ?? '');
  if (!isOnnxOp(where, 'Where') || where.input?.length !== 3) return undefined;
  const [cond, fill, scores] = where.input as [string, string, string];
  // -inf is fine here (older transformers filled with it): Where never multiplies it.
  if (!isMaskFill(g, fill, true)) return undefined;
  const mask = paddingCondition(g, cond, scores);
  if (!mask) return undefined;
  const core = matchAttentionCore(g, softmax, scores);
  if (!core) return undefined;
  if (mask.target) {
    // [B, 1, 1, S]: the batch entry may also copy the mask's own dim 0; the last entry cannot
    // copy (the reshaped tensor is rank 2), and -1 resolves to S.
    const dims = new Set([...core.leadingDims, mask.input, mask.isPad]);
    const [b, one, another, s] = mask.target;
    const ok =
      isLeadingDim(b, 0, dims, true) && isValue(one, 1) && isValue(another, 1) && (isLeadingDim(s, 1, dims, false) || isValue(s, -1));
    if (!ok) return undefined;
  }
  return { pattern: 'distilbert', mask: mask.input, ...core.block };
}

interface PaddingCondition {
  /** The int64 [B, S] graph input. */
  input: string;
  /** Equal(input, 0). */
  isPad: string;
  /** The Reshape target to check against the block's dims (undefined for the Unsqueeze form). */
  target?: ShapeElement[];
}

/**
 * [Cast<bool>] [Expand(., Shape(scores))] of either Reshape(Equal(mask, 0), [b, 1, 1, s]) or
 * Unsqueeze(Unsqueeze(Equal(mask, 0), 1), 2).
 */
function paddingCondition(g: GraphView, cond: string, scores: string): PaddingCondition | undefined {
  let node = g.producer.get(cond);
  if (isOnnxOp(node, 'Cast')) {
    if (attrInt(node, 'to') !== DataType.BOOL) return undefined;
    node = g.producer.get(node.input?.[0] ?? '');
  }
  if (isOnnxOp(node, 'Expand')) {
    const shape = g.producer.get(node.input?.[1] ?? '');
    if (!isOnnxOp(shape, 'Shape') || shape.input?.[0] !== scores || (shape.attribute?.length ?? 0) > 0) return undefined;
    node = g.producer.get(node.input?.[0] ?? '');
  }
  if (isOnnxOp(node, 'Reshape')) {
    if (attrInt(node, 'allowzero') === 1) return undefined;
    const target = reshapeTarget(g, node.input?.[1]);
    const isPad = node.input?.[0];
    const input = isPad ? equalsZero(g, isPad) : undefined;
    if (!target || target.length !== 4 || !isPad || !input) return undefined;
    return { input, isPad, target };
  }
  // The same view written as isPad[:, None, None, :].
  if (!isOnnxOp(node, 'Unsqueeze') || !node.output?.[0]) return undefined;
  const viewed = node.output[0];
  const isPad = viewAsB11S(g, viewed, (n) => equalsZero(g, n) !== undefined);
  const input = isPad ? equalsZero(g, isPad) : undefined;
  return isPad && input ? { input, isPad } : undefined;
}

/** Equal(mask, 0) or Equal(0, mask), mask an int64 [B, S] graph input: returns the input. */
function equalsZero(g: GraphView, name: string): string | undefined {
  const eq = g.producer.get(name);
  if (!isOnnxOp(eq, 'Equal') || eq.input?.length !== 2) return undefined;
  const [a, b] = eq.input as [string, string];
  const zero = (n: string) => g.constantScalar(n, DataType.INT64) === 0;
  if (zero(b) && isInt64MaskInput(g, a)) return a;
  if (zero(a) && isInt64MaskInput(g, b)) return b;
  return undefined;
}
