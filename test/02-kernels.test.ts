// The addon's own kernels, every runnable variant, against plain double-precision JavaScript.
import t from 'tap';

import { loadAddon } from '../src/native/load-addon.js';
import { maxAbsDiff, rng, runnableVariants } from './helpers.js';

function randomArray(n: number, next: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = next() * 2 - 1;
  return a;
}

function refMeanPool(h: Float32Array, mask: BigInt64Array, batch: number, seq: number, dim: number): Float64Array {
  const out = new Float64Array(batch * dim);
  for (let b = 0; b < batch; b++) {
    let count = 0;
    for (let s = 0; s < seq; s++) {
      if (mask[b * seq + s] === 0n) continue;
      count++;
      for (let d = 0; d < dim; d++) out[b * dim + d]! += h[(b * seq + s) * dim + d]!;
    }
    for (let d = 0; d < dim; d++) out[b * dim + d]! /= Math.max(count, 1);
  }
  return out;
}

for (const variant of runnableVariants()) {
  const { kernels } = loadAddon(variant).addon;

  t.test(`${variant}: dot and dotRows`, async (t) => {
    const next = rng(1);
    for (const n of [0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 384, 385, 1000]) {
      const a = randomArray(n, next);
      const b = randomArray(n, next);
      let ref = 0;
      for (let i = 0; i < n; i++) ref += a[i]! * b[i]!;
      t.ok(Math.abs(kernels.dot(a, b) - ref) <= 1e-5 * Math.max(1, Math.sqrt(n)), `dot n=${n}`);
    }
    const dim = 384;
    const q = randomArray(dim, next);
    const m = randomArray(dim * 11, next);
    const out = new Float32Array(11);
    kernels.dotRows(q, m, out);
    const ref = Array.from({ length: 11 }, (_, r) => q.reduce((s, x, i) => s + x * m[r * dim + i]!, 0));
    t.ok(maxAbsDiff(out, ref) < 1e-4, 'dotRows matches');
  });

  t.test(`${variant}: masked mean pooling`, async (t) => {
    const next = rng(2);
    for (const [batch, seq, dim] of [[1, 1, 1], [3, 5, 7], [4, 9, 384], [2, 17, 385], [5, 33, 16]] as const) {
      const h = randomArray(batch * seq * dim, next);
      const mask = new BigInt64Array(batch * seq);
      for (let b = 0; b < batch; b++) {
        const len = 1 + Math.floor(next() * seq); // right-padded, at least one real token
        for (let s = 0; s < len; s++) mask[b * seq + s] = 1n;
      }
      if (batch > 2) mask.fill(0n, seq, 2 * seq); // a row with no tokens at all: defined as zeros
      const out = new Float32Array(batch * dim);
      kernels.meanPool(h, mask, batch, seq, dim, out);
      t.ok(maxAbsDiff(out, refMeanPool(h, mask, batch, seq, dim)) < 1e-5, `[${batch},${seq},${dim}]`);
    }
  });

  t.test(`${variant}: L2 normalization`, async (t) => {
    const next = rng(3);
    for (const dim of [1, 5, 16, 384, 385]) {
      const rows = randomArray(dim * 6, next);
      rows.fill(0, 0, dim); // an all-zero row stays zero (eps, as torch's normalize)
      const ref = Array.from(rows);
      for (let r = 0; r < 6; r++) {
        const norm = Math.sqrt(ref.slice(r * dim, (r + 1) * dim).reduce((s, x) => s + x * x, 0));
        for (let d = 0; d < dim; d++) ref[r * dim + d] = ref[r * dim + d]! / Math.max(norm, 1e-12);
      }
      kernels.l2Normalize(rows, dim);
      t.ok(maxAbsDiff(rows, ref) < 1e-6, `dim ${dim}`);
    }
  });

  t.test(`${variant}: softmax`, async (t) => {
    const next = rng(4);
    for (const n of [1, 2, 3, 7, 16, 17, 100, 50265]) {
      const x = randomArray(n, next).map((v) => v * 30); // logits spanning ~[-30, 30]
      const out = new Float32Array(n);
      kernels.softmax(x, out);
      const max = Math.max(...x);
      const exps = Array.from(x, (v) => Math.exp(v - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      let worstRel = 0;
      for (let i = 0; i < n; i++) {
        const ref = exps[i]! / sum;
        if (ref > 1e-30) worstRel = Math.max(worstRel, Math.abs(out[i]! - ref) / ref);
      }
      t.ok(worstRel < 1e-5, `n=${n}: relative error ${worstRel.toExponential(2)}`);
    }
    const masked = new Float32Array([-Infinity, 2, -Infinity, 2]);
    const out = new Float32Array(4);
    kernels.softmax(masked, out);
    t.same(Array.from(out), [0, 0.5, 0, 0.5], 'masked (-inf) entries get exactly 0');
    kernels.softmax(new Float32Array([-Infinity, -Infinity]), out.subarray(0, 2));
    t.same(Array.from(out.subarray(0, 2)), [0.5, 0.5], 'all masked: uniform, not NaN');
    kernels.softmax(new Float32Array([1, NaN]), out.subarray(0, 2));
    t.ok(out.subarray(0, 2).every((v) => Number.isFinite(v)), 'a NaN logit does not poison the output');
  });

  t.test(`${variant}: log-softmax and top-k`, async (t) => {
    const next = rng(5);
    for (const n of [1, 5, 16, 33, 50265]) {
      const x = randomArray(n, next).map((v) => v * 20);
      const out = new Float32Array(n);
      kernels.logSoftmax(x, out);
      const max = Math.max(...x);
      const lse = max + Math.log(Array.from(x).reduce((s, v) => s + Math.exp(v - max), 0));
      t.ok(maxAbsDiff(out, Array.from(x, (v) => v - lse)) < 1e-4, `logSoftmax n=${n}`);
    }
    const masked = new Float32Array([0, -Infinity, 0]);
    const lo = new Float32Array(3);
    kernels.logSoftmax(masked, lo);
    t.same(Array.from(lo), [Math.log(0.5), -Infinity, Math.log(0.5)].map(Math.fround), '-inf stays -inf');

    for (const [n, k] of [[10, 3], [50265, 8], [50265, 1], [7, 10], [1000, 1000]] as const) {
      const x = randomArray(n, next);
      x[n - 1] = x[0]!; // a tie: the lower index must come first
      const { scores, indices } = kernels.topK(x, k);
      const ref = Array.from(x, (score, index) => ({ score, index }))
        .sort((a, b) => b.score - a.score || a.index - b.index)
        .slice(0, k);
      t.same(Array.from(indices), ref.map((r) => r.index), `topK n=${n} k=${k}: indices`);
      t.same(Array.from(scores), ref.map((r) => r.score), `topK n=${n} k=${k}: scores`);
    }
    const withInf = new Float32Array([-Infinity, 1, NaN, -Infinity, 2]);
    t.same(Array.from(kernels.topK(withInf, 4).indices), [4, 1, 0, 3], 'NaN never, -inf last');
  });

  t.test(`${variant}: kernels validate their arguments`, async (t) => {
    t.throws(() => kernels.dot(new Float32Array(3), new Float32Array(4)), { code: 'INPUT_INVALID' });
    t.throws(() => kernels.dot([1, 2] as unknown as Float32Array, new Float32Array(2)), { code: 'INPUT_INVALID' });
    t.throws(() => kernels.meanPool(new Float32Array(5), new BigInt64Array(2), 1, 2, 3, new Float32Array(3)), { code: 'INPUT_INVALID' });
    t.throws(() => kernels.l2Normalize(new Float32Array(5), 2), { code: 'INPUT_INVALID' });
    t.throws(() => kernels.l2Normalize(new Float32Array(4), 0), { code: 'INPUT_INVALID' });
    t.throws(() => kernels.dotRows(new Float32Array(0), new Float32Array(0), new Float32Array(0)), { code: 'INPUT_INVALID' });
    t.throws(() => kernels.softmax(new Float32Array(3), new Float32Array(2)), { code: 'INPUT_INVALID' });
  });
}

/** Masked self-attention in double precision, straight from its definition (see kernels/attention.h). */
function refAttention(q: Float32Array, k: Float32Array, v: Float32Array, bias: Float32Array, mask: BigInt64Array, batch: number, seq: number, heads: number, scale: number): Float64Array {
  const hidden = k.length / (batch * seq);
  const queries = q.length / (batch * hidden);
  const d = hidden / heads;
  const out = new Float64Array(q.length);
  for (let b = 0; b < batch; b++) {
    const attended = Array.from({ length: seq }, (_, j) => j).filter((j) => mask[b * seq + j] !== 0n);
    const keys = attended.length > 0 ? attended : Array.from({ length: seq }, (_, j) => j);
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < queries; i++) {
        const scores = keys.map((j) => {
          let s = 0;
          for (let t = 0; t < d; t++) {
            const c = h * d + t;
            s += (q[(b * queries + i) * hidden + c]! + bias[c]!) * (k[(b * seq + j) * hidden + c]! + bias[hidden + c]!);
          }
          return attended.length > 0 ? s * scale : 0; // nothing attended: every key weighs the same
        });
        const max = Math.max(...scores);
        const w = scores.map((s) => Math.exp(s - max));
        const sum = w.reduce((a, x) => a + x, 0);
        for (let t = 0; t < d; t++) {
          const c = h * d + t;
          let acc = 0;
          keys.forEach((j, n) => (acc += w[n]! * (v[(b * seq + j) * hidden + c]! + bias[2 * hidden + c]!)));
          out[(b * queries + i) * hidden + c] = acc / sum;
        }
      }
    }
  }
  return out;
}

for (const variant of runnableVariants()) {
  const { kernels } = loadAddon(variant).addon;
  t.test(`${variant}: fused attention kernel against its definition`, async (t) => {
    const next = rng(77);
    // head sizes 8, 24 (plain loops), 16, 32, 64 (vector registers); sequences shorter and
    // longer than a vector, so that the padded key columns and partial row blocks are exercised
    // queries < seq: the last layer after last-layer pruning (1), and a partial row block (13)
    for (const [batch, seq, heads, d, queries] of [[3, 5, 2, 8, 5], [2, 19, 2, 24, 19], [2, 33, 3, 16, 33], [3, 21, 2, 32, 21], [2, 40, 2, 64, 40], [3, 40, 2, 64, 1], [3, 37, 3, 16, 13], [3, 9, 2, 24, 1]] as const) {
      const hidden = heads * d;
      const [k, v] = [0, 1].map(() => randomArray(batch * seq * hidden, next));
      const q = randomArray(batch * queries * hidden, next);
      const bias = randomArray(3 * hidden, next);
      // row 0: no padding; row 1: the last third padded; row 2 (if any): nothing attended
      const mask = new BigInt64Array(batch * seq).map((_, i) => {
        const [b, j] = [Math.floor(i / seq), i % seq];
        return b === 0 || (b === 1 && j < seq - Math.floor(seq / 3)) ? 1n : 0n;
      });
      const out = new Float32Array(batch * queries * hidden);
      const scale = 1 / Math.sqrt(d);
      kernels.attention(q, k!, v!, bias, mask, batch, seq, heads, scale, out);
      const diff = maxAbsDiff(out, refAttention(q, k!, v!, bias, mask, batch, seq, heads, scale));
      t.ok(diff < 1e-5, `batch ${batch}, seq ${seq}, ${queries} queries, ${heads} heads of ${d}: max abs diff ${diff.toExponential(2)}`);
    }
    t.throws(() => kernels.attention(new Float32Array(6), new Float32Array(6), new Float32Array(6), new Float32Array(9), new BigInt64Array(2), 1, 2, 2, 0.5, new Float32Array(6)), /multiple of heads/);
    t.throws(() => kernels.attention(new Float32Array(8), new Float32Array(8), new Float32Array(8), new Float32Array(12), new BigInt64Array(2), 1, 2, 2, 0, new Float32Array(8)), /scale/);
    t.throws(() => kernels.attention(new Float32Array(5), new Float32Array(8), new Float32Array(8), new Float32Array(12), new BigInt64Array(2), 1, 2, 2, 0.5, new Float32Array(5)), /q must hold batch \* queries rows/);
    t.throws(() => kernels.attention(new Float32Array(4), new Float32Array(8), new Float32Array(8), new Float32Array(12), new BigInt64Array(2), 1, 2, 2, 0.5, new Float32Array(8)), /out must have q's length/);
  });
}

/** erfc(a) for a >= 0 in double precision: 1 - erf's Taylor series near 0, Laplace's continued fraction beyond. */
function erfc(a: number): number {
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = a;
  for (let n = 120; n >= 1; n--) f = a + n / 2 / f;
  return Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
}

/** 0.5 x (1 + erf(x / sqrt 2)), through erfc so that the negative tail does not cancel. */
const gelu = (x: number): number => (x < 0 ? 0.5 * x * erfc(-x / Math.SQRT2) : 0.5 * x * (2 - erfc(x / Math.SQRT2)));

/** act(x . w + bias) + residual in double precision (see kernels/gemm.h). */
function refDense(x: Float32Array, w: Float32Array, bias: Float32Array | null, residual: Float32Array | null, activation: 'none' | 'gelu', m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < n; c++) {
      let s = bias ? bias[c]! : 0;
      for (let i = 0; i < k; i++) s += x[r * k + i]! * w[i * n + c]!;
      if (activation === 'gelu') s = gelu(s);
      out[r * n + c] = s + (residual ? residual[r * n + c]! : 0);
    }
  }
  return out;
}

for (const variant of runnableVariants()) {
  const { kernels } = loadAddon(variant).addon;
  t.test(`${variant}: fused dense kernel against its definition`, async (t) => {
    const next = rng(91);
    // rows around the register tile (6 or 14) and the 4-tile row block; widths around the packed
    // panel (8, 16 or 32 columns); depths of one and of several 384-deep passes
    const shapes = [[1, 1, 1], [5, 7, 3], [13, 40, 33], [15, 384, 64], [57, 100, 31], [29, 385, 70], [9, 800, 17], [70, 64, 96]] as const;
    for (const [m, k, n] of shapes) {
      const x = randomArray(m * k, next);
      // pre-activations of standard deviation ~2, so GELU sees its curved part and both tails
      const w = randomArray(k * n, next).map((v) => (v * 6) / Math.sqrt(k));
      const bias = randomArray(n, next);
      const residual = randomArray(m * n, next);
      for (const [b, res, act] of [[null, null, 'none'], [bias, null, 'none'], [bias, null, 'gelu'], [bias, residual, 'none'], [null, residual, 'gelu']] as const) {
        const out = new Float32Array(m * n).fill(Number.NaN);
        kernels.dense(x, w, b, res, act, m, k, n, out);
        const diff = maxAbsDiff(out, refDense(x, w, b, res, act, m, k, n));
        t.ok(diff < 2e-5, `[${m}x${k}] . [${k}x${n}]${b ? ' + bias' : ''}${act === 'gelu' ? ', gelu' : ''}${res ? ' + residual' : ''}: max abs diff ${diff.toExponential(2)}`);
      }
    }
    // GELU alone (k = 1, w = 1), relative error over both tails: the negative tail is tiny but
    // must not cancel to garbage, the positive one must approach x.
    const xs = Float32Array.from({ length: 241 }, (_, i) => -12 + i * 0.1);
    const out = new Float32Array(xs.length);
    kernels.dense(xs, new Float32Array([1]), null, null, 'gelu', xs.length, 1, 1, out);
    let worst = 0;
    xs.forEach((v, i) => {
      const want = gelu(v);
      if (Math.abs(want) > 1e-30) worst = Math.max(worst, Math.abs(out[i]! - want) / Math.abs(want));
    });
    t.ok(worst < 2e-5, `gelu on [-12, 12]: max relative error ${worst.toExponential(2)}`);
    t.throws(() => kernels.dense(new Float32Array(6), new Float32Array(6), null, null, 'relu' as 'none', 2, 3, 2, new Float32Array(4)), /activation/);
    t.throws(() => kernels.dense(new Float32Array(6), new Float32Array(5), null, null, 'none', 2, 3, 2, new Float32Array(4)), /k \* n/);
    t.throws(() => kernels.dense(new Float32Array(6), new Float32Array(6), new Float32Array(3), null, 'none', 2, 3, 2, new Float32Array(4)), /bias/);
  });
}
