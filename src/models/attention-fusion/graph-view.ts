// A mutable view of the main graph of an ONNX model for the load-time attention fusion: who
// produces and who consumes each value, constant values (initializers and Constant nodes), node
// replacement, removal of the nodes a rewrite orphaned, and a topological-order check.
//
// Only the main graph is rewritten. Names read inside subgraphs (If/Loop/Scan bodies) and graph
// outputs are "pinned": nothing they read is ever removed.
//
// Adapted from the earlier graph-rewrite experiment (git show 46213a0^:src/models/graph-rewrite/graph.ts).

import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

export type NodeProto = OnnxTypes.INodeProto;
export type TensorProto = OnnxTypes.ITensorProto;
export type ModelProto = OnnxTypes.ModelProto;
export type ValueInfoProto = OnnxTypes.IValueInfoProto;

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

export function attrFloat(node: NodeProto, name: string): number | undefined {
  const a = attr(node, name);
  return a && a.f !== undefined && a.f !== null ? a.f : undefined;
}

/**
 * True for `opType` in the default ONNX domain ('' or 'ai.onnx'). The narrowed type is a subtype
 * of NodeProto so that a false result narrows nothing away (the node may be another op).
 */
export function isOnnxOp(node: NodeProto | undefined, opType: string): node is NodeProto & { opType: string } {
  return node !== undefined && node.opType === opType && (!node.domain || node.domain === 'ai.onnx');
}

/** The input of a two-input node other than `name`; undefined unless `name` is exactly one of the two. */
export function otherInput(node: NodeProto, name: string): string | undefined {
  if (node.input?.length !== 2) return undefined;
  const [a, b] = node.input as [string, string];
  if (a === name && b !== name) return b;
  if (b === name && a !== name) return a;
  return undefined;
}

export function sameInts(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
}

export interface ConstantTensor {
  dims: number[];
  dataType: number;
  tensor: TensorProto;
}

export function isExternal(t: TensorProto): boolean {
  return t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
}

/** Reads the elements of a numeric tensor; undefined for external data or unsupported types. */
export function tensorValues(t: TensorProto): number[] | undefined {
  if (isExternal(t)) return undefined;
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

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): TensorProto {
  const data = Float32Array.from(values);
  return { name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer) };
}

/**
 * Imports `domain` at `version` unless the model already imports it at that version or later:
 * ONNX Runtime resolves a node's op by its domain's imported version, and a custom op registered
 * "since version 1" is found for any version >= 1.
 */
export function ensureOpsetImport(model: ModelProto, domain: string, version = 1): void {
  const imports = (model.opsetImport ??= []);
  if (!imports.some((o) => o.domain === domain && toNumber(o.version) >= version)) imports.push({ domain, version });
}

export class GraphView {
  readonly model: ModelProto;
  readonly graph: OnnxTypes.IGraphProto;
  /** Version of the default ONNX domain. */
  readonly opset: number;
  readonly producer = new Map<string, NodeProto>();
  private readonly consumers = new Map<string, NodeProto[]>();
  /** Names read inside subgraphs, or graph outputs: never removed. */
  private readonly pinned = new Set<string>();
  private readonly initializers = new Map<string, TensorProto>();
  private readonly graphInputs = new Map<string, ValueInfoProto>();
  private readonly names = new Set<string>();
  private readonly nodeNames = new Set<string>();

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

  /** Recomputes every index; call after editing nodes or initializers. */
  refresh(): void {
    this.producer.clear();
    this.consumers.clear();
    this.initializers.clear();
    this.graphInputs.clear();
    this.pinned.clear();
    this.names.clear();
    this.nodeNames.clear();
    for (const t of this.graph.initializer ?? []) {
      this.initializers.set(t.name!, t);
      this.names.add(t.name!);
    }
    for (const vi of this.graph.input ?? []) {
      this.graphInputs.set(vi.name!, vi);
      this.names.add(vi.name!);
    }
    for (const vi of this.graph.output ?? []) this.pinned.add(vi.name!);
    for (const n of this.nodes) {
      if (n.name) this.nodeNames.add(n.name);
      for (const o of n.output ?? []) {
        if (!o) continue;
        this.producer.set(o, n);
        this.names.add(o);
      }
      for (const i of n.input ?? []) {
        if (!i) continue;
        let list = this.consumers.get(i);
        if (!list) this.consumers.set(i, (list = []));
        if (!list.includes(n)) list.push(n);
      }
      for (const a of n.attribute ?? []) {
        for (const sg of [a.g, ...(a.graphs ?? [])]) if (sg) collectSubgraphNames(sg, this.pinned);
      }
    }
  }

  /** A graph input that is not also an initializer (those are overridable constants). */
  graphInput(name: string): ValueInfoProto | undefined {
    return this.initializers.has(name) ? undefined : this.graphInputs.get(name);
  }

  /** Every initializer, including ones stored as external data, and Constant-node tensors. */
  allTensors(): TensorProto[] {
    const out = [...(this.graph.initializer ?? [])];
    for (const n of this.nodes) for (const a of n.attribute ?? []) if (a.t) out.push(a.t);
    return out;
  }

  /**
   * A constant: an initializer that is not also a graph input (those are overridable defaults),
   * or the output of a Constant node with a `value` tensor.
   */
  constant(name: string | undefined): ConstantTensor | undefined {
    if (!name) return undefined;
    const init = this.initializers.get(name);
    if (init) {
      if (this.graphInputs.has(name)) return undefined;
      return { dims: (init.dims ?? []).map(toNumber), dataType: init.dataType ?? 0, tensor: init };
    }
    const p = this.producer.get(name);
    if (isOnnxOp(p, 'Constant') && (p.attribute?.length ?? 0) === 1) {
      const t = attr(p, 'value')?.t;
      if (t) return { dims: (t.dims ?? []).map(toNumber), dataType: t.dataType ?? 0, tensor: t };
    }
    return undefined;
  }

  constantValues(name: string | undefined): number[] | undefined {
    const c = this.constant(name);
    return c ? tensorValues(c.tensor) : undefined;
  }

  /** The element of a one-element constant of rank <= `maxRank` (so broadcasting it keeps any shape of that rank). */
  constantScalar(name: string | undefined, dataType: number, maxRank = 1): number | undefined {
    const c = this.constant(name);
    if (!c || c.dataType !== dataType || c.dims.length > maxRank || c.dims.some((d) => d !== 1)) return undefined;
    return tensorValues(c.tensor)?.[0];
  }

  consumersOf(name: string): NodeProto[] {
    return this.consumers.get(name) ?? [];
  }

  /** A graph output or a name read inside a subgraph: something outside the main graph's nodes reads it. */
  isPinned(name: string): boolean {
    return this.pinned.has(name);
  }

  /** The one node that reads `name`, when nothing else does (no other node, not a graph output, no subgraph). */
  soleConsumer(name: string): NodeProto | undefined {
    const consumers = this.consumersOf(name);
    return consumers.length === 1 && !this.pinned.has(name) ? consumers[0] : undefined;
  }

  /** A value name not used anywhere in the main graph yet. */
  uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  uniqueNodeName(base: string): string {
    let name = base;
    for (let k = 1; this.nodeNames.has(name); k++) name = `${base}_${k}`;
    this.nodeNames.add(name);
    return name;
  }

  addInitializer(t: TensorProto): string {
    const name = this.uniqueName(t.name!);
    const tensor = { ...t, name };
    this.graph.initializer!.push(tensor);
    this.initializers.set(name, tensor);
    return name;
  }

  /** Puts `node` where `old` was. Indexes are stale until `refresh()`. */
  replaceNode(old: NodeProto, node: NodeProto): void {
    const at = this.nodes.indexOf(old);
    if (at < 0) throw new Error('replaceNode: node not in the graph');
    this.nodes[at] = node;
  }

  /** Inserts `node` at `index` (0: first). Indexes are stale until `refresh()`. */
  insertNode(index: number, node: NodeProto): void {
    this.nodes.splice(index, 0, node);
  }

  /**
   * Removes the nodes none of whose outputs is used any more, starting from `candidates` and
   * walking up to their producers: only what a rewrite orphaned, so dead code that was already in
   * the model stays as it was. Initializers only the removed nodes read are dropped, and so are
   * the value_info entries of removed values. Returns the number of nodes removed.
   */
  removeDead(candidates: Iterable<NodeProto>): number {
    const present = new Set(this.nodes);
    const dead = new Set<NodeProto>();
    const queue = [...candidates];
    const isUsed = (name: string) => this.pinned.has(name) || this.consumersOf(name).some((c) => present.has(c) && !dead.has(c));
    const maybeDeadInits = new Set<string>();
    // A node is re-queued each time one of its consumers dies, so it is examined again once the
    // last of them has: the visiting order does not matter.
    while (queue.length) {
      const n = queue.pop()!;
      if (dead.has(n) || !present.has(n)) continue;
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
    const removedValues = new Set<string>();
    for (const n of dead) for (const o of n.output ?? []) if (o) removedValues.add(o);
    this.graph.node = this.nodes.filter((n) => !dead.has(n));
    this.refresh();
    const drop = new Set(
      [...maybeDeadInits].filter((name) => !this.pinned.has(name) && this.consumersOf(name).length === 0 && !this.graphInputs.has(name)),
    );
    if (drop.size) this.graph.initializer = this.graph.initializer!.filter((t) => !drop.has(t.name!));
    if (this.graph.valueInfo?.length) {
      this.graph.valueInfo = this.graph.valueInfo.filter((vi) => !removedValues.has(vi.name ?? '') || this.producer.has(vi.name ?? ''));
    }
    this.refresh();
    return dead.size;
  }

  /** True when every node's inputs are graph inputs, initializers, or outputs of earlier nodes. */
  isTopologicallySorted(): boolean {
    const available = new Set<string>(['', ...this.initializers.keys(), ...this.graphInputs.keys()]);
    for (const n of this.nodes) {
      for (const i of n.input ?? []) {
        // Values no main-graph node produces (outer-scope names of a subgraph) are not ordered here.
        if (!available.has(i) && this.producer.has(i)) return false;
      }
      for (const o of n.output ?? []) if (o) available.add(o);
    }
    return true;
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
    const available = new Set<string>(['', ...this.initializers.keys(), ...this.graphInputs.keys()]);
    const ready: NodeProto[] = [];
    for (const n of nodes) {
      const missing = new Set((n.input ?? []).filter((i) => !available.has(i) && this.producer.has(i)));
      pending.set(n, missing.size);
      for (const m of missing) {
        let w = waiting.get(m);
        if (!w) waiting.set(m, (w = []));
        w.push(n);
      }
      if (missing.size === 0) ready.push(n);
    }
    const out: NodeProto[] = [];
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
