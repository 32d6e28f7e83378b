// The cross-compiled arm64 addons (prebuilds/linux-arm64) run under qemu-aarch64 with an arm64
// Node: cpu_features, every kernel against plain JavaScript, WordPiece and byte-level BPE ids and
// decodes against Hugging Face's Rust tokenizers run on this host. Not model inference: ONNX
// Runtime's arm64 library crashes under qemu-user. Skipped, saying why, unless
// `npm run prebuild -- --only linux-arm64` and `npm run check:arm64` (which installs the arm64
// Node into .cache/) have run on this machine; CI does not cross-compile (see README).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { Arm64CheckUnavailable, arm64Node, qemuPrerequisites, runUnderQemu, writeReferences } from '../scripts/check-arm64.js';
import { REPO_ROOT } from './helpers.js';

const dir = path.join(REPO_ROOT, 'prebuilds', 'linux-arm64');
const smoke = path.join(REPO_ROOT, 'scripts', 'arm64-smoke.mjs');

function unavailable(): string | false {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'runs on linux-x64 hosts';
  const missing = qemuPrerequisites(dir);
  if (missing.length) return `missing: ${missing.join('; ')}`;
  try {
    arm64Node(false);
  } catch (e) {
    if (e instanceof Arm64CheckUnavailable) return e.message;
    throw e;
  }
  return false;
}

const skip = unavailable();

t.test('arm64 addons under qemu-user: cpu_features, kernels, tokenizers', { skip }, async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tp-arm64-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const refs = path.join(tmp, 'references.json');
  await writeReferences(refs);
  const result = runUnderQemu(arm64Node(false), [smoke, dir, refs]);
  t.equal(result.signal, null, 'no crash');
  t.equal(result.status, 0, result.stderr.slice(0, 2000));
  const names = result.checks.filter((c) => c.check).map((c) => c.check);
  for (const variant of ['generic', 'neon']) {
    for (const what of ['reports its variant', 'kernel flavour', 'dot', 'dotRows', 'softmax', 'logSoftmax', 'topK', 'l2Normalize', 'meanPool']) {
      t.ok(names.includes(`${variant}: ${what}`), `${variant}: ${what} was checked`);
    }
    t.ok(names.filter((n) => n.startsWith(`${variant}: `) && n.includes(' ids, ')).length >= 4, `${variant}: tokenizer ids checked`);
  }
  t.same(result.checks.filter((c) => c.ok === false), [], 'every check passed');

  // The checker itself can fail: one wrong reference id must be reported.
  const broken = JSON.parse(readFileSync(refs, 'utf8')) as { tokenizers: { runs: { ids: number[][] }[] }[] };
  broken.tokenizers[0]!.runs[0]!.ids[3]![1]! += 1;
  writeFileSync(refs, JSON.stringify(broken));
  const bad = runUnderQemu(arm64Node(false), [smoke, dir, refs]);
  t.equal(bad.status, 1, 'a wrong reference fails the smoke check');
  t.ok(
    bad.checks.some((c) => c.ok === false && /WordPiece \(tiny-bert\) ids, truncation none/.test(String(c.check))),
    'and names the failing check',
  );
});

t.test('the arm64 prebuild folder is complete when present', { skip: existsSync(dir) ? false : 'no prebuilds/linux-arm64' }, async (t) => {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'PREBUILD.json'), 'utf8')) as { arch: string; variants: string[]; files: Record<string, unknown> };
  t.equal(manifest.arch, 'arm64');
  t.same(manifest.variants, ['generic', 'neon']);
  for (const f of Object.keys(manifest.files)) {
    const head = readFileSync(path.join(dir, f)).subarray(0, 20);
    t.equal(head.readUInt16LE(18), 183, `${f} is an AArch64 ELF (e_machine 183)`);
  }
});
