// Last-layer pruning: a classifier that reads only the first token of its encoder's output
// (DistilBERT's and BERT's heads take hidden_state[:, 0], exported as Gather(axis 1, index 0))
// needs, in the last layer, every token's key and value but only the first token's query; and
// everything after attention (output projection, residual Adds, LayerNorms, the feed-forward
// block) works row by row. So that layer can run on [batch, 1, hidden] instead of [batch, seq,
// hidden]:
//
//   x ──Slice(axis 1, 0:1)──> x0 ──MatMul Wq──> query [B, 1, H] ─┐
//   x ──MatMul Wk / Wv──> key, value [B, S, H] ───────────────────┴─> MaskedSelfAttention
//       -> [B, 1, H] -> out_lin, + x0, LayerNorm, FFN, + residual, LayerNorm -> Gather(axis 1, 0)
//
// Each kept row is computed by the same operations on the same values as before, so the logits
// do not change; what goes is the rest of the layer's rows: for DistilBERT-base (6 layers) about
// 5/6 of one layer's matrix products, ~14% of the model's FLOPs.
//
// It runs after the attention fusion (src/models/attention-fusion), on the addon's
// MaskedSelfAttention (or ONNX Runtime's MultiHeadAttention), which takes fewer query rows than
// keys. Matching is structural:
//   - every reader of the last layer's output H is a Gather(axis 1) of the constant index 0, and
//     H is no graph output (an embedding model, which pools every token, is never touched);
//   - walking back from H, every node until the attention node and the layer input x (the query
//     projection's input) works on each row alone: element-wise ops whose other operand is a
//     constant broadcast along the last axis or another value of the region, MatMul by a 2-D
//     constant, LayerNormalization and ReduceMean over the last axis only;
//   - the region's values are read by the region alone; the query projection is MatMul(x, W) read
//     by the attention node alone.
// Anything else leaves the graph as it is; a dynamically quantized model, for one, whose
// DynamicQuantizeLinear takes one scale from every row of its input.

import { ORT_ATTENTION_OP, ORT_CONTRIB_DOMAIN, TP_ATTENTION_DOMAIN, TP_ATTENTION_OP } from '../attention-fusion/replace-blocks.js';
import {
  attrInt,
  attrInts,
  DataType,
  GraphView,
  isOnnxOp,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../attention-fusion/graph-view.js';
import { TP_DENSE_OP } from '../dense-fusion/index.js';

/** Element-wise ops of the default domain: unary, or binary with broadcasting. */
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Erf', 'Tanh', 'Relu', 'Sigmoid', 'Neg', 'Reciprocal', 'Cast', 'Identity', 'Gelu']);

export interface LastLayerPruning {
  /** The query projection whose input became the first-token slice. */
  queryProjection: NodeProto;
  /** Nodes that now work on one row per batch entry (attention node included). */
  region: NodeProto[];
}

/**
 * Prunes the last encoder layer of a decoded model to the first token when the graph reads only
 * that token (see above). In place; says what was rewritten, undefined when nothing matched.
 */
export function pruneLastLayer(model: ModelProto): LastLayerPruning | undefined {
  if (!model.graph) return undefined;
  const g = new GraphView(model);
  // Slice takes starts/ends/axes as inputs from opset 10 on.
  if (g.opset < 10) return undefined;
  const match = matchLastLayer(g);
  if (!match) return undefined;
  rewrite(g, match);
  return { queryProjection: match.queryProjection, region: match.region };
}

interface Match extends LastLayerPruning {
  /** The layer input: read by the query projection and by the region's residual. */
  input: string;
  /** Values the region produces, for dropping their value_info (their seq dim is now 1). */
  values: Set<string>;
}

function matchLastLayer(g: GraphView): Match | undefined {
  const heads = new Set<string>();
  for (const n of g.nodes) if (isFirstTokenGather(g, n)) heads.add(n.input![0]!);
  for (const output of heads) {
    const match = matchRegion(g, output);
    if (match) return match;
  }
  return undefined;
}

function isFirstTokenGather(g: GraphView, n: NodeProto): boolean {
  if (!isOnnxOp(n, 'Gather') || n.input?.length !== 2 || (attrInt(n, 'axis') ?? 0) !== 1) return false;
  const index = g.constantScalar(n.input[1], DataType.INT64, 1) ?? g.constantScalar(n.input[1], DataType.INT32, 1);
  return index === 0;
}

/**
 * The fused attention node of either target of the attention fusion: both take the query
 * projection as input 0 and accept fewer query rows than keys (ONNX Runtime's MultiHeadAttention
 * is also a cross-attention op), which is how the tests check this rewrite with onnxruntime-node.
 */
function isAttention(n: NodeProto | undefined): n is NodeProto {
  if (n === undefined) return false;
  return (n.opType === TP_ATTENTION_OP && n.domain === TP_ATTENTION_DOMAIN) || (n.opType === ORT_ATTENTION_OP && n.domain === ORT_CONTRIB_DOMAIN);
}

/** A constant that broadcasts along the last axis only: every dim but the last is 1. */
function isRowBroadcastConstant(g: GraphView, name: string): boolean {
  const c = g.constant(name);
  return c !== undefined && c.dims.slice(0, -1).every((d) => d === 1);
}

function matchRegion(g: GraphView, output: string): Match | undefined {
  if (g.isPinned(output) || !g.consumersOf(output).every((c) => isFirstTokenGather(g, c))) return undefined;
  // The last layer's attention node: whichever one the walk back from H reaches through
  // row-wise nodes alone, stopping at that node's layer input. Latest first.
  for (const attention of g.nodes.filter(isAttention).reverse()) {
    const match = matchLayer(g, output, attention);
    if (match) return match;
  }
  return undefined;
}

function matchLayer(g: GraphView, output: string, attention: NodeProto): Match | undefined {
  const queryProjection = g.producer.get(attention.input?.[0] ?? '');
  if (!isOnnxOp(queryProjection, 'MatMul') || !isMatrixConstant(g, queryProjection.input?.[1])) return undefined;
  if (g.soleConsumer(attention.input![0]!) !== attention) return undefined;
  const input = queryProjection.input![0]!;

  const region = new Set<NodeProto>();
  const values = new Set<string>();
  const stack = [output];
  const seen = new Set<string>();
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name) || name === input) continue;
    seen.add(name);
    const node = g.producer.get(name);
    if (node === attention) {
      region.add(node);
      values.add(name);
      continue;
    }
    if (!node || !isRowWise(g, node)) return undefined;
    region.add(node);
    for (const o of node.output ?? []) if (o) values.add(o);
    for (const i of node.input ?? []) {
      if (!i || i === input) continue;
      if (g.constant(i)) {
        if (!constantFits(g, node, i)) return undefined;
        continue;
      }
      stack.push(i);
    }
  }
  if (!region.has(attention)) return undefined;
  // Every value of the region is read by the region alone (H by the first-token Gathers).
  for (const name of values) {
    if (name === output) continue;
    if (g.isPinned(name) || g.consumersOf(name).some((c) => !region.has(c))) return undefined;
  }
  return { queryProjection, region: [...region], input, values };
}

function isMatrixConstant(g: GraphView, name: string | undefined): boolean {
  const c = g.constant(name);
  return c !== undefined && c.dims.length === 2 && c.dataType === DataType.FLOAT;
}

/** Ops that compute each row (last axis) of their output from the same row of their inputs. */
function isRowWise(g: GraphView, n: NodeProto): boolean {
  const domain = n.domain ?? '';
  if (domain === TP_ATTENTION_DOMAIN) return n.opType === TP_DENSE_OP;
  if (domain !== '' && domain !== 'ai.onnx') return false;
  const op = n.opType ?? '';
  if (ELEMENTWISE.has(op)) return (n.output?.length ?? 0) === 1;
  switch (op) {
    case 'MatMul':
      return isMatrixConstant(g, n.input?.[1]);
    case 'LayerNormalization':
      // Over the last axis only; the optional mean / inv-std outputs would be row-sized too,
      // but nothing in the exports reads them.
      return (attrInt(n, 'axis') ?? -1) === -1 && (n.output ?? []).filter(Boolean).length === 1;
    case 'ReduceMean': {
      if ((attrInt(n, 'keepdims') ?? 1) !== 1) return false;
      // axes: an attribute up to opset 17, an input from 18 on
      const axes = attrInts(n, 'axes') ?? g.constantValues(n.input?.[1]);
      return axes !== undefined && axes.length === 1 && axes[0] === -1;
    }
    default:
      return false;
  }
}

/** A constant operand is fine where it broadcasts along the last axis (or is a weight / axes). */
function constantFits(g: GraphView, node: NodeProto, name: string): boolean {
  const op = node.opType ?? '';
  const position = (node.input ?? []).indexOf(name);
  if (op === 'MatMul' || (op === TP_DENSE_OP && position === 1)) return true; // the weight: checked by isRowWise / the Dense matcher
  if (op === 'ReduceMean') return position === 1; // axes, checked by isRowWise
  return isRowBroadcastConstant(g, name);
}

function int64Initializer(name: string, values: number[]): TensorProto {
  const data = BigInt64Array.from(values, BigInt);
  return { name, dims: [values.length], dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) };
}

function rewrite(g: GraphView, match: Match): void {
  const { input, queryProjection, region, values } = match;
  const scope = queryProjection.name?.includes('/') ? queryProjection.name.slice(0, queryProjection.name.lastIndexOf('/')) : input;
  const first = g.uniqueName(`${input}_first_token`);
  const starts = g.addInitializer(int64Initializer(`${scope}/first_token_starts`, [0]));
  const ends = g.addInitializer(int64Initializer(`${scope}/first_token_ends`, [1]));
  const axes = g.addInitializer(int64Initializer(`${scope}/first_token_axes`, [1]));
  g.insertNode(g.nodes.indexOf(queryProjection), {
    name: g.uniqueNodeName(`${scope}/FirstTokenSlice`),
    opType: 'Slice',
    domain: '',
    input: [input, starts, ends, axes],
    output: [first],
  });
  queryProjection.input![0] = first;
  for (const node of region) node.input = (node.input ?? []).map((i) => (i === input ? first : i));
  // Shapes recorded for the region's values say seq; they are now 1 along that axis.
  if (g.graph.valueInfo?.length) g.graph.valueInfo = g.graph.valueInfo.filter((vi) => !values.has(vi.name ?? ''));
  g.refresh();
  if (!g.isTopologicallySorted()) g.sortTopologically();
}
