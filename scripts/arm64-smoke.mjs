// Runs INSIDE an arm64 Node (qemu-aarch64 on an x64 machine, or a real arm64 machine) and checks
// the addon's own code in prebuilds/linux-arm64 — no ONNX Runtime, which crashes under qemu-user:
//   node scripts/arm64-smoke.mjs <prebuilds/linux-arm64> <references.json>
// references.json (written by scripts/check-arm64.ts on the host) holds tokenizer.json texts,
// input texts and Hugging Face tokenizers' (Rust) ids and decodes for them.
// Checks, for every variant in the folder: cpu_features' report, the variant's name and kernel
// flavour, every kernel against plain JavaScript, tokenizer ids and decodes against the references.
// Prints one JSON line per check; exits 1 if any failed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const [dir, refsFile] = process.argv.slice(2);
if (!dir || !refsFile) {
  console.error('usage: node scripts/arm64-smoke.mjs <addon folder> <references.json>');
  process.exit(2);
}
let failed = 0;
function check(name, ok, detail = {}) {
  if (!ok) failed++;
  console.log(JSON.stringify({ check: name, ok, ...detail }));
}

check('process is arm64', process.arch === 'arm64', { arch: process.arch, node: process.version });
const cpu = require(path.resolve(dir, 'cpu_features.node')).detect();
check('cpu_features detects arm64 with NEON', cpu.arch === 'arm64' && cpu.supported.includes('neon') && cpu.supported.at(-1) === 'generic', cpu);

function filled(n, seed) {
  const a = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    a[i] = (x / 2 ** 32) * 2 - 1;
  }
  return a;
}
const close = (a, b, tol) => a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol * Math.max(1, Math.abs(b[i])));

function checkKernels(variant, k) {
  const a = filled(385, 1);
  const b = filled(385, 2);
  const dot = a.reduce((s, v, i) => s + v * b[i], 0);
  check(`${variant}: dot`, Math.abs(k.dot(a, b) - dot) < 1e-4, { got: k.dot(a, b), want: dot });

  const rows = 7;
  const m = filled(rows * 385, 3);
  const out = new Float32Array(rows);
  k.dotRows(a, m, out);
  const want = Array.from({ length: rows }, (_, r) => a.reduce((s, v, i) => s + v * m[r * 385 + i], 0));
  check(`${variant}: dotRows`, close(out, want, 1e-4));

  const x = filled(1001, 4).map((v) => v * 20);
  const max = Math.max(...x);
  const exps = Array.from(x, (v) => Math.exp(v - max));
  const sum = exps.reduce((s, v) => s + v, 0);
  const sm = new Float32Array(x.length);
  k.softmax(x, sm);
  check(`${variant}: softmax`, close(sm, exps.map((e) => e / sum), 1e-5));
  const lsm = new Float32Array(x.length);
  k.logSoftmax(x, lsm);
  check(`${variant}: logSoftmax`, close(lsm, Array.from(x, (v) => v - max - Math.log(sum)), 1e-4));

  const { scores, indices } = k.topK(x, 5);
  const order = Array.from(x.keys()).sort((i, j) => x[j] - x[i] || i - j).slice(0, 5);
  check(`${variant}: topK`, JSON.stringify(Array.from(indices)) === JSON.stringify(order) && close(scores, order.map((i) => x[i]), 0));

  const n = filled(3 * 384, 5);
  const norms = Array.from({ length: 3 }, (_, r) => Math.hypot(...n.subarray(r * 384, (r + 1) * 384)));
  const expectedNorm = Array.from(n, (v, i) => v / norms[Math.floor(i / 384)]);
  k.l2Normalize(n, 384);
  check(`${variant}: l2Normalize`, close(n, expectedNorm, 1e-5));

  const [batch, seq, dim] = [3, 9, 20];
  const hidden = filled(batch * seq * dim, 6);
  const lengths = [9, 4, 1];
  const mask = new BigInt64Array(batch * seq).map((_, i) => (i % seq < lengths[Math.floor(i / seq)] ? 1n : 0n));
  const pooled = new Float32Array(batch * dim);
  k.meanPool(hidden, mask, batch, seq, dim, pooled);
  const wantPool = [];
  for (let r = 0; r < batch; r++) {
    for (let d = 0; d < dim; d++) {
      let s = 0;
      for (let t = 0; t < lengths[r]; t++) s += hidden[(r * seq + t) * dim + d];
      wantPool.push(s / lengths[r]);
    }
  }
  check(`${variant}: meanPool`, close(pooled, wantPool, 1e-5));
}

const refs = JSON.parse(readFileSync(refsFile, 'utf8'));
const variants = ['generic', 'neon'].filter((v) => {
  try {
    readFileSync(path.resolve(dir, `ticket_processor_${v}.node`), { flag: 'r' });
    return true;
  } catch {
    return false;
  }
});
check('variants present', variants.length > 0, { variants });
for (const variant of variants) {
  const addon = require(path.resolve(dir, `ticket_processor_${variant}.node`));
  check(`${variant}: reports its variant`, addon.variant === variant, { variant: addon.variant, simd: addon.kernels.simd });
  check(`${variant}: kernel flavour`, addon.kernels.simd === (variant === 'neon' ? 'neon' : 'scalar'), { simd: addon.kernels.simd });
  checkKernels(variant, addon.kernels);
  for (const tok of refs.tokenizers) {
    const tokenizer = new addon.Tokenizer(tok.json);
    for (const run of tok.runs) {
      const mismatches = [];
      run.texts.forEach((text, i) => {
        const ids = Array.from(tokenizer.encode(text, run.maxLength ?? 0).ids);
        if (JSON.stringify(ids) !== JSON.stringify(run.ids[i])) mismatches.push(JSON.stringify(text).slice(0, 60));
      });
      check(`${variant}: ${tok.name} ids, truncation ${run.maxLength ?? 'none'}`, mismatches.length === 0, {
        texts: run.texts.length,
        mismatches: mismatches.slice(0, 5),
      });
      if (run.decoded) {
        const bad = run.ids.filter((ids, i) => tokenizer.decode(Int32Array.from(ids), true) !== run.decoded[i]).length;
        check(`${variant}: ${tok.name} decode`, bad === 0, { texts: run.ids.length, mismatches: bad });
      }
    }
  }
}
console.log(JSON.stringify({ done: true, failed }));
process.exit(failed ? 1 : 0);
