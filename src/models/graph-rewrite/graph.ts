// A mutable view of an ONNX graph for the load-time rewrites: who produces and who consumes each
// value, constant values (initializers and Constant nodes), node builders, dead-node removal and
// a stable topological sort. Only the main graph is rewritten; names used inside subgraphs
// (If/Loop/Scan bodies) are treated as used, so nothing they read is ever removed.

import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

export type NodeProto = OnnxTypes.INodeProto;
export type TensorProto = OnnxTypes.ITensorProto;
export type ModelProto = OnnxTypes.ModelProto;

export const DataType = {
  FLOAT: 1,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
} as const;

/** int64 fields decode as Long objects (protobufjs with `long` installed) or as numbers. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

export function attr(node: NodeProto, name: string): OnnxTypes.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function attrInt(node: NodeProto, name: string): number | undefined {
  const a = attr(node, name);
  return a && a.i !== undefined && a.i !== null ? toNumber(a.i) : undefined;
}

export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a?.ints ? a.ints.map(toNumber) : undefined;
}

/** True for the default ONNX domain ('' or 'ai.onnx'). */
export function isOnnxOp(node: NodeProto, opType: string): boolean {
  return node.opType === opType && (!node.domain || node.domain === 'ai.onnx');
}

export interface ConstantTensor {
  dims: number[];
  dataType: number;
  tensor: TensorProto;
}

/** Reads the elements of a small numeric tensor; undefined for external data or unsupported types. */
export function tensorValues(t: TensorProto): number[] | undefined {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return undefined;
  const count = (t.dims ?? []).map(toNumber).reduce((a, b) => a * b, 1);
  const raw = t.rawData;
  const type = t.dataType ?? 0;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: number[] = [];
    if (type === DataType.FLOAT) {
      if (raw.length !== count * 4) return undefined;
      for (let i = 0; i < count; i++) out.push(view.getFloat32(i * 4, true));
    } else if (type === DataType.INT64) {
      if (raw.length !== count * 8) return undefined;
      for (let i = 0; i < count; i++) out.push(Number(view.getBigInt64(i * 8, true)));
    } else if (type === DataType.INT32) {
      if (raw.length !== count * 4) return undefined;
      for (let i = 0; i < count; i++) out.push(view.getInt32(i * 4, true));
    } else if (type === DataType.BOOL) {
      if (raw.length !== count) return undefined;
      for (let i = 0; i < count; i++) out.push(view.getUint8(i) ? 1 : 0);
    } else {
      return undefined;
    }
    return out;
  }
  let data: number[] | undefined;
  if (type === DataType.FLOAT) data = t.floatData ?? undefined;
  else if (type === DataType.INT64) data = t.int64Data?.map(toNumber);
  else if (type === DataType.INT32 || type === DataType.BOOL) data = t.int32Data ?? undefined;
  if (!data || data.length !== count) return undefined;
  return [...data];
}

export function int64Tensor(name: string, dims: number[], values: number[]): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims, dataType: DataType.INT64, rawData: raw };
}

export function floatTensor(name: string, dims: number[], values: number[]): TensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dims, dataType: DataType.FLOAT, rawData: raw };
}

export type AttrValue = number | number[] | { tensor: TensorProto };

function makeAttr(name: string, v: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return { name, type: T.TENSOR, t: v.tensor };
}

export class GraphView {
  readonly model: ModelProto;
  readonly graph: OnnxTypes.IGraphProto;
  /** Version of the default ONNX domain. */
  readonly opset: number;
  producer = new Map<string, NodeProto>();
  consumers = new Map<string, NodeProto[]>();
  /** Names read inside subgraphs, or graph outputs: never removed or renamed. */
  pinned = new Set<string>();
  private initializers = new Map<string, TensorProto>();
  private graphInputNames = new Set<string>();
  private names = new Set<string>();
  private counter = 0;

  constructor(model: ModelProto) {
    this.model = model;
    this.graph = model.graph!;
    const def = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
    this.opset = def ? toNumber(def.version) : 0;
    this.graph.node ??= [];
    this.graph.initializer ??= [];
    this.refresh();
  }

  get nodes(): NodeProto[] {
    return this.graph.node!;
  }

  /** Recomputes the producer/consumer maps; call after editing nodes. */
  refresh(): void {
    this.producer.clear();
    this.consumers.clear();
    this.initializers.clear();
    this.graphInputNames.clear();
    this.pinned.clear();
    this.names.clear();
    for (const t of this.graph.initializer ?? []) {
      this.initializers.set(t.name!, t);
      this.names.add(t.name!);
    }
    for (const vi of this.graph.input ?? []) {
      this.graphInputNames.add(vi.name!);
      this.names.add(vi.name!);
    }
    for (const vi of this.graph.output ?? []) this.pinned.add(vi.name!);
    for (const n of this.nodes) {
      for (const o of n.output ?? []) {
        if (o) this.producer.set(o, n);
        this.names.add(o);
      }
      for (const i of n.input ?? []) {
        if (!i) continue;
        let list = this.consumers.get(i);
        if (!list) this.consumers.set(i, (list = []));
        list.push(n);
      }
      for (const a of n.attribute ?? []) {
        for (const g of [a.g, ...(a.graphs ?? [])]) if (g) collectSubgraphNames(g, this.pinned);
      }
    }
  }

  isGraphInput(name: string): boolean {
    return this.graphInputNames.has(name) && !this.initializers.has(name);
  }

  graphInput(name: string): OnnxTypes.IValueInfoProto | undefined {
    return this.isGraphInput(name) ? this.graph.input!.find((vi) => vi.name === name) : undefined;
  }

  /**
   * A constant: an initializer that is not also a graph input (those are overridable defaults),
   * or the output of a Constant node with a `value` tensor.
   */
  constant(name: string): ConstantTensor | undefined {
    if (!name) return undefined;
    const init = this.initializers.get(name);
    if (init) {
      if (this.graphInputNames.has(name)) return undefined;
      return { dims: (init.dims ?? []).map(toNumber), dataType: init.dataType ?? 0, tensor: init };
    }
    const p = this.producer.get(name);
    if (p && isOnnxOp(p, 'Constant') && (p.attribute?.length ?? 0) === 1) {
      const t = attr(p, 'value')?.t;
      if (t) return { dims: (t.dims ?? []).map(toNumber), dataType: t.dataType ?? 0, tensor: t };
    }
    return undefined;
  }

  constantValues(name: string): number[] | undefined {
    const c = this.constant(name);
    return c ? tensorValues(c.tensor) : undefined;
  }

  /** The single element of a scalar or one-element constant. */
  constantScalar(name: string): number | undefined {
    const c = this.constant(name);
    if (!c || c.dims.reduce((a, b) => a * b, 1) !== 1 || c.dims.length > 1) return undefined;
    const v = tensorValues(c.tensor);
    return v?.[0];
  }

  consumersOf(name: string): NodeProto[] {
    return this.consumers.get(name) ?? [];
  }

  /** Used by exactly one node input and by nothing else (not a graph output, not in a subgraph). */
  hasSingleUse(name: string): boolean {
    if (this.pinned.has(name)) return false;
    const c = this.consumersOf(name);
    return c.length === 1 && c[0]!.input!.filter((i) => i === name).length === 1;
  }

  uniqueName(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  addInitializer(t: TensorProto): string {
    const name = this.uniqueName(t.name!);
    const tensor = { ...t, name };
    this.graph.initializer!.push(tensor);
    this.initializers.set(name, tensor);
    return name;
  }

  /**
   * Adds a node (placed before `anchor`; the final topological sort fixes any order) and returns
   * its output names. Producer and consumer maps are updated.
   */
  addNode(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue>,
    namePrefix: string,
    anchor?: NodeProto,
    outputCount = 1,
  ): string[] {
    const name = this.uniqueName(`${namePrefix}/${opType}`);
    const outputs = Array.from({ length: outputCount }, (_, i) => this.uniqueName(`${name}_output_${i}`));
    const node: NodeProto = {
      name,
      opType,
      domain: '',
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => makeAttr(k, v)),
    };
    const at = anchor ? this.nodes.indexOf(anchor) : -1;
    if (at >= 0) this.nodes.splice(at, 0, node);
    else this.nodes.push(node);
    for (const o of outputs) this.producer.set(o, node);
    for (const i of inputs) {
      if (!i) continue;
      let list = this.consumers.get(i);
      if (!list) this.consumers.set(i, (list = []));
      list.push(node);
    }
    return outputs;
  }

  /** Unsqueeze with the axes as an attribute (opset < 13) or an input (opset >= 13). */
  addUnsqueeze(input: string, axes: number[], namePrefix: string, anchor?: NodeProto): string {
    if (this.opset >= 13) {
      const axesName = this.addInitializer(int64Tensor(`${namePrefix}/unsqueeze_axes`, [axes.length], axes));
      return this.addNode('Unsqueeze', [input, axesName], {}, namePrefix, anchor)[0]!;
    }
    return this.addNode('Unsqueeze', [input], { axes }, namePrefix, anchor)[0]!;
  }

  /** Replaces input `index` of `node`, keeping the consumer map in step. */
  setInput(node: NodeProto, index: number, name: string): void {
    const old = node.input![index]!;
    node.input![index] = name;
    const list = this.consumers.get(old);
    if (list) {
      const k = list.indexOf(node);
      if (k >= 0 && !node.input!.includes(old)) list.splice(k, 1);
    }
    let now = this.consumers.get(name);
    if (!now) this.consumers.set(name, (now = []));
    if (!now.includes(node)) now.push(node);
  }

  /**
   * Removes nodes none of whose outputs is used any more, starting from `candidates` and walking
   * up to their producers. Only nodes this rewrite orphaned are considered, so dead code that was
   * already in the model stays as it was. Unused initializers that the removed nodes read are
   * dropped too, as are Constant nodes.
   */
  removeDead(candidates: Iterable<NodeProto>): number {
    const dead = new Set<NodeProto>();
    const queue = [...candidates];
    const isUsed = (name: string) =>
      this.pinned.has(name) || this.consumersOf(name).some((c) => !dead.has(c));
    const maybeDeadInits = new Set<string>();
    while (queue.length) {
      const n = queue.pop()!;
      if (dead.has(n) || !this.nodes.includes(n)) continue;
      if ((n.output ?? []).some((o) => o && isUsed(o))) continue;
      dead.add(n);
      for (const i of n.input ?? []) {
        if (!i) continue;
        const p = this.producer.get(i);
        if (p) queue.push(p);
        else if (this.initializers.has(i)) maybeDeadInits.add(i);
      }
    }
    if (dead.size === 0) return 0;
    this.graph.node = this.nodes.filter((n) => !dead.has(n));
    this.refresh();
    const stillUsed = (name: string) => this.pinned.has(name) || this.consumersOf(name).length > 0 || this.graphInputNames.has(name);
    const dropped = [...maybeDeadInits].filter((name) => !stillUsed(name));
    if (dropped.length) {
      const drop = new Set(dropped);
      this.graph.initializer = this.graph.initializer!.filter((t) => !drop.has(t.name!));
      this.refresh();
    }
    return dead.size;
  }

  /**
   * Stable topological sort: keeps the existing order wherever it is already valid, and moves a
   * node later only when one of its inputs is produced after it.
   */
  sortTopologically(): void {
    const nodes = this.nodes;
    const index = new Map(nodes.map((n, i) => [n, i]));
    const pending = new Map<NodeProto, number>();
    const waiting = new Map<string, NodeProto[]>();
    const available = new Set<string>([...this.initializers.keys(), ...this.graphInputNames, '']);
    const ready: NodeProto[] = [];
    for (const n of nodes) {
      const missing = new Set((n.input ?? []).filter((i) => i && !available.has(i) && this.producer.has(i)));
      pending.set(n, missing.size);
      for (const m of missing) {
        let w = waiting.get(m);
        if (!w) waiting.set(m, (w = []));
        w.push(n);
      }
      if (missing.size === 0) ready.push(n);
    }
    const out: NodeProto[] = [];
    // A min-heap by original index would be O(n log n); graphs here have < 10k nodes, so a
    // sorted insert is fine.
    ready.sort((a, b) => index.get(a)! - index.get(b)!);
    while (ready.length) {
      const n = ready.shift()!;
      out.push(n);
      for (const o of n.output ?? []) {
        for (const w of waiting.get(o) ?? []) {
          const left = pending.get(w)! - 1;
          pending.set(w, left);
          if (left === 0) {
            const at = index.get(w)!;
            let k = 0;
            while (k < ready.length && index.get(ready[k]!)! < at) k++;
            ready.splice(k, 0, w);
          }
        }
        waiting.delete(o);
      }
    }
    if (out.length !== nodes.length) throw new Error('graph rewrite produced a cycle');
    this.graph.node = out;
  }
}

function collectSubgraphNames(g: OnnxTypes.IGraphProto, into: Set<string>): void {
  for (const n of g.node ?? []) {
    for (const i of n.input ?? []) if (i) into.add(i);
    for (const a of n.attribute ?? []) for (const sg of [a.g, ...(a.graphs ?? [])]) if (sg) collectSubgraphNames(sg, into);
  }
  for (const o of g.output ?? []) if (o.name) into.add(o.name);
}
