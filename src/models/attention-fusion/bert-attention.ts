// BERT (transformers' BertSelfAttention, as the Optimum / torch.onnx opset-11 export of e.g.
// all-MiniLM-L6-v2 writes it; see test/fixtures/bert-onnx.ts).
//
// The mask is additive and computed once for the whole encoder by get_extended_attention_mask:
//   M = Mul(Sub(1, Cast<float>(Unsqueeze(Unsqueeze(attention_mask, 1), 2))), finfo(float32).min)
// and every layer adds it to its scaled scores before the Softmax:
//   probs = Softmax(Add(Div(MatMul(qh, kT), sqrt(d)), M), axis 3)
//
// Why replacing it with "softmax over keys with attention_mask != 0" is exact: for a key with
// mask 1, M is (1 - 1) * MIN = -0 and score + -0 is the score, bit for bit; for a key with mask
// 0, score + MIN rounds to MIN (|score| is far below ulp(MIN) / 2), whose exp(. - row max)
// underflows to exactly 0 in float32 as soon as one key of the row is attended, which is the
// weight the fused op gives it. That holds for the 0/1 masks transformers defines; other values
// (2, -1, ...) make the exported formula itself meaningless (a mask of 2 adds +MAX).

import { type AttentionBlock, matchAttentionCore } from './attention-block.js';
import { DataType, type GraphView, isOnnxOp, type NodeProto } from './graph-view.js';
import { isInt64MaskInput, isMaskFill, viewAsB11S } from './mask-path.js';

export function matchBertAttention(g: GraphView, softmax: NodeProto): AttentionBlock | undefined {
  const add = g.producer.get(softmax.input?.[0] ?? '');
  if (!isOnnxOp(add, 'Add') || add.input?.length !== 2) return undefined;
  const [a, b] = add.input as [string, string];
  for (const [scores, maskTerm] of [
    [a, b],
    [b, a],
  ] as const) {
    const mask = additiveMask(g, maskTerm);
    if (!mask) continue;
    const core = matchAttentionCore(g, softmax, scores);
    if (!core) return undefined;
    return { pattern: 'bert', mask, ...core.block };
  }
  return undefined;
}

/** Mul(Sub(1, Cast<float>(mask[:, None, None, :])), MIN), Mul operands in either order. */
function additiveMask(g: GraphView, name: string): string | undefined {
  const mul = g.producer.get(name);
  if (!isOnnxOp(mul, 'Mul') || mul.input?.length !== 2) return undefined;
  const [a, b] = mul.input as [string, string];
  // MIN must be finite: 0 * -inf is NaN, which would break the export for attended keys.
  const inverted = isMaskFill(g, b, false) ? a : isMaskFill(g, a, false) ? b : undefined;
  const sub = inverted ? g.producer.get(inverted) : undefined;
  if (!isOnnxOp(sub, 'Sub') || sub.input?.length !== 2) return undefined;
  if (g.constantScalar(sub.input[0], DataType.FLOAT, 4) !== 1) return undefined;
  return viewAsB11S(g, sub.input[1]!, (n) => isInt64MaskInput(g, n), DataType.FLOAT);
}
