// Rewrite `Add(bias, MatMul(x, W))` as `Add(MatMul(x, W), bias)`.
//
// torch.onnx's `linear` symbolic has written the bias first since torch 1.9. ONNX Runtime's
// in-session fusions (AttentionFusion, BiasGeluFusion, SkipLayerNormFusion, ...) walk from an
// Add's input 0 to the MatMul and read the bias from input 1, so they miss every nn.Linear of
// such an export. Add is commutative, elementwise and bit for bit (IEEE addition commutes, and
// broadcasting is symmetric), so swapping the inputs changes nothing but the pattern.

import { GraphView, isOnnxOp } from './graph.js';

export const name = 'bias-add-order';

export function apply(g: GraphView): number {
  let count = 0;
  for (const n of g.nodes) {
    if (!isOnnxOp(n, 'Add') || n.input?.length !== 2) continue;
    const [a, b] = n.input as [string, string];
    const bias = g.constant(a);
    if (!bias || bias.dims.length !== 1 || g.constant(b)) continue;
    const producer = g.producer.get(b);
    if (!producer || !isOnnxOp(producer, 'MatMul')) continue;
    n.input = [b, a];
    count++;
  }
  return count;
}
