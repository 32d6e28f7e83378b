// Scale attention scores after the product instead of scaling the query before it:
//   MatMul(Div(q, c), k)  ->  Div(MatMul(q, k), c)
//
// DistilBERT divides the query by sqrt(head_dim) before `q @ k^T`; BERT divides the scores.
// ONNX Runtime's AttentionFusion (with the additive mask) looks for the BERT order. The two are
// the same product up to rounding, and exactly the same when c is a power of two (sqrt(64) = 8
// for 64-dimensional heads: dividing by 8 only changes the exponent), barring overflow and
// underflow.
//
// Matched strictly: c a float scalar constant, the Div used only by this MatMul, k not a
// constant (a product of activations, not a linear layer), and the product going to a Softmax,
// directly or through one Add or Where (the mask).

import { DataType, GraphView, isOnnxOp } from './graph.js';

export const name = 'attention-scale-order';

export function apply(g: GraphView): number {
  let count = 0;
  for (const mm of [...g.nodes]) {
    if (!isOnnxOp(mm, 'MatMul') || mm.input?.length !== 2) continue;
    const [scaled, k] = mm.input as [string, string];
    if (g.constant(k)) continue;
    const div = g.producer.get(scaled);
    if (!div || !isOnnxOp(div, 'Div') || div.input?.length !== 2) continue;
    const [q, c] = div.input as [string, string];
    const cTensor = g.constant(c);
    const cValue = g.constantScalar(c);
    if (!cTensor || cTensor.dataType !== DataType.FLOAT || cTensor.dims.length > 0 || cValue === undefined || !(cValue > 0) || g.constant(q)) continue;
    if (!g.hasSingleUse(scaled)) continue;
    const product = mm.output![0]!;
    if (!feedsSoftmax(g, product)) continue;

    const unscaled = g.uniqueName(`${product}_unscaled`);
    mm.input = [q, k];
    mm.output = [unscaled];
    div.input = [unscaled, c];
    div.output = [product];
    g.refresh();
    count++;
  }
  return count;
}

function feedsSoftmax(g: GraphView, name: string): boolean {
  const users = g.consumersOf(name);
  if (users.length === 0 || g.pinned.has(name)) return false;
  return users.some((u) => {
    if (isOnnxOp(u, 'Softmax')) return true;
    if (isOnnxOp(u, 'Add') || isOnnxOp(u, 'Where')) return g.consumersOf(u.output![0]!).some((v) => isOnnxOp(v, 'Softmax'));
    return false;
  });
}
