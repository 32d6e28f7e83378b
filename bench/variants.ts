// npm run bench:variants [-- --texts 200 --rounds 5 --threads 2 --dir prebuilds/linux-x64]
// Every CPU variant that is built and that this CPU runs, measured in one run:
//   - the addon's kernel microbenchmarks (bench/kernels.ts), all variants in this process;
//   - end-to-end embedding of the same ticket texts on a full-size all-MiniLM-L6-v2-shaped model
//     (generated on demand, random weights), each variant in its own process (bench/contestant.ts),
//     all loaded at once and run interleaved over --rounds (bench/interleave.ts) so that load from
//     other processes on a shared machine falls on all of them alike; the best run counts.
// One table, each cell with its speed ratio to the generic build.
// ONNX Runtime picks its own kernels (SSE/AVX2/AVX-512/NEON) at run time whatever variant is
// loaded, so the variants can only speed up the addon's own code (with avx2 and avx512, that
// includes the fused attention op); the embedding row shows how much of an end-to-end call that is.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import type { CpuVariant } from '../src/native/addon-types.js';
import { planVariant } from '../src/native/load-addon.js';
import { ensureFullSizeModel } from '../test/fixtures/generate.js';
import type { ContestantSpec } from './contestant.js';
import { runInterleaved } from './interleave.js';
import { runKernelBench } from './kernels.js';
import { median, renderTable } from './table.js';

const { values: args } = parseArgs({
  options: {
    texts: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    dir: { type: 'string' },
  },
});
if (args.dir) process.env.TICKET_PROCESSOR_NATIVE_DIR = path.resolve(args.dir);
const count = Number(args.texts);
const rounds = Number(args.rounds);
const threads = Number(args.threads);

const plan = planVariant();
const variants = plan.cpu.supported.filter((v) => plan.available.includes(v)).reverse(); // generic first
if (!variants.includes('generic')) throw new Error(`no generic build in ${plan.dir}: ratios need it`);

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

process.stderr.write(`bench:variants: ${variants.join(', ')} from ${plan.dir}\n`);
const modelDir = await ensureFullSizeModel();
const loadBefore = os.loadavg()[0]!;
const specs: ContestantSpec[] = variants.map((cpu) => ({ kind: 'tp-embed', name: `ticket-processor (${cpu})`, modelDir, cpu, texts: count, threads }));
process.stderr.write(`bench:variants: embedding with ${variants.join(', ')} ...\n`);
const results = await runInterleaved(specs, rounds);
const embed = new Map<CpuVariant, number[]>(variants.map((v, i) => [v, results[i]!.seconds]));
process.stderr.write('bench:variants: kernels ...\n');
const kernels = runKernelBench();
const loadAfter = os.loadavg()[0]!;

const rows: string[][] = [];
const best = (v: CpuVariant) => Math.min(...embed.get(v)!);
rows.push([
  `embed ${count} ticket texts (texts/s, best of ${rounds}; median)`,
  ...variants.map((v) => {
    const cell = `${(count / best(v)).toFixed(1)}; ${(count / median(embed.get(v)!)).toFixed(1)}`;
    return v === 'generic' ? cell : `${cell} (${(best('generic') / best(v)).toFixed(2)}x)`;
  }),
]);
for (const name of [...new Set(kernels.map((k) => k.kernel))]) {
  const ns = (v: CpuVariant) => kernels.find((k) => k.kernel === name && k.variant === v)!.nsPerCall;
  rows.push([`${name} (time per call)`, ...variants.map((v) => (v === 'generic' ? formatNs(ns(v)) : `${formatNs(ns(v))} (${(ns('generic') / ns(v)).toFixed(2)}x)`))]);
}

console.log(
  `\n## CPU variants: ${plan.cpu.arch}, features ${plan.cpu.features.join(' ')}; builds from ${path.relative(process.cwd(), plan.dir) || plan.dir}\n` +
    `Speed vs generic in parentheses (above 1.00x = faster). Embedding: MiniLM-L6-shaped model (6 layers, hidden 384), fp32, ${threads} intra-op threads,\n` +
    `each variant in its own process after a warm-up, ${rounds} interleaved rounds; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after (${os.cpus().length} CPUs).\n` +
    'ONNX Runtime chooses its own kernels at run time, so the variants change only the addon\'s own code\n' +
    '(tokenization, pooling, normalization, dot products, softmax, and the fused attention op, which\n' +
    'avx2 and avx512 load and generic does not): the kernels rows.\n',
);
console.log(renderTable(['benchmark', ...variants], rows));
