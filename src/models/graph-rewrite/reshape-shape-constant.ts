// Replace a Reshape's computed target shape by a constant, when every computed element is a
// dimension of the Reshape's own input at the same position (written as 0: "copy this dimension").
//
// Exporters write `x.view(x.size(0), x.size(1), heads, head_dim)` as
// Shape -> Gather -> Unsqueeze -> Concat feeding the Reshape. ONNX Runtime folds that into a
// constant only when the sizes come from the reshaped tensor itself (ReshapeFusion); DistilBERT
// takes its batch size from the layer input instead, so the shape stays dynamic, ONNX shape
// inference loses every shape after the first attention Reshape, and FusedMatMul,
// SkipLayerNormalization and Attention fusion all fail.
//
// Semantics: with allowzero = 0 (the default, and the only form rewritten), a 0 in the target
// copies the input dimension at that index. The rewrite puts a 0 only where the symbolic shape
// inference proves the computed element equals that input dimension, keeps literal elements as
// they are, and turns a literal -1 into 0 when it provably resolves to that input dimension. For
// every input the original graph accepts, the constant gives the same output shape (and Reshape
// never moves data). Targets it cannot prove stay as they are.

import { attrInt, GraphView, int64Tensor, isOnnxOp, type NodeProto } from './graph.js';
import { ShapeInfo } from './shapes.js';

export const name = 'reshape-shape-constant';

export function apply(g: GraphView): number {
  const info = new ShapeInfo(g);
  const orphans: NodeProto[] = [];
  let count = 0;
  for (const n of [...g.nodes]) {
    if (!isOnnxOp(n, 'Reshape') || n.input?.length !== 2) continue;
    if ((attrInt(n, 'allowzero') ?? 0) !== 0) continue;
    const [x, shapeName] = n.input as [string, string];
    if (g.constant(shapeName)) continue;
    const target = info.value(shapeName);
    const xs = info.shape(x);
    if (!target || target.scalar || !xs) continue;
    const resolved = info.reshapeResult(xs, target.data, false);
    const constant: number[] = [];
    let ok = true;
    for (let j = 0; j < target.data.length && ok; j++) {
      const d = target.data[j]!;
      if (typeof d === 'number') {
        constant.push(d === -1 && j < xs.length && resolved[j] === xs[j] ? 0 : d);
      } else if (j < xs.length && xs[j] === d) {
        constant.push(0);
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    const producer = g.producer.get(shapeName);
    const constName = g.addInitializer(int64Tensor(`${n.name || x}/shape`, [constant.length], constant));
    g.setInput(n, 1, constName);
    if (producer) orphans.push(producer);
    count++;
  }
  g.removeDead(orphans);
  return count;
}
