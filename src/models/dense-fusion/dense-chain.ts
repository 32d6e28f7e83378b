// A dense layer as exporters write it, found from its MatMul: the product with a constant
// weight, then greedily its epilogue, which the Dense node computes in the same pass:
//
//   y = MatMul(x, W)                       W a float [K, N] initializer
//   y = Add(y, b) or Add(b, y)             b a float [N] initializer            (optional)
//   then, only after a bias, one of:
//     y = gelu(y)                          gelu-pattern.ts
//     y = Add(y, r) or Add(r, y)           r a runtime tensor (the residual)
//
// torch.onnx writes nn.Linear on a 3-D input as MatMul then Add(bias, product), bias first; the
// residual Adds of BERT/DistilBERT are Add(dense, input), BART's Add(residual, dense). A MatMul
// with no bias Add is still a Dense node (the Q/K/V projections after the attention fusion,
// whose outputs the fused attention node reads before its own bias).
//
// Each step absorbs a node only when the value it reads disappears with the rewrite: read by
// that node alone, not a graph output, not read inside a subgraph. The last absorbed node's
// output is kept (the Dense node writes it), so it may be read by anything. Bias and weight
// must be real initializers (not graph inputs, which a caller may override, nor Constant-node
// outputs), because the addon reads and packs them once when the session is created.

import { DataType, type GraphView, isExternal, isOnnxOp, type NodeProto, otherInput, sameInts } from '../attention-fusion/graph-view.js';
import { matchGelu } from './gelu-pattern.js';

/** One matched dense layer, ready to become a single Dense node. */
export interface DenseChain {
  /** The MatMul the chain starts from; the Dense node takes its place. */
  matmul: NodeProto;
  /** X: float [..., K], the MatMul's first input. */
  input: string;
  /** W: a float [K, N] initializer. */
  weight: string;
  /** A float [N] initializer. */
  bias?: string;
  activation: 'none' | 'gelu';
  /** A float tensor added last. */
  residual?: string;
  /** The last absorbed node's output, which the Dense node writes instead. */
  output: string;
  /** Every absorbed node, the MatMul first; the last one writes `output`. */
  nodes: NodeProto[];
}

/**
 * The dense layer starting at `matmul`, or undefined when it is not a MatMul with a float [K, N]
 * weight initializer. Nodes in `claimed` (already part of another chain) are not absorbed.
 */
export function matchDenseChain(g: GraphView, matmul: NodeProto, claimed: ReadonlySet<NodeProto>): DenseChain | undefined {
  if (!isOnnxOp(matmul, 'MatMul') || matmul.input?.length !== 2 || matmul.output?.length !== 1) return undefined;
  const [input, weight] = matmul.input as [string, string];
  const product = matmul.output[0];
  if (!input || !product) return undefined;
  const dims = floatInitializerDims(g, weight);
  if (dims?.length !== 2) return undefined;
  const n = dims[1]!;
  const chain: DenseChain = { matmul, input, weight, activation: 'none', output: product, nodes: [matmul] };
  const absorb = (nodes: NodeProto[], output: string) => {
    chain.nodes.push(...nodes);
    chain.output = output;
  };

  const biasAdd = unclaimed(g.soleConsumer(product), claimed);
  const bias = isOnnxOp(biasAdd, 'Add') && biasAdd.output?.length === 1 ? otherInput(biasAdd, product) : undefined;
  if (!biasAdd || !bias || !sameInts(floatInitializerDims(g, bias), [n]) || !biasAdd.output![0]) return chain;
  chain.bias = bias;
  absorb([biasAdd], biasAdd.output![0]);

  const gelu = matchGelu(g, chain.output);
  if (gelu && gelu.nodes.every((node) => !claimed.has(node))) {
    chain.activation = 'gelu';
    absorb(gelu.nodes, gelu.output);
    return chain;
  }
  const residualAdd = unclaimed(g.soleConsumer(chain.output), claimed);
  const residual = isOnnxOp(residualAdd, 'Add') && residualAdd.output?.length === 1 ? otherInput(residualAdd, chain.output) : undefined;
  // A constant there would be a second bias (which the op has no input for), not a residual.
  if (residualAdd && residual && g.constant(residual) === undefined && residualAdd.output![0]) {
    chain.residual = residual;
    absorb([residualAdd], residualAdd.output![0]);
  }
  return chain;
}

function unclaimed(node: NodeProto | undefined, claimed: ReadonlySet<NodeProto>): NodeProto | undefined {
  return node && !claimed.has(node) ? node : undefined;
}

/**
 * The dims of a float initializer the addon can read in place: not a graph input (overridable),
 * not a Constant node's output, not external data, every dim positive, data of that size.
 */
function floatInitializerDims(g: GraphView, name: string | undefined): number[] | undefined {
  // `constant` also resolves Constant-node outputs, which have a producer; initializers do not.
  if (!name || g.producer.has(name)) return undefined;
  const c = g.constant(name);
  if (!c || c.dataType !== DataType.FLOAT || isExternal(c.tensor) || !c.dims.every((d) => Number.isSafeInteger(d) && d > 0)) return undefined;
  const count = c.dims.reduce((a, b) => a * b, 1);
  const raw = c.tensor.rawData;
  const stored = raw && raw.length > 0 ? raw.length / 4 : (c.tensor.floatData?.length ?? 0);
  return stored === count ? c.dims : undefined;
}
