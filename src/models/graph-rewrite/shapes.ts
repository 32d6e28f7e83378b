// Symbolic shape inference, just enough to prove that two dimensions are the same.
//
// A dimension is a number or a symbol: `$name` for a graph input's dim_param, `?n` for a value
// nothing is known about (each `?n` is different from every other dimension). Shapes follow the
// ops of transformer encoders (elementwise with broadcasting, MatMul, Gather, Transpose,
// Reshape, Unsqueeze, reductions, ...); any other op gives an unknown shape, and whatever depends
// on it cannot be proved, so no rewrite that needs it applies.
//
// Small int64 tensors computed from shapes (Shape -> Gather -> Unsqueeze -> Concat, as exporters
// write `x.view(x.size(0), ...)`) are tracked by value, so a Reshape whose target shape is
// computed that way gets a symbolic output shape too.
//
// Assumption, the same ONNX Runtime's own fusions make: a dim_param names one value across the
// whole graph (all inputs declared [batch_size, sequence_length] have the same batch size and
// sequence length).

import { attrInt, attrInts, DataType, GraphView, isOnnxOp, type NodeProto } from './graph.js';

export type Dim = number | string;
export type Shape = Dim[];

interface Value {
  /** Elements of a rank-0 or rank-1 integer tensor. */
  data: Dim[];
  scalar: boolean;
}

export class ShapeInfo {
  readonly shapes = new Map<string, Shape>();
  readonly values = new Map<string, Value>();
  private fresh = 0;

  constructor(private readonly g: GraphView) {
    for (const vi of g.graph.input ?? []) {
      const dims = vi.type?.tensorType?.shape?.dim;
      if (!vi.name || !dims || !g.isGraphInput(vi.name)) continue;
      this.shapes.set(
        vi.name,
        dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : d.dimParam ? `$${d.dimParam}` : this.unknown())),
      );
    }
    for (const t of g.graph.initializer ?? []) this.addConstant(t.name!);
    for (const n of g.nodes) this.infer(n);
  }

  unknown(): string {
    return `?${++this.fresh}`;
  }

  shape(name: string): Shape | undefined {
    return this.shapes.get(name);
  }

  value(name: string): Value | undefined {
    return this.values.get(name);
  }

  private addConstant(name: string): void {
    const c = this.g.constant(name);
    if (!c) return;
    this.shapes.set(name, c.dims);
    if ((c.dataType === DataType.INT64 || c.dataType === DataType.INT32) && c.dims.length <= 1) {
      const count = c.dims.reduce((a, b) => a * b, 1);
      if (count <= 64) {
        const v = this.g.constantValues(name);
        if (v) this.values.set(name, { data: v, scalar: c.dims.length === 0 });
      }
    }
  }

  private infer(n: NodeProto): void {
    const ins = n.input ?? [];
    const out = n.output?.[0];
    if (!out) return;
    if (n.domain && n.domain !== 'ai.onnx') return;
    const s = (i: number) => (ins[i] ? this.shapes.get(ins[i]!) : undefined);
    const set = (shape: Shape | undefined) => {
      if (shape) this.shapes.set(out, shape);
    };
    switch (n.opType) {
      case 'Constant':
        this.addConstant(out);
        return;
      case 'Identity':
      case 'Cast':
      case 'Sqrt':
      case 'Erf':
      case 'Relu':
      case 'Tanh':
      case 'Sigmoid':
      case 'Neg':
      case 'Exp':
      case 'Log':
      case 'Abs':
      case 'Not':
      case 'Softmax':
      case 'LogSoftmax':
      case 'CumSum': {
        set(s(0));
        const v = this.values.get(ins[0]!);
        if (v && (n.opType === 'Identity' || n.opType === 'Cast')) this.values.set(out, v);
        return;
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
      case 'Pow':
      case 'Equal':
      case 'Less':
      case 'Greater':
      case 'And':
      case 'Or':
      case 'Where': {
        let shape: Shape | undefined = s(0);
        for (let i = 1; i < ins.length && shape; i++) shape = this.broadcast(shape, s(i));
        set(shape);
        return;
      }
      case 'MatMul': {
        const a = s(0);
        const b = s(1);
        if (!a || !b || a.length < 2 || b.length < 2) return;
        const batch = this.broadcast(a.slice(0, -2), b.slice(0, -2));
        if (batch) set([...batch, a[a.length - 2]!, b[b.length - 1]!]);
        return;
      }
      case 'Gemm': {
        const a = s(0);
        const b = s(1);
        if (!a || !b || a.length !== 2 || b.length !== 2) return;
        const ta = attrInt(n, 'transA') ?? 0;
        const tb = attrInt(n, 'transB') ?? 0;
        set([ta ? a[1]! : a[0]!, tb ? b[0]! : b[1]!]);
        return;
      }
      case 'Transpose': {
        const a = s(0);
        if (!a) return;
        const perm = attrInts(n, 'perm') ?? a.map((_, i) => a.length - 1 - i);
        if (perm.length !== a.length) return;
        set(perm.map((p) => a[p]!));
        return;
      }
      case 'Gather': {
        const data = s(0);
        const idx = s(1);
        if (!data || !idx) return;
        let axis = attrInt(n, 'axis') ?? 0;
        if (axis < 0) axis += data.length;
        if (axis < 0 || axis >= data.length) return;
        set([...data.slice(0, axis), ...idx, ...data.slice(axis + 1)]);
        // Shape arithmetic: picking elements of a tracked 1-D value with constant indices.
        const v = this.values.get(ins[0]!);
        const iv = this.g.constantValues(ins[1]!);
        if (v && !v.scalar && axis === 0 && iv && idx.length <= 1) {
          const picked = iv.map((k) => v.data[k < 0 ? k + v.data.length : k]);
          if (picked.every((d) => d !== undefined)) this.values.set(out, { data: picked as Dim[], scalar: idx.length === 0 });
        }
        return;
      }
      case 'Shape': {
        const a = s(0);
        if (!a) return;
        let start = attrInt(n, 'start') ?? 0;
        let end = attrInt(n, 'end') ?? a.length;
        if (start < 0) start += a.length;
        if (end < 0) end += a.length;
        const data = a.slice(Math.max(0, start), Math.min(a.length, end));
        set([data.length]);
        this.values.set(out, { data, scalar: false });
        return;
      }
      case 'Unsqueeze': {
        const a = s(0);
        const axes = this.g.opset >= 13 ? this.g.constantValues(ins[1] ?? '') : attrInts(n, 'axes');
        if (!a || !axes) return;
        const rank = a.length + axes.length;
        const norm = axes.map((x) => (x < 0 ? x + rank : x));
        const shape: Shape = [];
        let k = 0;
        for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : a[k++]!);
        set(shape);
        const v = this.values.get(ins[0]!);
        if (v && v.scalar && rank === 1) this.values.set(out, { data: v.data, scalar: false });
        return;
      }
      case 'Squeeze': {
        const a = s(0);
        const axes = this.g.opset >= 13 ? (ins[1] ? this.g.constantValues(ins[1]) : undefined) : attrInts(n, 'axes');
        if (!a || !axes) return;
        const norm = axes.map((x) => (x < 0 ? x + a.length : x));
        set(a.filter((_, i) => !norm.includes(i)));
        const v = this.values.get(ins[0]!);
        if (v && !v.scalar && a.length === 1 && v.data.length === 1) this.values.set(out, { data: v.data, scalar: true });
        return;
      }
      case 'Concat': {
        const shapes = ins.map((_, i) => s(i));
        if (shapes.some((x) => !x)) return;
        const rank = shapes[0]!.length;
        let axis = attrInt(n, 'axis') ?? 0;
        if (axis < 0) axis += rank;
        const shape = [...shapes[0]!];
        let sum: Dim = 0;
        for (const sh of shapes) {
          const d = sh![axis]!;
          sum = typeof sum === 'number' && typeof d === 'number' ? sum + d : this.unknown();
        }
        shape[axis] = sum;
        set(shape);
        const vals = ins.map((i) => this.values.get(i));
        if (rank === 1 && vals.every((v) => v && !v.scalar)) this.values.set(out, { data: vals.flatMap((v) => v!.data), scalar: false });
        return;
      }
      case 'ReduceMean':
      case 'ReduceSum':
      case 'ReduceMax':
      case 'ReduceMin': {
        const a = s(0);
        const axesFromInput = n.opType === 'ReduceSum' ? this.g.opset >= 13 : this.g.opset >= 18;
        const axes = axesFromInput ? (ins[1] ? this.g.constantValues(ins[1]) : undefined) : attrInts(n, 'axes');
        if (!a || !axes || axes.length === 0) return;
        const keep = (attrInt(n, 'keepdims') ?? 1) === 1;
        const norm = axes.map((x) => (x < 0 ? x + a.length : x));
        set(keep ? a.map((d, i) => (norm.includes(i) ? 1 : d)) : a.filter((_, i) => !norm.includes(i)));
        return;
      }
      case 'Reshape': {
        const a = s(0);
        const v = this.values.get(ins[1]!);
        if (!a || !v || v.scalar) return;
        set(this.reshapeResult(a, v.data, (attrInt(n, 'allowzero') ?? 0) === 1));
        return;
      }
      case 'Expand': {
        const a = s(0);
        const v = this.values.get(ins[1]!);
        if (!a || !v) return;
        set(this.broadcast(a, v.data));
        return;
      }
      case 'Slice':
      default:
        return;
    }
  }

  /** Multidirectional broadcasting; undefined when the shapes cannot broadcast. */
  broadcast(a: Shape | undefined, b: Shape | undefined): Shape | undefined {
    if (!a || !b) return undefined;
    const rank = Math.max(a.length, b.length);
    const out: Shape = [];
    for (let i = 0; i < rank; i++) {
      const x = a[a.length - rank + i] ?? 1;
      const y = b[b.length - rank + i] ?? 1;
      if (x === y) out.push(x);
      else if (x === 1) out.push(y);
      else if (y === 1) out.push(x);
      else if (typeof x === 'number' && typeof y === 'number') return undefined;
      else if (typeof x === 'number') out.push(x); // a symbol broadcasting with n > 1 is n (or 1)
      else if (typeof y === 'number') out.push(y);
      else out.push(this.unknown());
    }
    return out;
  }

  /** Output shape of Reshape(input of shape `a`, target `target`). */
  reshapeResult(a: Shape, target: Dim[], allowzero: boolean): Shape {
    const out: Dim[] = target.map((d, j) => (d === 0 && !allowzero ? (a[j] ?? this.unknown()) : d));
    const minus = out.indexOf(-1);
    if (minus >= 0) {
      const rest = out.filter((_, j) => j !== minus);
      out[minus] = divideDims(a, rest) ?? this.unknown();
    }
    return out.map((d) => (typeof d === 'number' && d < 0 ? this.unknown() : d));
  }
}

/** prod(a) / prod(b) as a single dimension, when that is exact; undefined otherwise. */
export function divideDims(a: Dim[], b: Dim[]): Dim | undefined {
  let coef = 1;
  const syms: string[] = [];
  for (const d of a) {
    if (typeof d === 'number') coef *= d;
    else syms.push(d);
  }
  let div = 1;
  for (const d of b) {
    if (typeof d === 'number') div *= d;
    else {
      const k = syms.indexOf(d);
      if (k < 0) return undefined;
      syms.splice(k, 1);
    }
  }
  if (div === 0 || coef % div !== 0) return undefined;
  const q = coef / div;
  if (syms.length === 0) return q;
  if (syms.length === 1 && q === 1) return syms[0];
  return undefined;
}

export function sameDim(a: Dim | undefined, b: Dim | undefined): boolean {
  return a !== undefined && b !== undefined && a === b;
}

export function isNodeOp(n: NodeProto | undefined, op: string): n is NodeProto {
  return !!n && isOnnxOp(n, op);
}
