// The target shape of a Reshape, read symbolically.
//
// torch.onnx traces `x.view(x.size(0), x.size(1), heads, head_dim)` (and DistilBERT's
// `view(bs, -1, heads, head_dim)`) into a Concat of 1-element pieces: literals become Constant
// nodes, and each traced size becomes Unsqueeze(Gather(Shape(t), i), axes [0]). The matchers only
// need to know which piece is a literal and which is "dimension i of tensor t", so that they can
// prove a Reshape splits [B, S, H] into [B, S, heads, head_dim] (or merges it back) for every
// batch and sequence length, not just the traced ones.

import { attr, attrInt, attrInts, DataType, type GraphView, isOnnxOp, sameInts } from './graph-view.js';

export type ShapeElement = { kind: 'value'; value: number } | { kind: 'dim'; of: string; index: number };

/** The elements of a Reshape's shape input, or undefined when a piece is not a literal or a traced size. */
export function reshapeTarget(g: GraphView, name: string | undefined): ShapeElement[] | undefined {
  if (!name) return undefined;
  const literal = int64Vector(g, name);
  if (literal) return literal.map((value) => ({ kind: 'value', value }));
  const concat = g.producer.get(name);
  if (!isOnnxOp(concat, 'Concat')) return undefined;
  const axis = attrInt(concat, 'axis');
  if (axis !== 0 && axis !== -1) return undefined;
  const out: ShapeElement[] = [];
  for (const piece of concat.input ?? []) {
    const values = int64Vector(g, piece);
    if (values) {
      out.push(...values.map((value): ShapeElement => ({ kind: 'value', value })));
      continue;
    }
    const dim = tracedSize(g, piece);
    if (!dim) return undefined;
    out.push(dim);
  }
  return out;
}

/** A rank-1 int64 constant. */
function int64Vector(g: GraphView, name: string): number[] | undefined {
  const c = g.constant(name);
  if (!c || c.dataType !== DataType.INT64 || c.dims.length !== 1) return undefined;
  return g.constantValues(name);
}

/**
 * `[t.size(i)]` as a 1-element int64 vector: Unsqueeze(Gather(Shape(t), scalar i), axes [0]), or
 * Gather(Shape(t), [i]) directly.
 */
function tracedSize(g: GraphView, name: string): ShapeElement | undefined {
  const node = g.producer.get(name);
  if (isOnnxOp(node, 'Unsqueeze')) {
    const axes = g.opset >= 13 ? int64Vector(g, node.input?.[1] ?? '') : attrInts(node, 'axes');
    if (!sameInts(axes, [0])) return undefined;
    return gatherOfShape(g, node.input?.[0], 0);
  }
  return gatherOfShape(g, name, 1);
}

function gatherOfShape(g: GraphView, name: string | undefined, indexRank: number): ShapeElement | undefined {
  const gather = name ? g.producer.get(name) : undefined;
  if (!isOnnxOp(gather, 'Gather') || (attrInt(gather, 'axis') ?? 0) !== 0) return undefined;
  const shape = g.producer.get(gather.input?.[0] ?? '');
  // Shape with start/end (opset 15) would shift the index.
  if (!isOnnxOp(shape, 'Shape') || attr(shape, 'start') || attr(shape, 'end')) return undefined;
  const idx = g.constant(gather.input?.[1]);
  if (!idx || idx.dims.length !== indexRank || (indexRank === 1 && idx.dims[0] !== 1)) return undefined;
  if (idx.dataType !== DataType.INT64 && idx.dataType !== DataType.INT32) return undefined;
  const index = g.constantValues(gather.input?.[1])?.[0];
  // Negative indices count from a rank these matchers cannot see.
  if (index === undefined || index < 0) return undefined;
  return { kind: 'dim', of: shape.input![0]!, index };
}

/**
 * True when `e`, at a position where the Reshape's input and output both have the same leading
 * dimension `index` (0: batch, 1: sequence), is known to equal it: a traced size of a tensor in
 * `sameLeadingDims` (whose dims 0 and 1 are B and S), or 0 (ONNX: copy the input's dimension)
 * when `copyAllowed`.
 */
export function isLeadingDim(e: ShapeElement | undefined, index: 0 | 1, sameLeadingDims: ReadonlySet<string>, copyAllowed: boolean): boolean {
  if (!e) return false;
  if (e.kind === 'value') return copyAllowed && e.value === 0;
  return e.index === index && sameLeadingDims.has(e.of);
}

export function isValue(e: ShapeElement | undefined, value: number): boolean {
  return e !== undefined && e.kind === 'value' && e.value === value;
}
