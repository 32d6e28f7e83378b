// Microbenchmarks of the addon's own kernels, once per runnable CPU variant, in one process
// (kernels do not touch ONNX Runtime). Each kernel runs `repeat` times inside one native call so
// the JavaScript call overhead does not count.
import { performance } from 'node:perf_hooks';

import type { CpuVariant, NativeKernels } from '../src/native/addon-types.js';
import { loadAddon, planVariant } from '../src/native/load-addon.js';
import { renderTable } from './table.js';

interface KernelCase {
  name: string;
  /** returns a function that runs the kernel `repeat` times */
  prepare(k: NativeKernels): (repeat: number) => void;
  repeat: number;
}

function filled(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    a[i] = (x / 2 ** 32) * 2 - 1;
  }
  return a;
}

const CASES: KernelCase[] = [
  {
    name: 'masked mean pool [32 x 128 x 384]',
    repeat: 200,
    prepare: (k) => {
      const [b, s, d] = [32, 128, 384];
      const hidden = filled(b * s * d, 1);
      const mask = new BigInt64Array(b * s).map((_, i) => (i % s < s - (i % 7) * 9 ? 1n : 0n));
      const out = new Float32Array(b * d);
      return (r) => k.meanPool(hidden, mask, b, s, d, out, r);
    },
  },
  {
    name: 'L2 normalize [1024 x 384]',
    repeat: 500,
    prepare: (k) => {
      const rows = filled(1024 * 384, 2);
      return (r) => k.l2Normalize(rows, 384, r);
    },
  },
  {
    name: 'dot 384',
    repeat: 2_000_000,
    prepare: (k) => {
      const [a, b] = [filled(384, 3), filled(384, 4)];
      return (r) => k.dot(a, b, r);
    },
  },
  {
    name: 'dot rows [16 x 384] (centroids)',
    repeat: 200_000,
    prepare: (k) => {
      const q = filled(384, 5);
      const m = filled(16 * 384, 6);
      const out = new Float32Array(16);
      return (r) => k.dotRows(q, m, out, r);
    },
  },
  {
    name: 'softmax [50265] (a BART vocabulary row)',
    repeat: 20_000,
    prepare: (k) => {
      const x = filled(50265, 7).map((v) => v * 20);
      const out = new Float32Array(50265);
      return (r) => k.softmax(x, out, r);
    },
  },
  {
    // One fused attention call of the embedding benchmark's typical batch: 12 texts of 85 tokens,
    // MiniLM's 12 heads of 32, one thread.
    name: 'attention [12 x 85 x 384, 12 heads]',
    repeat: 50,
    prepare: (k) => {
      const [b, s, h] = [12, 85, 384];
      const [q, kk, v] = [filled(b * s * h, 8), filled(b * s * h, 9), filled(b * s * h, 10)];
      const bias = filled(3 * h, 11);
      const mask = new BigInt64Array(b * s).map((_, i) => (i % s < s - (i % 5) * 4 ? 1n : 0n));
      const out = new Float32Array(b * s * h);
      return (r) => k.attention(q, kk, v, bias, mask, b, s, 12, 1 / Math.sqrt(32), out, r);
    },
  },
  {
    // The opt-in Dense op's feed-forward layer on the same batch: [1020 x 384] . [384 x 1536] + bias,
    // GELU, one thread (2 x 1020 x 384 x 1536 = 1.2 GFLOP per call).
    name: 'dense [1020 x 384] . [384 x 1536], bias, gelu',
    repeat: 5,
    prepare: (k) => {
      const [m, kk, n] = [1020, 384, 1536];
      const x = filled(m * kk, 12);
      const w = filled(kk * n, 13).map((v) => v / 20);
      const bias = filled(n, 14);
      const out = new Float32Array(m * n);
      return (r) => k.dense(x, w, bias, null, 'gelu', m, kk, n, out, r);
    },
  },
];

export interface KernelResult {
  kernel: string;
  variant: CpuVariant;
  nsPerCall: number;
}

export function runKernelBench(rounds = 5): KernelResult[] {
  const plan = planVariant();
  const variants = plan.cpu.supported.filter((v) => plan.available.includes(v));
  const results: KernelResult[] = [];
  for (const c of CASES) {
    for (const variant of variants) {
      const run = c.prepare(loadAddon(variant).addon.kernels);
      run(Math.max(1, Math.floor(c.repeat / 10))); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now();
        run(c.repeat);
        samples.push(((performance.now() - t0) * 1e6) / c.repeat);
      }
      results.push({ kernel: c.name, variant, nsPerCall: Math.min(...samples) });
    }
  }
  return results;
}

export function kernelTable(results: KernelResult[]): string {
  const rows = results.map((r) => {
    const generic = results.find((g) => g.kernel === r.kernel && g.variant === 'generic')!;
    return [r.kernel, r.variant, formatNs(r.nsPerCall), `${(generic.nsPerCall / r.nsPerCall).toFixed(2)}x`];
  });
  return renderTable(['kernel', 'variant', 'time per call', 'speed vs generic'], rows);
}

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}
