// Compute BERT-style position ids from the input ids instead of slicing the position_ids buffer.
//
// transformers registers `position_ids = arange(max_positions)[None]` and the export cuts it with
// `Slice(position_ids, 0, seq_len, axis 1)`, where seq_len comes from Shape(input_ids) (BERT) or
// Shape(word embeddings) (DistilBERT). ONNX shape inference cannot see through a Slice with a
// computed end, so the position embeddings, and with them the whole residual stream, lose their
// sequence dimension: `[batch, ?, hidden]`. SkipLayerNormFusion then refuses every residual Add
// (it needs both inputs to have the same shape).
//
// The rewrite builds the same ids with ops whose output shape inference keeps:
//   zeros = ReduceSum(Mul(input_ids, 0), axes 0, keepdims)   [1, seq]  (0 for any batch, even 0)
//   ids   = CumSum(Add(zeros, 1), axis 1, exclusive)         [1, seq]  0, 1, ..., seq - 1
// Exactly the slice's values (integers, no rounding) and shape, for every seq <= max_positions.
// Longer inputs fail in both graphs (the original at the broadcast Add, the new one in Gather).
//
// Matched strictly: the sliced tensor must be a constant int64 [1, N] equal to 0..N-1, starts 0,
// axes 1, steps 1 (or absent), the end provably equal to dimension 1 of a rank-2 integer graph
// input, and the Slice output must be used only as Gather indices into a constant [N, H] table.

import { attrInt, DataType, GraphView, int64Tensor, isOnnxOp, type NodeProto } from './graph.js';
import { ShapeInfo } from './shapes.js';

export const name = 'position-ids-from-input';

export function apply(g: GraphView): number {
  if (g.opset < 11) return 0; // CumSum
  const info = new ShapeInfo(g);
  const orphans: NodeProto[] = [];
  let count = 0;
  for (const slice of [...g.nodes]) {
    if (!isOnnxOp(slice, 'Slice') || (slice.input?.length ?? 0) < 4) continue;
    const [data, starts, ends, axes, steps] = slice.input as string[];
    const out = slice.output![0]!;
    const buffer = g.constant(data!);
    if (!buffer || buffer.dataType !== DataType.INT64 || buffer.dims.length !== 2 || buffer.dims[0] !== 1) continue;
    const n = buffer.dims[1]!;
    const values = g.constantValues(data!);
    if (!values || values.some((v, i) => v !== i)) continue;
    if (!sameValues(g.constantValues(starts!), [0])) continue;
    if (!sameValues(g.constantValues(axes!), [1]) && !sameValues(g.constantValues(axes!), [-1])) continue;
    if (steps && !sameValues(g.constantValues(steps), [1])) continue;
    const end = info.value(ends!);
    if (!end || end.data.length !== 1) continue;
    const seq = end.data[0]!;
    if (typeof seq === 'number') continue; // static lengths already infer
    // Every consumer: Gather(table [N, H], ids) with axis 0.
    const users = g.consumersOf(out);
    if (g.pinned.has(out) || users.length === 0) continue;
    const gathersOk = users.every((u) => {
      if (!isOnnxOp(u, 'Gather') || u.input?.[1] !== out || u.input[0] === out) return false;
      if ((attrInt(u, 'axis') ?? 0) !== 0) return false;
      const table = g.constant(u.input[0]!);
      return !!table && table.dims.length === 2 && table.dims[0] === n;
    });
    if (!gathersOk) continue;
    const source = (g.graph.input ?? []).find((vi) => {
      if (!vi.name || !g.isGraphInput(vi.name)) return false;
      const t = vi.type?.tensorType?.elemType;
      const s = info.shape(vi.name);
      return (t === DataType.INT64 || t === DataType.INT32) && s?.length === 2 && s[1] === seq;
    });
    if (!source) continue;
    const anchor = users[0]!;
    const prefix = `${slice.name || out}/from_input`;
    const int32 = source.type!.tensorType!.elemType === DataType.INT32;
    const scalar = (v: number, tag: string) =>
      g.addInitializer(int32 ? { ...int32Scalar(v), name: `${prefix}/${tag}` } : int64Tensor(`${prefix}/${tag}`, [], [v]));
    const [zeros] = g.addNode('Mul', [source.name!, scalar(0, 'zero')], {}, prefix, anchor);
    const [row] =
      g.opset >= 13
        ? g.addNode('ReduceSum', [zeros!, g.addInitializer(int64Tensor(`${prefix}/axes`, [1], [0]))], { keepdims: 1 }, prefix, anchor)
        : g.addNode('ReduceSum', [zeros!], { axes: [0], keepdims: 1 }, prefix, anchor);
    const [ones] = g.addNode('Add', [row!, scalar(1, 'one')], {}, prefix, anchor);
    const axis = g.addInitializer(int64Tensor(`${prefix}/axis`, [], [1]));
    const [positions] = g.addNode('CumSum', [ones!, axis], { exclusive: 1 }, prefix, anchor);
    for (const u of users) g.setInput(u, 1, positions!);
    orphans.push(slice);
    count++;
  }
  g.removeDead(orphans);
  return count;
}

function sameValues(a: number[] | undefined, b: number[]): boolean {
  return !!a && a.length === b.length && a.every((v, i) => v === b[i]);
}

function int32Scalar(v: number) {
  const raw = new Uint8Array(4);
  new DataView(raw.buffer).setInt32(0, v, true);
  return { dims: [] as number[], dataType: DataType.INT32, rawData: raw };
}
