// The exact GELU, 0.5 x (1 + erf(x / sqrt(2))), in the forms exporters write it for a value x
// (the output of a dense layer's bias Add), so the Dense node can apply it in its epilogue.
//
//   a. torch.onnx's symbolic gelu (approximate='none'; every opset before 20, see
//      test/fixtures/torch-export.ts):
//        d = Div(x, sqrt(2))   or  Mul(x, 1/sqrt(2))          (Mul either order)
//        e = Erf(d)
//        a = Add(e, 1)                                         (either order)
//        out = Mul(Mul(x, a), 0.5)  or  Mul(Mul(x, 0.5), a)    (each Mul either order)
//      The first is what torch writes (x * (1 + erf) * 0.5); the second is the same product in
//      the other association, which other exporters and hand-written graphs use.
//   b. ONNX's own Gelu (opset 20) with approximate absent or "none" ("tanh" is another function).
//   c. ONNX Runtime's com.microsoft Gelu (the exact one; FastGelu is the tanh approximation).
//
// The pattern's intermediates disappear with it, so each must be read by the next node of the
// pattern only: x by exactly the two nodes that use it (the scale and the product), every other
// intermediate by exactly one, and none of them a graph output or read in a subgraph. Constants
// are one-element float tensors of rank <= 1 (initializers or Constant nodes), so broadcasting
// them keeps x's shape. sqrt(2) is compared with a tolerance, because a float32 sqrt(2) depends
// on how it was computed; 1 and 0.5 are exact in float32 and written exactly.

import { attr, DataType, type GraphView, isOnnxOp, type NodeProto, otherInput } from '../attention-fusion/graph-view.js';

export interface GeluMatch {
  /** The pattern's nodes; the last one produces `output`. */
  nodes: NodeProto[];
  /** gelu(x): the tensor the pattern's last node writes. */
  output: string;
}

const ORT_CONTRIB_DOMAIN = 'com.microsoft';
/** Relative tolerance for sqrt(2) and 1/sqrt(2): float32 rounding is ~6e-8. */
const SQRT2_TOLERANCE = 1e-6;

/** gelu(x) as one of the patterns above, starting from its input x; undefined if none matches. */
export function matchGelu(g: GraphView, x: string): GeluMatch | undefined {
  return matchGeluNode(g, x) ?? matchErfGelu(g, x);
}

/** A single Gelu node (forms b and c). */
function matchGeluNode(g: GraphView, x: string): GeluMatch | undefined {
  const node = g.soleConsumer(x);
  if (!node || node.opType !== 'Gelu' || node.input?.length !== 1 || node.input[0] !== x || !singleOutput(node)) return undefined;
  if (isOnnxOp(node, 'Gelu')) {
    const approximate = attr(node, 'approximate');
    if (approximate && new TextDecoder().decode(approximate.s ?? new Uint8Array()) !== 'none') return undefined;
  } else if (node.domain !== ORT_CONTRIB_DOMAIN) {
    return undefined;
  }
  return { nodes: [node], output: node.output![0]! };
}

/** The Erf decomposition (form a). */
function matchErfGelu(g: GraphView, x: string): GeluMatch | undefined {
  const users = g.consumersOf(x);
  if (users.length !== 2 || g.isPinned(x)) return undefined;
  const scaleAt = users.findIndex((n) => isScaleByInverseSqrt2(g, n, x));
  if (scaleAt < 0) return undefined;
  const scale = users[scaleAt]!;
  const product = users[1 - scaleAt]!;

  const erf = g.soleConsumer(scale.output![0]!);
  if (!isOnnxOp(erf, 'Erf') || erf.input?.length !== 1 || !singleOutput(erf)) return undefined;
  const onePlus = g.soleConsumer(erf.output![0]!);
  if (!isOnnxOp(onePlus, 'Add') || !singleOutput(onePlus) || !isConstant(g, otherInput(onePlus, erf.output![0]!), 1)) return undefined;
  const half = (n: NodeProto, input: string) => isOnnxOp(n, 'Mul') && singleOutput(n) && isConstant(g, otherInput(n, input), 0.5);
  const times = (n: NodeProto | undefined, a: string, b: string) => isOnnxOp(n, 'Mul') && singleOutput(n) && otherInput(n, a) === b;

  const next = g.soleConsumer(onePlus.output![0]!);
  if (next === product) {
    // Mul(Mul(x, a), 0.5): torch's association.
    if (!times(product, x, onePlus.output![0]!)) return undefined;
    const out = g.soleConsumer(product.output![0]!);
    if (!out || !half(out, product.output![0]!)) return undefined;
    return { nodes: [scale, erf, onePlus, product, out], output: out.output![0]! };
  }
  // Mul(Mul(x, 0.5), a).
  if (!half(product, x) || !next || g.soleConsumer(product.output![0]!) !== next || !times(next, product.output![0]!, onePlus.output![0]!)) {
    return undefined;
  }
  return { nodes: [scale, product, erf, onePlus, next], output: next.output![0]! };
}

/** Div(x, c) with c ~ sqrt(2), or Mul(x, c) / Mul(c, x) with c ~ 1/sqrt(2): x / sqrt(2). */
function isScaleByInverseSqrt2(g: GraphView, node: NodeProto, x: string): boolean {
  if (!singleOutput(node) || node.input?.length !== 2) return false;
  if (isOnnxOp(node, 'Div')) return node.input[0] === x && isNear(g.constantScalar(node.input[1], DataType.FLOAT), Math.SQRT2);
  return isOnnxOp(node, 'Mul') && isNear(g.constantScalar(otherInput(node, x), DataType.FLOAT), Math.SQRT1_2);
}

function isConstant(g: GraphView, name: string | undefined, value: number): boolean {
  return g.constantScalar(name, DataType.FLOAT) === value;
}

function isNear(c: number | undefined, value: number): boolean {
  return c !== undefined && Math.abs(c - value) <= SQRT2_TOLERANCE * value;
}

function singleOutput(node: NodeProto): boolean {
  return node.output?.length === 1 && !!node.output[0];
}
