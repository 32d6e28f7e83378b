// fuseDense / fuseDenseLayers: every MatMul with a float [K, N] weight initializer becomes one
// ai.ticket_processor Dense node, with the bias Add and then the GELU or the residual Add that
// follow it absorbed, on the BERT and DistilBERT exports (as exported, and after the attention
// fusion) and on small synthetic graphs for the other forms exporters write; near misses are
// left as they are; a model where nothing matched comes back as the same bytes (and runs in
// onnxruntime-node); bad bytes are MODEL_INVALID; external data and unknown fields leave the
// model alone.
//
// onnxruntime-node does not know the Dense op, so the rewrite's wiring is checked by expanding
// each Dense node back into standard ops by the op contract, Y = activation(X . W + bias) +
// residual, and comparing with the original graph (no graph optimizations on either side). The
// addon's kernel itself is tested elsewhere.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import t, { type Test } from 'tap';

import { fuseAttention } from '../src/models/attention-fusion/index.js';
import { type DenseFusionStats, fuseDense, fuseDenseLayers, TP_DENSE_OP, TP_DOMAIN } from '../src/models/dense-fusion/index.js';
import { attr, DataType, GraphBuilder, type NodeOptions, normalArray, Rng, tensor, valueInfo } from './fixtures/onnx-builder.js';
import { checkLeftAsIs } from './fixtures/models-left-as-is.js';
import { rng, TINY_BERT, TINY_SST2 } from './helpers.js';

const { onnx } = onnxProto;
type ModelProto = OnnxTypes.ModelProto;
type NodeProto = OnnxTypes.INodeProto;

const decode = (bytes: Uint8Array): ModelProto => onnx.ModelProto.decode(bytes);
const encode = (model: ModelProto): Uint8Array => onnx.ModelProto.encode(model).finish();
const num = (v: unknown): number => (typeof v === 'object' && v !== null ? Number(String(v)) : Number(v));
const nodesOf = (m: ModelProto, opType: string, domain = ''): NodeProto[] => m.graph!.node!.filter((n) => n.opType === opType && (n.domain ?? '') === domain);
const denseNodes = (m: ModelProto) => nodesOf(m, TP_DENSE_OP, TP_DOMAIN);
const activationOf = (n: NodeProto) => new TextDecoder().decode(n.attribute!.find((a) => a.name === 'activation')!.s!);
const opTypes = (m: ModelProto) => m.graph!.node!.map((n) => n.opType).join(' ');

// The original graph is evaluated as written (no ORT fusions); one thread, so reductions run in one order.
const SESSION: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1 };
const TOLERANCE = 1e-5;

/** Every node input is a graph input, an initializer or an earlier node's output; every initializer is read; one import of the op's domain. */
function checkWellFormed(t: Test, m: ModelProto): void {
  const g = m.graph!;
  const available = new Set<string>(['', ...g.input!.map((i) => i.name!), ...g.initializer!.map((i) => i.name!)]);
  const late: string[] = [];
  const twice: string[] = [];
  for (const n of g.node!) {
    for (const i of n.input!) if (!available.has(i)) late.push(`${n.name}: ${i}`);
    for (const o of n.output!) {
      if (available.has(o)) twice.push(o);
      available.add(o);
    }
  }
  t.same(late, [], 'nodes in topological order, every input defined');
  t.same(twice, [], 'every value written once');
  const read = new Set(g.node!.flatMap((n) => [...n.input!, ...subgraphInputs(n)]));
  t.same(g.initializer!.filter((i) => !read.has(i.name!)).map((i) => i.name), [], 'no unused initializer');
  if (denseNodes(m).length > 0) {
    t.same(
      m.opsetImport!.filter((o) => o.domain === TP_DOMAIN).map((o) => num(o.version)),
      [1],
      `opset import ${TP_DOMAIN} version 1`,
    );
  }
}

function subgraphInputs(n: NodeProto): string[] {
  const subgraphs = (n.attribute ?? []).flatMap((a) => [a.g, ...(a.graphs ?? [])]);
  return subgraphs.flatMap((sg) => (sg ? sg.node!.flatMap((s) => [...s.input!, ...subgraphInputs(s)]) : []));
}

/**
 * The op contract in standard ops: each Dense node becomes MatMul, Add(bias), the exact GELU
 * as torch writes it, Add(residual), writing the Dense node's output.
 */
function expandDense(bytes: Uint8Array): Uint8Array {
  const m = decode(bytes);
  const g = m.graph!;
  const constant = (name: string, value: number) => {
    if (!g.initializer!.some((i) => i.name === name)) g.initializer!.push(tensor(name, [], new Float32Array([value])));
    return name;
  };
  let k = 0;
  g.node = g.node!.flatMap((n) => {
    if (n.opType !== TP_DENSE_OP || n.domain !== TP_DOMAIN) return [n];
    const [x, w, bias, residual] = n.input as [string, string, string, string | undefined];
    const out: NodeProto[] = [];
    let y = x;
    const add = (opType: string, inputs: string[]) => {
      const output = `expanded_${k++}`;
      out.push({ name: output, opType, input: inputs, output: [output] });
      y = output;
      return output;
    };
    add('MatMul', [y, w]);
    if (bias) add('Add', [y, bias]);
    if (activationOf(n) === 'gelu') {
      const z = y;
      const erf = add('Erf', [add('Div', [z, constant('expanded_sqrt2', Math.SQRT2)])]);
      add('Mul', [add('Mul', [z, add('Add', [erf, constant('expanded_one', 1)])]), constant('expanded_half', 0.5)]);
    }
    if (residual) add('Add', [y, residual]);
    out[out.length - 1]!.output = n.output;
    return out;
  });
  m.opsetImport = m.opsetImport!.filter((o) => o.domain !== TP_DOMAIN);
  return encode(m);
}

/** Random float inputs of the graph's static shapes; bool inputs are true. */
function randomFeeds(bytes: Uint8Array, seed: number): Record<string, ort.Tensor> {
  const next = rng(seed);
  const feeds: Record<string, ort.Tensor> = {};
  for (const vi of decode(bytes).graph!.input!) {
    const tt = vi.type!.tensorType!;
    const dims = tt.shape!.dim!.map((d) => num(d.dimValue));
    const size = dims.reduce((a, b) => a * b, 1);
    feeds[vi.name!] =
      tt.elemType === DataType.BOOL
        ? new ort.Tensor('bool', new Uint8Array(size).fill(1), dims)
        : new ort.Tensor('float32', Float32Array.from({ length: size }, () => 4 * next() - 2), dims);
  }
  return feeds;
}

/** Runs both models on the same feeds and returns the largest difference over all outputs. */
async function maxOutputDiff(a: Uint8Array, b: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<number> {
  const sa = await ort.InferenceSession.create(a, SESSION);
  const sb = await ort.InferenceSession.create(b, SESSION);
  try {
    const ra = await sa.run(feeds);
    const rb = await sb.run(feeds);
    let worst = 0;
    for (const name of sa.outputNames) {
      const x = ra[name]!.data as Float32Array;
      const y = rb[name]!.data as Float32Array;
      if (x.length !== y.length) return Infinity;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    }
    return worst;
  } finally {
    await sa.release();
    await sb.release();
  }
}

// ---------------------------------------------------------------------------------------------
// The BERT and DistilBERT fixtures

interface Role {
  bias: boolean;
  activation: 'none' | 'gelu';
  residual: boolean;
}

interface Fixture {
  name: string;
  file: string;
  layers: number;
  tokenTypes: boolean;
  /** What each dense layer of a block absorbs, by the scope of its MatMul (test-side bookkeeping only). */
  roles: (attentionFused: boolean) => Record<string, Role>;
  /** Dense layers whose residual is the input X of another one: the block input, the attention output. */
  residualIsInputOf: Record<string, string>;
  /** Gemm heads (nn.Linear on 2-D inputs): not MatMul, not fused. */
  gemms: number;
}

const projection = (attentionFused: boolean): Role => ({ bias: !attentionFused, activation: 'none', residual: false });
const withResidual: Role = { bias: true, activation: 'none', residual: true };
const withGelu: Role = { bias: true, activation: 'gelu', residual: false };

const BERT: Fixture = {
  name: 'tiny-bert',
  file: path.join(TINY_BERT, 'onnx', 'model.onnx'),
  layers: 2,
  tokenTypes: true,
  // After the attention fusion MaskedSelfAttention reads the Q/K/V products before their bias
  // (it adds the biases itself), so those MatMuls become Dense nodes without one.
  roles: (fused) => ({
    'attention/self/query': projection(fused),
    'attention/self/key': projection(fused),
    'attention/self/value': projection(fused),
    'attention/output/dense': withResidual,
    'intermediate/dense': withGelu,
    'output/dense': withResidual,
  }),
  residualIsInputOf: { 'attention/output/dense': 'attention/self/query', 'output/dense': 'intermediate/dense' },
  gemms: 0,
};

const DISTILBERT: Fixture = {
  name: 'tiny-distilbert-sst2',
  file: path.join(TINY_SST2, 'onnx', 'model.onnx'),
  layers: 2,
  tokenTypes: false,
  roles: (fused) => ({
    'attention/q_lin': projection(fused),
    'attention/k_lin': projection(fused),
    'attention/v_lin': projection(fused),
    'attention/out_lin': withResidual,
    'ffn/lin1': withGelu,
    'ffn/lin2': withResidual,
  }),
  residualIsInputOf: { 'attention/out_lin': 'attention/q_lin', 'ffn/lin2': 'ffn/lin1' },
  gemms: 2,
};

const bytesOf = (file: string) => new Uint8Array(readFileSync(file));

function expectedStats(f: Fixture, attentionFused: boolean): DenseFusionStats {
  const roles = Object.values(f.roles(attentionFused));
  const count = (p: (r: Role) => boolean) => f.layers * roles.filter(p).length;
  return { fused: count(() => true), withBias: count((r) => r.bias), withGelu: count((r) => r.activation === 'gelu'), withResidual: count((r) => r.residual) };
}

/** Token ids, a padded second row, token types when the model has them. */
function fixtureFeeds(f: Fixture): Record<string, ort.Tensor> {
  const next = rng(37);
  const [b, s] = [3, 9];
  const ids = BigInt64Array.from({ length: b * s }, (_, i) => (i % s === 0 ? 101n : BigInt(1000 + Math.floor(next() * 20000))));
  const mask = BigInt64Array.from({ length: b * s }, (_, i) => (Math.floor(i / s) === 1 && i % s >= 4 ? 0n : 1n));
  const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [b, s]), attention_mask: new ort.Tensor('int64', mask, [b, s]) };
  if (f.tokenTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(b * s), [b, s]);
  return feeds;
}

t.test('tiny BERT and DistilBERT: one Dense node per dense layer, as exported and after the attention fusion', async (t) => {
  for (const f of [BERT, DISTILBERT]) {
    const original = bytesOf(f.file);
    const originalProducers = new Map(decode(original).graph!.node!.flatMap((n) => n.output!.map((o) => [o, n.opType] as const)));
    for (const attentionFused of [false, true]) {
      const what = `${f.name} ${attentionFused ? 'after fuseAttention' : 'as exported'}`;
      const input = attentionFused ? fuseAttention(original).model : original;
      const expected = expectedStats(f, attentionFused);

      // fuseDenseLayers rewrites a decoded model in place; fuseDense is the same in bytes.
      const decoded = decode(input);
      t.same(fuseDenseLayers(decoded), expected, `${what}: stats`);
      const { model, fused, skipped } = fuseDense(input);
      t.equal(fused, expected.fused, `${what}: fused ${fused}`);
      t.equal(skipped, undefined);
      t.ok(Buffer.from(model).equals(encode(decoded)), 'fuseDense = decode, fuseDenseLayers, encode');

      const m = decode(model);
      const g = m.graph!;
      const inits = new Map(g.initializer!.map((i) => [i.name!, i]));
      const dense = denseNodes(m);
      t.equal(dense.length, expected.fused, `${what}: ${expected.fused} Dense nodes`);
      const byRole = new Map<string, NodeProto>();
      for (const n of dense) {
        const [, layer, role] = /layer\.(\d+)\/(.+)\/Dense$/.exec(n.name!) ?? [];
        const r = f.roles(attentionFused)[role ?? ''];
        if (!r) {
          t.fail(`${n.name}: not a dense layer of the block`);
          continue;
        }
        byRole.set(`${layer}:${role}`, n);
        const [, w, bias, residual] = n.input as [string, string, string, string | undefined];
        const wDims = inits.get(w)?.dims?.map(num);
        t.equal(wDims?.length, 2, `${n.name}: W a rank-2 initializer`);
        t.equal(n.input!.length, r.residual ? 4 : 3, `${n.name}: [X, W, bias${r.residual ? ', residual' : ''}]`);
        if (r.bias) t.same(inits.get(bias)?.dims?.map(num), [wDims?.[1]], `${n.name}: bias [N]`);
        else t.equal(bias, '', `${n.name}: no bias`);
        t.equal(activationOf(n), r.activation, `${n.name}: activation ${r.activation}`);
        if (r.residual) t.notOk(inits.has(residual!), `${n.name}: residual a runtime tensor`);
        // The chain's last node's output: its readers are unchanged.
        const last = r.residual ? 'Add' : r.activation === 'gelu' ? 'Mul' : r.bias ? 'Add' : 'MatMul';
        t.equal(originalProducers.get(n.output![0]!), last, `${n.name}: writes the original ${last} output`);
      }
      for (let l = 0; l < f.layers; l++) {
        for (const [role, inputOf] of Object.entries(f.residualIsInputOf)) {
          const n = byRole.get(`${l}:${role}`);
          const other = byRole.get(`${l}:${inputOf}`);
          t.ok(n && other && n.input![3] === other.input![0], `layer ${l} ${role}: the residual is ${inputOf}'s input X`);
        }
      }
      t.equal(nodesOf(m, 'MatMul').filter((n) => inits.has(n.input![1]!)).length, 0, 'no MatMul with an initializer weight left');
      t.equal(nodesOf(m, 'Erf').length, 0, 'no Erf left');
      t.equal(nodesOf(m, 'Gemm').length, f.gemms, `${f.gemms} Gemm heads kept (not MatMul)`);
      checkWellFormed(t, m);

      const again = fuseDense(model);
      t.equal(again.fused, 0, 'a fused model has nothing left to fuse');
      t.equal(again.model, model, 'the same bytes');
    }
  }
});

t.test('the rewritten fixtures, Dense expanded by the op contract, give the original outputs', async (t) => {
  for (const f of [BERT, DISTILBERT]) {
    const original = bytesOf(f.file);
    // MultiHeadAttention (the ort-contrib target) runs in onnxruntime-node; MaskedSelfAttention would not.
    const { model } = fuseDense(fuseAttention(original, 'ort-contrib').model);
    const diff = await maxOutputDiff(original, expandDense(model), fixtureFeeds(f));
    t.ok(diff <= TOLERANCE, `${f.name}: max abs diff ${diff} (<= ${TOLERANCE})`);
    // Control: the same rewrite with its GELUs dropped differs visibly, so the comparison sees wiring errors.
    const m = decode(model);
    for (const n of denseNodes(m)) n.attribute = [{ ...n.attribute![0]!, s: new TextEncoder().encode('none') }];
    const control = await maxOutputDiff(original, expandDense(encode(m)), fixtureFeeds(f));
    t.ok(control > 1000 * TOLERANCE, `${f.name}: control without GELU differs by ${control}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Synthetic graphs: x [2, 3, K] . W [K, N], then whatever the case adds.

const K = 4;
const N = 5;

interface Synth {
  g: GraphBuilder;
  x: string;
  /** A float initializer of normal values. */
  init(name: string, dims: number[]): string;
  /** A float graph input. */
  input(name: string, dims: number[]): string;
  op(opType: string, inputs: string[], opts?: NodeOptions): string;
  /** A scalar float: an initializer, or (`node`) a Constant node as torch writes literals. */
  c(value: number, node?: boolean): string;
  /** MatMul(x, W) with W [K, N] an initializer. */
  matmul(w?: string): string;
  /** Add(bias, product): torch's order. */
  biased(product: string, bias?: string): string;
}

function synthetic(build: (s: Synth) => string | string[], opsets: Record<string, number> = { '': 17 }): Uint8Array {
  const g = new GraphBuilder('synthetic');
  const next = new Rng(37);
  let constants = 0;
  const s: Synth = {
    g,
    x: g.input('x', DataType.FLOAT, [2, 3, K]),
    init: (name, dims) => g.initializer(name, dims, normalArray(next, dims.reduce((a, b) => a * b, 1), 0.5)),
    input: (name, dims) => g.input(name, DataType.FLOAT, dims),
    op: (opType, inputs, opts = {}) => g.node(opType, inputs, opts),
    c: (value, node = false) => (node ? g.constant(`Constant_${constants++}`, [], new Float32Array([value])) : g.constFloat(value)),
    matmul: (w) => g.node('MatMul', [s.x, w ?? s.init(`W${constants++}`, [K, N])]),
    biased: (product, bias) => g.node('Add', [bias ?? s.init(`b${constants++}`, [N]), product]),
  };
  for (const o of [build(s)].flat()) g.output(o, DataType.FLOAT, ['d0', 'd1', 'd2']);
  return g.toModelBytes({ opsets });
}

interface GeluOptions {
  divisor?: number;
  one?: number;
  /** Constants as Constant nodes (torch) rather than initializers. */
  nodes?: boolean;
}

/** torch.onnx's exact GELU: Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5). */
function torchGelu(s: Synth, x: string, o: GeluOptions = {}): string {
  const erf = s.op('Erf', [s.op('Div', [x, s.c(o.divisor ?? Math.SQRT2, o.nodes)])]);
  return s.op('Mul', [s.op('Mul', [x, s.op('Add', [erf, s.c(o.one ?? 1, o.nodes)])]), s.c(0.5, o.nodes)]);
}

/** The other forms: Mul by 1/sqrt(2) (constant first), Add(1, e), Mul(a, Mul(0.5, x)). */
function otherGelu(s: Synth, x: string): string {
  const a = s.op('Add', [s.c(1), s.op('Erf', [s.op('Mul', [s.c(Math.SQRT1_2), x])])]);
  return s.op('Mul', [a, s.op('Mul', [s.c(0.5), x])]);
}

/** An If whose branches both read `outer` (an outer-scope value), returning it. */
function ifReading(s: Synth, outer: string): string {
  const cond = s.g.input('cond', DataType.BOOL, [1]);
  const out = s.op('If', [cond]);
  const branch = (name: string): OnnxTypes.IGraphProto => ({
    name,
    node: [{ name: `${name}/Identity`, opType: 'Identity', input: [outer], output: [`${name}_out`] }],
    output: [valueInfo(`${name}_out`, DataType.FLOAT, ['d0', 'd1', 'd2'])],
  });
  const GRAPH = onnx.AttributeProto.AttributeType.GRAPH;
  s.g.nodes[s.g.nodes.length - 1]!.attribute = [
    { name: 'then_branch', type: GRAPH, g: branch('then') },
    { name: 'else_branch', type: GRAPH, g: branch('else') },
  ];
  return out;
}

interface Case {
  what: string;
  bytes: Uint8Array;
  /** The Dense nodes written, in graph order: 'b' bias, 'g' gelu, 'r' residual, '-' none of them. */
  dense: string[];
  /** The op types of the rewritten graph in node order. */
  after: string;
  /** false: the original graph is not a valid model at run time (shapes that do not broadcast). */
  runs?: boolean;
}

const denseSummary = (n: NodeProto) =>
  `${n.input![2] ? 'b' : ''}${activationOf(n) === 'gelu' ? 'g' : ''}${n.input![3] ? 'r' : ''}` || '-';

const ACCEPTED: Case[] = [
  {
    what: 'Add(product, bias): bias second',
    bytes: synthetic((s) => s.op('Add', [s.matmul(), s.init('b', [N])])),
    dense: ['b'],
    after: 'Dense',
  },
  {
    what: "torch's GELU with Constant-node literals",
    bytes: synthetic((s) => torchGelu(s, s.biased(s.matmul()), { nodes: true })),
    dense: ['bg'],
    after: 'Dense',
  },
  {
    what: 'GELU as Mul(1/sqrt 2, x), Add(1, e), Mul(a, Mul(0.5, x))',
    bytes: synthetic((s) => otherGelu(s, s.biased(s.matmul()))),
    dense: ['bg'],
    after: 'Dense',
  },
  {
    what: 'ONNX Gelu (opset 20), no approximate attribute',
    bytes: synthetic((s) => s.op('Gelu', [s.biased(s.matmul())]), { '': 20 }),
    dense: ['bg'],
    after: 'Dense',
  },
  {
    what: 'ONNX Gelu (opset 20), approximate="none"',
    bytes: synthetic((s) => s.op('Gelu', [s.biased(s.matmul())], { attrs: { approximate: attr.string('none') } }), { '': 20 }),
    dense: ['bg'],
    after: 'Dense',
  },
  {
    what: 'com.microsoft Gelu',
    bytes: synthetic((s) => s.op('Gelu', [s.biased(s.matmul())], { domain: 'com.microsoft' }), { '': 17, 'com.microsoft': 1 }),
    dense: ['bg'],
    after: 'Dense',
  },
  {
    what: 'Add(residual, dense): residual first',
    bytes: synthetic((s) => s.op('Add', [s.input('r', [2, 3, N]), s.biased(s.matmul())])),
    dense: ['br'],
    after: 'Dense',
  },
  {
    what: 'a residual computed after the MatMul: the Dense node moves after it',
    bytes: synthetic((s) => {
      const product = s.matmul();
      const r = s.op('Relu', [s.input('r', [2, 3, N])]);
      return s.op('Add', [s.biased(product), r]);
    }),
    dense: ['br'],
    after: 'Relu Dense',
  },
  {
    what: 'Add(dense1, dense2): the first takes the Add, the second stops at its bias',
    bytes: synthetic((s) => s.op('Add', [s.biased(s.matmul()), s.biased(s.matmul())])),
    dense: ['b', 'br'],
    after: 'Dense Dense',
  },
  {
    what: 'no bias: the MatMul alone',
    bytes: synthetic((s) => s.op('Relu', [s.matmul()])),
    dense: ['-'],
    after: 'Dense Relu',
  },
  {
    what: 'no bias, then GELU: nothing absorbed (a bias comes first)',
    bytes: synthetic((s) => torchGelu(s, s.matmul())),
    dense: ['-'],
    after: 'Dense Div Erf Add Mul Mul',
  },
];

const NEAR_MISSES: Case[] = [
  {
    what: 'weight a graph input',
    bytes: synthetic((s) => s.biased(s.g.node('MatMul', [s.x, s.input('W', [K, N])]))),
    dense: [],
    after: 'MatMul Add',
  },
  {
    what: 'weight an initializer that is also a graph input (overridable)',
    bytes: (() => {
      const m = decode(synthetic((s) => s.biased(s.matmul(s.init('W', [K, N])))));
      m.graph!.input!.push(valueInfo('W', DataType.FLOAT, [K, N]));
      return encode(m);
    })(),
    dense: [],
    after: 'MatMul Add',
  },
  {
    what: 'weight of rank 3 ([1, K, N], a batched MatMul)',
    bytes: synthetic((s) => s.biased(s.matmul(s.init('W', [1, K, N])))),
    dense: [],
    after: 'MatMul Add',
  },
  {
    what: 'bias [1, N]',
    bytes: synthetic((s) => s.biased(s.matmul(), s.init('b', [1, N]))),
    dense: ['-'],
    after: 'Dense Add',
  },
  {
    what: 'bias [N + 1]',
    bytes: synthetic((s) => s.biased(s.matmul(), s.init('b', [N + 1]))),
    dense: ['-'],
    after: 'Dense Add',
    runs: false,
  },
  {
    // The Dense node writes that graph output itself; what follows a graph output is not absorbed.
    what: 'bias Add output also a graph output, then GELU',
    bytes: synthetic((s) => {
      const biased = s.biased(s.matmul());
      return [biased, torchGelu(s, biased)];
    }),
    dense: ['b'],
    after: 'Dense Div Erf Add Mul Mul',
  },
  {
    what: 'MatMul output also a graph output',
    bytes: synthetic((s) => {
      const product = s.matmul();
      return [product, s.biased(product)];
    }),
    dense: ['-'],
    after: 'Dense Add',
  },
  {
    what: 'MatMul output read by two nodes',
    bytes: synthetic((s) => {
      const product = s.matmul();
      return [s.biased(product), s.op('Relu', [product])];
    }),
    dense: ['-'],
    after: 'Dense Add Relu',
  },
  {
    what: 'MatMul output read inside a subgraph',
    bytes: synthetic((s) => {
      const product = s.matmul();
      return [s.biased(product), ifReading(s, product)];
    }),
    dense: ['-'],
    after: 'Dense Add If',
  },
  {
    what: 'bias Add output read inside a subgraph, then a residual Add',
    bytes: synthetic((s) => {
      const biased = s.biased(s.matmul());
      return [s.op('Add', [biased, s.input('r', [2, 3, N])]), ifReading(s, biased)];
    }),
    dense: ['b'],
    after: 'Dense Add If',
  },
  {
    what: 'GELU dividing by 2',
    bytes: synthetic((s) => torchGelu(s, s.biased(s.matmul()), { divisor: 2 })),
    dense: ['b'],
    after: 'Dense Div Erf Add Mul Mul',
  },
  {
    what: 'GELU with Add(e, 0.5)',
    bytes: synthetic((s) => torchGelu(s, s.biased(s.matmul()), { one: 0.5 })),
    dense: ['b'],
    after: 'Dense Div Erf Add Mul Mul',
  },
  {
    what: 'GELU whose Erf is also a graph output',
    bytes: synthetic((s) => {
      const x = s.biased(s.matmul());
      const out = torchGelu(s, x);
      return [out, s.g.nodes.find((n) => n.opType === 'Erf')!.output![0]!];
    }),
    dense: ['b'],
    after: 'Dense Div Erf Add Mul Mul',
  },
  {
    what: 'ONNX Gelu approximate="tanh"',
    bytes: synthetic((s) => s.op('Gelu', [s.biased(s.matmul())], { attrs: { approximate: attr.string('tanh') } }), { '': 20 }),
    dense: ['b'],
    after: 'Dense Gelu',
  },
  {
    what: 'residual Add of a constant initializer (a second bias)',
    bytes: synthetic((s) => s.op('Add', [s.biased(s.matmul()), s.init('b2', [N])])),
    dense: ['b'],
    after: 'Dense Add',
  },
  {
    what: 'residual Add of a Constant node (a second bias)',
    bytes: synthetic((s) => s.op('Add', [s.biased(s.matmul()), s.g.constant('b2', [N], new Float32Array(N).fill(0.25))])),
    dense: ['b'],
    after: 'Dense Constant Add',
  },
];

async function checkCase(t: Test, c: Case, seed: number): Promise<void> {
  const result = fuseDense(c.bytes);
  t.equal(result.fused, c.dense.length, `${c.what}: fused ${c.dense.length}`);
  if (c.dense.length === 0) t.equal(result.model, c.bytes, `${c.what}: the same bytes`);
  const m = decode(result.model);
  t.same(denseNodes(m).map(denseSummary), c.dense, `${c.what}: Dense ${c.dense.join(', ') || 'none'}`);
  t.equal(opTypes(m), c.after, `${c.what}: ${c.after}`);
  checkWellFormed(t, m);
  if (c.runs === false) return;
  // The original is a valid model, and the rewrite (expanded) computes what it computes.
  const diff = await maxOutputDiff(c.bytes, expandDense(result.model), randomFeeds(c.bytes, seed));
  t.ok(diff <= TOLERANCE, `${c.what}: outputs differ by ${diff}`);
}

t.test('accepted forms', async (t) => {
  let seed = 1;
  for (const c of ACCEPTED) await checkCase(t, c, seed++);
});

t.test('near misses are left alone', async (t) => {
  let seed = 100;
  for (const c of NEAR_MISSES) await checkCase(t, c, seed++);
});

t.test('a model where nothing matched is returned as the same bytes', async (t) => {
  // The int8 exports: every projection is a MatMulInteger, the heads Gemm.
  for (const f of [BERT, DISTILBERT]) {
    const q8 = bytesOf(f.file.replace(/model\.onnx$/, 'model_quantized.onnx'));
    const r = fuseDense(q8);
    t.equal(r.fused, 0, `${f.name} q8: nothing fused`);
    t.equal(r.model, q8, 'the same bytes');
    t.equal(r.skipped, undefined, 'not "skipped": there was just nothing to fuse');
    const session = await ort.InferenceSession.create(r.model, SESSION);
    const out = await session.run(fixtureFeeds(f));
    t.ok(Object.values(out).every((v) => (v.data as Float32Array).every(Number.isFinite)), `${f.name} q8: still runs in onnxruntime-node`);
    await session.release();
  }
});

t.test('bad bytes are MODEL_INVALID; external data and unknown fields leave the model as it is', async (t) => {
  const next = rng(37);
  const garbage = Uint8Array.from({ length: 4096 }, () => Math.floor(next() * 256));
  for (const [what, bytes] of [
    ['random bytes', garbage],
    ['a truncated model', bytesOf(BERT.file).subarray(0, 100_000)],
    ['no bytes', new Uint8Array(0)],
  ] as const) {
    t.throws(() => fuseDense(bytes), { name: 'TicketProcessorError', code: 'MODEL_INVALID', message: /probably truncated or corrupt/ }, what);
  }
  t.throws(() => fuseDense('model.onnx' as unknown as Uint8Array), { code: 'INPUT_INVALID' }, 'not bytes');

  checkLeftAsIs(t, fuseDense, bytesOf(BERT.file));
});
