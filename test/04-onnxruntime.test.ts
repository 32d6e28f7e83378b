// Loading ONNX Runtime: where from, which version, what happens when it is wrong, and the
// process-wide thread pool.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { createEnricher } from '../src/index.js';
import { resolveOrtLibrary } from '../src/native/ort-library.js';
import { physicalCores } from '../src/native/physical-cores.js';
import { maxAbsDiff, REPO_ROOT, TINY_BERT } from './helpers.js';

const require = createRequire(import.meta.url);
const exec = promisify(execFile);

interface ProbeResult {
  info?: { onnxruntime: { version: string; threads: number; globalThreadPool: boolean; libraryPath: string } };
  embedding?: number[];
  error?: { code: string; message: string };
}

async function probe(options: object, env: NodeJS.ProcessEnv = {}, extra: string[] = []): Promise<ProbeResult> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test', 'probe-enricher.ts'), JSON.stringify(options), ...extra], {
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ProbeResult;
}

t.test('the runtime is onnxruntime-node\'s library, its version checked at init', async (t) => {
  const lib = resolveOrtLibrary({});
  t.match(lib, /onnxruntime-node\/bin\/napi-v\d+\/linux\/(x64|arm64)\/libonnxruntime\.so\.1$/);
  const enricher = await createEnricher({ models: TINY_BERT });
  const { onnxruntime } = enricher.info();
  t.equal(onnxruntime.version, (require('onnxruntime-node/package.json') as { version: string }).version, 'the runtime reports the npm package version');
  t.equal(onnxruntime.apiVersion, 21, 'the C API version of the headers (ORT 1.21)');
  t.equal(onnxruntime.threads, physicalCores(), 'default pool size: physical cores');
  t.equal(onnxruntime.globalThreadPool, true, 'sessions share the global pool');
  await t.rejects(createEnricher({ models: TINY_BERT, threads: onnxruntime.threads + 1 }), { code: 'CONFIG_INVALID', message: /share it/ });
  const same = await createEnricher({ models: TINY_BERT, threads: onnxruntime.threads });
  await Promise.all([same.close(), enricher.close()]);
});

t.test('ORT_LIBRARY_PATH overrides, as a file or a folder', async (t) => {
  const lib = resolveOrtLibrary({});
  const asFolder = await probe({ models: TINY_BERT }, { ORT_LIBRARY_PATH: path.dirname(lib), TICKET_PROCESSOR_THREADS: '1' });
  t.equal(asFolder.info?.onnxruntime.libraryPath, lib);
  t.equal(asFolder.info?.onnxruntime.threads, 1, 'TICKET_PROCESSOR_THREADS sets the pool size');
  const missing = await probe({ models: TINY_BERT }, { ORT_LIBRARY_PATH: '/nonexistent/libonnxruntime.so' });
  t.match(missing.error, { code: 'NATIVE_LOAD_FAILED', message: /ORT_LIBRARY_PATH=\/nonexistent\/libonnxruntime\.so does not exist/ });
  const libm = execFileSync('sh', ['-c', 'ldconfig -p | grep -m1 "libm.so.6 " | sed "s/.*=> //"'], { encoding: 'utf8' }).trim();
  const notOrt = await probe({ models: TINY_BERT }, { ORT_LIBRARY_PATH: libm });
  t.match(notOrt.error, { code: 'NATIVE_LOAD_FAILED', message: /not an ONNX Runtime library/ });
});

t.test('a runtime older than the C API we need is refused with what to do', async (t) => {
  // A stand-in library with ORT's entry point that, like a 1.16 runtime, has no API 21.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-old-ort-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    path.join(dir, 'old_ort.c'),
    `#include <stddef.h>
typedef struct { const void* (*GetApi)(unsigned); const char* (*GetVersionString)(void); } Base;
static const void* get_api(unsigned v) { return v <= 16 ? (const void*)1 : NULL; }
static const char* version(void) { return "1.16.3"; }
static const Base base = { get_api, version };
const Base* OrtGetApiBase(void) { return &base; }
`,
  );
  execFileSync('cc', ['-shared', '-fPIC', '-o', path.join(dir, 'libonnxruntime.so.1'), path.join(dir, 'old_ort.c')]);
  const old = await probe({ models: TINY_BERT }, { ORT_LIBRARY_PATH: path.join(dir, 'libonnxruntime.so.1') });
  t.match(old.error, { code: 'NATIVE_LOAD_FAILED', message: /ONNX Runtime 1\.16\.3 .* is too old: this addon needs 1\.21 or newer/ });
});

t.test('when onnxruntime-node created the environment first, sessions get their own pools and still agree', async (t) => {
  const [ours, shared] = await Promise.all([probe({ models: TINY_BERT }), probe({ models: TINY_BERT }, {}, ['--ort-node-first'])]);
  t.equal(ours.info?.onnxruntime.globalThreadPool, true);
  t.equal(shared.info?.onnxruntime.globalThreadPool, false, 'detected, not assumed');
  t.ok(maxAbsDiff(ours.embedding!, shared.embedding!) < 1e-6, 'same embedding either way');
});
