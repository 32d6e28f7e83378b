// Models from the hub: pull, resume, verify, lock, offline, first use. Everything runs against a
// local imitation of the hub's resolve endpoints (test/fake-hub.ts) serving the committed tiny
// fixture models under the default models' ids, so a pulled model is then loaded for real.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';

import t, { type Test } from 'tap';

import { createEnricher } from '../src/index.js';
import { ensureModel } from '../src/models/ensure-model.js';
import { ContentHasher } from '../src/models/hub/hashing.js';
import { LOCK_FILE } from '../src/models/hub/lock.js';
import { type Manifest, MANIFEST_FILE } from '../src/models/hub/manifest.js';
import { formatBytes, LineProgress, TtyProgress, useColor } from '../src/models/hub/progress.js';
import { type PullOptions, pullModel } from '../src/models/hub/pull-model.js';
import { resolveModelLocations } from '../src/models/resolve-models.js';
import { FakeHub, gitSha1Of, sha256Of } from './fake-hub.js';
import { REPO_ROOT, TINY_BART, TINY_BERT, TINY_MODELS, TINY_SST2, withEnv } from './helpers.js';

const MINILM = 'Xenova/all-MiniLM-L6-v2';
const SST2 = 'Xenova/distilbert-base-uncased-finetuned-sst-2-english';
const BART = 'Xenova/distilbart-cnn-6-6';
const MODEL_ONNX = readFileSync(path.join(TINY_BERT, 'onnx', 'model.onnx'));
// A stand-in for the quantized export (the bytes only have to be served and verified here).
const QUANTIZED = Buffer.concat([MODEL_ONNX, Buffer.from('q8')]);
const MODELS_CLI = path.join(REPO_ROOT, 'src', 'cli.ts');
const run = promisify(execFile);

const hub = await new FakeHub({
  [MINILM]: { dir: TINY_BERT, files: { 'onnx/model_quantized.onnx': QUANTIZED } },
  [SST2]: { dir: TINY_SST2 },
  [BART]: { dir: TINY_BART, exclude: ['onnx/decoder_model.onnx'] },
  'acme/gated-encoder': { dir: TINY_BERT, gated: true },
  'acme/no-onnx': { dir: TINY_BERT, exclude: ['onnx/model.onnx'] },
  'acme/no-optional': { dir: TINY_BERT, exclude: ['special_tokens_map.json', 'tokenizer_config.json'] },
}).start();
t.teardown(() => hub.close());

function freshCache(t: Test): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-hub-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A progress reporter writing plain lines into an array. */
function captured(): { progress: LineProgress; lines: string[] } {
  const lines: string[] = [];
  const stream = { write: (s: string) => lines.push(...s.split('\n').filter(Boolean)) } as unknown as NodeJS.WritableStream;
  return { progress: new LineProgress(stream), lines };
}

function pullOptions(cacheDir: string, extra: Partial<PullOptions> = {}, env: NodeJS.ProcessEnv = {}): PullOptions & { lines: string[] } {
  const { progress, lines } = captured();
  return { cacheDir, progress, env: { HF_ENDPOINT: hub.hubUrl, ...env }, ...extra, hub: { retryDelayMs: 20, timeoutMs: 2000, ...extra.hub }, lines };
}

function manifestOf(cache: string, id: string): Manifest {
  return JSON.parse(readFileSync(path.join(cache, ...id.split('/'), MANIFEST_FILE), 'utf8')) as Manifest;
}

const CLEAN_ENV = {
  HF_TOKEN: undefined,
  HF_HUB_OFFLINE: undefined,
  TICKET_PROCESSOR_OFFLINE: undefined,
  EMBEDDING_MODEL: undefined,
  CLASSIFIER_MODEL: undefined,
  SUMMARIZER_MODEL: undefined,
  HF_HUB_DOWNLOAD_TIMEOUT: undefined,
};

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of Object.keys(CLEAN_ENV)) if (!(k in extra)) delete env[k];
  return env;
}

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', MODELS_CLI, ...args], { env: childEnv(env) });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const DONE = (name: string, size: string, how = 'sha256 ok', resumed = '') => new RegExp(`^pulled ${name.replace(/[./]/g, '\\$&')} ${size} in \\d+\\.\\d s${resumed.replace(/[.()]/g, '\\$&')}, ${how}$`);

t.test('git blob ids are what git computes (the hub sends them as ETag for files kept in git)', async (t) => {
  // git hash-object /dev/null and `printf 'hello\n' | git hash-object --stdin`
  t.equal(gitSha1Of(Buffer.alloc(0)), 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  t.equal(gitSha1Of(Buffer.from('hello\n')), 'ce013625030ba8dba906f756967f9e9ca394464a');
  const hasher = new ContentHasher(6);
  hasher.update(Buffer.from('hel'));
  hasher.update(Buffer.from('lo\n'));
  t.equal(hasher.digest().gitSha1, 'ce013625030ba8dba906f756967f9e9ca394464a');
});

t.test('pull: small files from the hub, LFS files from the CDN without the token, all verified and recorded', async (t) => {
  const cache = freshCache(t);
  hub.resetLog();
  const opts = pullOptions(cache, {}, { HF_TOKEN: hub.token });
  const result = await pullModel(MINILM, opts);
  const commit = hub.commitOf(MINILM);
  t.equal(result.commit, commit, 'the commit the hub reported (X-Repo-Commit)');
  t.same(
    result.files.map((f) => [f.path, f.status]),
    [
      ['config.json', 'downloaded'],
      ['tokenizer.json', 'downloaded'],
      ['tokenizer_config.json', 'downloaded'],
      ['special_tokens_map.json', 'downloaded'],
      ['onnx/model.onnx', 'downloaded'],
    ],
  );
  const dir = path.join(cache, 'Xenova', 'all-MiniLM-L6-v2');
  t.equal(result.dir, dir);
  t.ok(readFileSync(path.join(dir, 'onnx', 'model.onnx')).equals(MODEL_ONNX));
  t.ok(readFileSync(path.join(dir, 'tokenizer.json')).equals(readFileSync(path.join(TINY_BERT, 'tokenizer.json'))));
  t.same(readdirSync(path.join(dir, 'onnx')), ['model.onnx'], 'no .part left');
  t.notOk(existsSync(path.join(dir, LOCK_FILE)), 'lock released');

  const hubRequests = hub.requests.filter((r) => r.server === 'hub');
  const cdnRequests = hub.requests.filter((r) => r.server === 'cdn');
  t.ok(cdnRequests.length >= 1, 'the onnx graph came from the CDN');
  t.ok(hubRequests.every((r) => r.authorization === `Bearer ${hub.token}`), 'the hub got the token (relative redirect included)');
  t.ok(cdnRequests.every((r) => r.authorization === undefined), 'the CDN never saw it');
  t.equal(hubRequests[0]!.path, `/${MINILM}/resolve/main/config.json`);
  t.ok(hubRequests.slice(1).every((r) => r.path.includes(commit)), 'the other files come from the commit config.json resolved to');

  const manifest = manifestOf(cache, MINILM);
  t.match(manifest, { format: 1, id: MINILM, revision: 'main', commit, endpoint: hub.hubUrl, absent: [] });
  t.match(manifest.files['onnx/model.onnx'], { size: MODEL_ONNX.length, sha256: sha256Of(MODEL_ONNX), verified: 'sha256', etag: sha256Of(MODEL_ONNX), dtype: 'fp32' });
  const config = readFileSync(path.join(TINY_BERT, 'config.json'));
  t.match(manifest.files['config.json'], { size: config.length, sha256: sha256Of(config), verified: 'git-sha1', etag: gitSha1Of(config), dtype: 'all' });
  t.equal(manifest.files['onnx/model.onnx']!.mtime_ms, statSync(path.join(dir, 'onnx', 'model.onnx')).mtimeMs);

  t.equal(opts.lines.length, 5, 'one line per file');
  t.match(opts.lines.find((l) => l.includes('model.onnx')), DONE(`${MINILM}/onnx/model.onnx`, '4.1 MB'));
  t.match(opts.lines.find((l) => l.includes('config.json') && !l.includes('tokenizer')), DONE(`${MINILM}/config.json`, '598 B', 'git sha1 ok'));

  hub.resetLog();
  const again = await pullModel(MINILM, pullOptions(cache));
  t.ok(again.files.every((f) => f.status === 'present'));
  t.same(hub.connections, { hub: 0, cdn: 0 }, 'a verified model is not asked for again');
});

t.test('--dtype q8 adds onnx/model_quantized.onnx to the folder, from the same commit', async (t) => {
  const cache = freshCache(t);
  await pullModel(MINILM, pullOptions(cache));
  hub.resetLog();
  const q8 = await pullModel(MINILM, pullOptions(cache, { dtype: 'q8' }));
  t.same(
    q8.files.filter((f) => f.status === 'downloaded').map((f) => f.path),
    ['onnx/model_quantized.onnx'],
  );
  t.ok(hub.requests.filter((r) => r.server === 'hub').every((r) => r.path.includes(`/resolve/${hub.commitOf(MINILM)}/`)));
  const manifest = manifestOf(cache, MINILM);
  t.match(manifest.files['onnx/model_quantized.onnx'], { dtype: 'q8', sha256: sha256Of(QUANTIZED), verified: 'sha256' });
  t.match(manifest.files['onnx/model.onnx'], { dtype: 'fp32' });

  hub.resetLog();
  const forced = await pullModel(MINILM, pullOptions(cache, { force: true }));
  t.ok(forced.files.every((f) => f.status === 'downloaded'), '--force downloads every fp32 file again');
  t.equal(hub.downloads(MINILM, 'onnx/model_quantized.onnx').length, 0);
  t.ok(manifestOf(cache, MINILM).files['onnx/model_quantized.onnx'], 'and keeps the q8 graph of the same commit');
  t.ok(existsSync(path.join(cache, 'Xenova', 'all-MiniLM-L6-v2', 'onnx', 'model_quantized.onnx')));
});

t.test('an optional file the hub does not have is skipped (and remembered); a required one fails, word for word', async (t) => {
  const cache = freshCache(t);
  const opts = pullOptions(cache);
  const result = await pullModel('acme/no-optional', opts);
  t.same(
    result.files.filter((f) => f.status === 'absent').map((f) => f.path),
    ['tokenizer_config.json', 'special_tokens_map.json'],
  );
  t.same(manifestOf(cache, 'acme/no-optional').absent.sort(), ['special_tokens_map.json', 'tokenizer_config.json']);
  t.ok(opts.lines.includes('skipped acme/no-optional/special_tokens_map.json: not in the repository (optional)'));
  hub.resetLog();
  await pullModel('acme/no-optional', pullOptions(cache));
  t.equal(hub.requests.length, 0, 'absent optional files are not asked for again');

  const commit = hub.commitOf('acme/no-onnx');
  await t.rejects(pullModel('acme/no-onnx', pullOptions(cache)), {
    code: 'MODEL_NOT_FOUND',
    message:
      `acme/no-onnx has no onnx/model.onnx at revision ${commit} on ${hub.hubUrl} (HTTP 404): ticket-processor needs ONNX exports in the Hugging Face layout ` +
      '(onnx/model.onnx, or onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx; _quantized for q8)',
  });
  await t.rejects(pullModel('acme/nope', pullOptions(cache)), {
    code: 'MODEL_NOT_FOUND',
    message: `acme/nope was not found on ${hub.hubUrl} (HTTP 401, RepoNotFound): check the id; a private repository needs HF_TOKEN. The hub says: Repository not found`,
  });
  t.notOk(existsSync(path.join(cache, 'acme', 'nope')), 'no empty folder left behind');
  await t.rejects(pullModel(`${MINILM}@v9`, pullOptions(cache)), {
    code: 'MODEL_NOT_FOUND',
    message: `${MINILM} has no revision "v9" on ${hub.hubUrl} (HTTP 404, RevisionNotFound). The hub says: Invalid rev id: v9`,
  });
  await t.rejects(pullModel('./not/an/id', pullOptions(cache)), {
    code: 'CONFIG_INVALID',
    message: '"./not/an/id" is not a hub model id: expected org/name or org/name@revision (e.g. Xenova/all-MiniLM-L6-v2)',
  });
});

t.test('a gated repository: 401 without HF_TOKEN says what to do; with it the pull works', async (t) => {
  const cache = freshCache(t);
  const restricted = 'The hub says: Access to model acme/gated-encoder is restricted. You must have access to it and be authenticated to access it. Please log in.';
  await t.rejects(pullModel('acme/gated-encoder', pullOptions(cache)), {
    code: 'MODEL_NOT_FOUND',
    message:
      `acme/gated-encoder/config.json: ${hub.hubUrl} refused access (HTTP 401, GatedRepo); the repository is gated or private: ` +
      `set HF_TOKEN to a Hugging Face access token that can read it (and accept the model's conditions on its hub page). ${restricted}`,
  });
  await t.rejects(pullModel('acme/gated-encoder', pullOptions(cache, {}, { HF_TOKEN: 'hf_wrong' })), {
    message:
      `acme/gated-encoder/config.json: ${hub.hubUrl} refused access (HTTP 401, GatedRepo); HF_TOKEN was sent but does not give access: ` +
      `accept the model's conditions on its hub page with that account, or use a token that can read it. ${restricted}`,
  });
  hub.resetLog();
  const result = await pullModel('acme/gated-encoder', pullOptions(cache, {}, { HF_TOKEN: hub.token }));
  t.ok(result.files.every((f) => f.status === 'downloaded'));
  t.ok(hub.requests.some((r) => r.server === 'cdn'));
  t.ok(hub.requests.filter((r) => r.server === 'cdn').every((r) => r.authorization === undefined), 'the token stays on the hub');
});

t.test('a connection cut halfway: retried with Range, resumed, and the result verifies', async (t) => {
  const cache = freshCache(t);
  hub.resetLog();
  hub.fault(`${MINILM}/onnx/model.onnx`, { cutAfter: 1_000_000 });
  const opts = pullOptions(cache);
  const result = await pullModel(MINILM, opts);
  t.equal(result.files.find((f) => f.path === 'onnx/model.onnx')!.status, 'downloaded');
  const blob = hub.downloads(MINILM, 'onnx/model.onnx');
  t.equal(blob.length, 2, 'two requests for the graph');
  t.equal(blob[0]!.range, undefined);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(blob[1]!.range ?? '')?.[1]);
  t.ok(resumedAt > 0 && resumedAt <= 1_000_000, `resumed at ${resumedAt}`);
  t.ok(readFileSync(path.join(cache, 'Xenova', 'all-MiniLM-L6-v2', 'onnx', 'model.onnx')).equals(MODEL_ONNX));
  const retry = opts.lines.find((l) => l.startsWith('retrying'));
  t.match(retry, new RegExp(`^retrying ${MINILM}/onnx/model\\.onnx in 0\\.0 s \\(attempt 2 of 5\\): connection to 127\\.0\\.0\\.1:\\d+ closed after ${resumedAt} of 4089601 bytes$`));
  t.match(opts.lines.find((l) => l.startsWith('pulled') && l.includes('model.onnx')), DONE(`${MINILM}/onnx/model.onnx`, '4.1 MB', 'sha256 ok', ` (resumed at ${formatBytes(resumedAt)})`));
});

t.test('a part left by an earlier run is resumed; a server that ignores Range, a complete part, a bad part', async (t) => {
  const graph = (cache: string) => path.join(cache, 'Xenova', 'all-MiniLM-L6-v2', 'onnx', 'model.onnx');
  const withPart = (t: Test, bytes: Buffer) => {
    const cache = freshCache(t);
    mkdirSync(path.dirname(graph(cache)), { recursive: true });
    writeFileSync(`${graph(cache)}.part`, bytes);
    return cache;
  };
  const half = MODEL_ONNX.length >> 1;

  let cache = withPart(t, MODEL_ONNX.subarray(0, half));
  hub.resetLog();
  let opts = pullOptions(cache);
  await pullModel(MINILM, opts);
  t.equal(hub.downloads(MINILM, 'onnx/model.onnx')[0]!.range, `bytes=${half}-`, 'asked for the rest');
  t.ok(readFileSync(graph(cache)).equals(MODEL_ONNX));
  t.match(opts.lines.find((l) => l.includes('model.onnx')), DONE(`${MINILM}/onnx/model.onnx`, '4.1 MB', 'sha256 ok', ' (resumed at 2.0 MB)'));

  cache = withPart(t, MODEL_ONNX.subarray(0, half));
  hub.fault(`${MINILM}/onnx/model.onnx`, { ignoreRange: true });
  opts = pullOptions(cache);
  await pullModel(MINILM, opts);
  t.ok(readFileSync(graph(cache)).equals(MODEL_ONNX), 'a 200 answer to a Range request replaces the part');
  t.match(opts.lines.find((l) => l.includes('model.onnx')), DONE(`${MINILM}/onnx/model.onnx`, '4.1 MB'));

  cache = withPart(t, MODEL_ONNX);
  hub.resetLog();
  const complete = await pullModel(MINILM, pullOptions(cache));
  t.ok(readFileSync(graph(cache)).equals(MODEL_ONNX), '416 for a complete part: verified and kept');
  t.equal(hub.downloads(MINILM, 'onnx/model.onnx')[0]!.range, `bytes=${MODEL_ONNX.length}-`);
  t.ok(complete.downloadedBytes < 800_000, 'the graph was not downloaded again');

  const garbage = Buffer.alloc(half, 7);
  cache = withPart(t, garbage);
  hub.resetLog();
  await pullModel(MINILM, pullOptions(cache));
  t.ok(readFileSync(graph(cache)).equals(MODEL_ONNX), 'a part that does not verify is discarded and the file downloaded from the start');
  t.same(
    hub.downloads(MINILM, 'onnx/model.onnx').map((r) => r.range),
    [`bytes=${half}-`, undefined],
  );
});

t.test('a body whose hash is wrong is rejected, the .part removed, and the error says so', async (t) => {
  const cache = freshCache(t);
  hub.fault(`${MINILM}/onnx/model.onnx`, { corrupt: true });
  const bad = Buffer.from(MODEL_ONNX);
  bad[Math.floor(bad.length / 2)]! ^= 0xff;
  const dir = path.join(cache, 'Xenova', 'all-MiniLM-L6-v2');
  await t.rejects(pullModel(MINILM, pullOptions(cache)), {
    code: 'MODEL_INVALID',
    message:
      `${MINILM}/onnx/model.onnx: the downloaded file does not match what the hub published (sha256 ${sha256Of(bad)}, expected ${sha256Of(MODEL_ONNX)}); ` +
      'it was removed and nothing was installed. Pull again; if it keeps happening, a proxy or mirror (HF_ENDPOINT) is altering the file',
  });
  t.notOk(existsSync(path.join(dir, 'onnx', 'model.onnx')));
  t.notOk(existsSync(path.join(dir, 'onnx', 'model.onnx.part')), '.part removed');
  t.notOk(manifestOf(cache, MINILM).files['onnx/model.onnx'], 'not in the manifest');

  hub.fault(`${MINILM}/tokenizer.json`, { corrupt: true });
  const tokenizer = readFileSync(path.join(TINY_BERT, 'tokenizer.json'));
  const badTokenizer = Buffer.from(tokenizer);
  badTokenizer[Math.floor(badTokenizer.length / 2)]! ^= 0xff;
  await t.rejects(pullModel(MINILM, pullOptions(freshCache(t))), {
    code: 'MODEL_INVALID',
    message: new RegExp(`^${MINILM}/tokenizer\\.json: the downloaded file does not match what the hub published \\(git sha1 ${gitSha1Of(badTokenizer)}, expected ${gitSha1Of(tokenizer)}\\)`),
  });
  const ok = await pullModel(MINILM, pullOptions(cache));
  t.ok(ok.files.every((f) => f.status !== 'absent'));
  t.ok(readFileSync(path.join(dir, 'onnx', 'model.onnx')).equals(MODEL_ONNX), 'the next pull gets a good copy');
});

t.test('a slow server: a timeout, a retry, then success; still slow: the error says how long and what sets it', async (t) => {
  const cache = freshCache(t);
  hub.fault(`${MINILM}/config.json`, { delayMs: 1500 });
  hub.fault(`${MINILM}/onnx/model.onnx`, { status: 503, times: 2 });
  const opts = pullOptions(cache, { hub: { timeoutMs: 300 } });
  await pullModel(MINILM, opts);
  t.match(opts.lines[0], new RegExp(`^retrying ${MINILM}/config\\.json in 0\\.0 s \\(attempt 2 of 5\\): no data from 127\\.0\\.0\\.1:\\d+ for 0\\.3 s$`));
  t.equal(opts.lines.filter((l) => l.startsWith(`retrying ${MINILM}/onnx/model.onnx`) && l.endsWith('HTTP 503 from ' + new URL(hub.hubUrl).host)).length, 2, '503 twice, retried');
  t.ok(readFileSync(path.join(cache, 'Xenova', 'all-MiniLM-L6-v2', 'onnx', 'model.onnx')).equals(MODEL_ONNX));

  const slow = freshCache(t);
  hub.fault(`${SST2}/onnx/model.onnx`, { stallAfter: 1000, times: 2 });
  await t.rejects(pullModel(SST2, pullOptions(slow, { hub: { timeoutMs: 300, retries: 1 } })), {
    code: 'MODEL_NOT_FOUND',
    message: new RegExp(
      `^${SST2}/onnx/model\\.onnx: download failed: no data from 127\\.0\\.0\\.1:\\d+ for 0\\.3 s, 2 attempts \\(HF_HUB_DOWNLOAD_TIMEOUT sets the limit in seconds\\); pull again to resume$`,
    ),
  });
  t.equal(statSync(path.join(slow, ...SST2.split('/'), 'onnx', 'model.onnx.part')).size, 2000, 'what arrived is kept for the next pull');
  hub.resetLog();
  const resumed = await pullModel(SST2, pullOptions(slow, {}, { HF_HUB_DOWNLOAD_TIMEOUT: '5' }));
  t.equal(resumed.files.find((f) => f.path === 'onnx/model.onnx')!.status, 'downloaded');
  t.same(hub.downloads(SST2, 'onnx/model.onnx').map((r) => r.range), ['bytes=2000-'], 'resumed by the next pull');
});

t.test('two processes pulling one model: one downloads, the other waits, both succeed with one good copy', async (t) => {
  const cache = freshCache(t);
  hub.resetLog();
  // ~2 s for the graph, so the second process arrives while the first holds the lock.
  hub.fault(`${MINILM}/onnx/model.onnx`, { throttle: 100_000 });
  const env = { MODEL_CACHE_DIR: cache, HF_ENDPOINT: hub.hubUrl };
  const child = () =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', MODELS_CLI, 'models', 'pull', MINILM], { env: childEnv(env) });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d));
      p.stderr.on('data', (d: Buffer) => (stderr += d));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const [a, b] = await Promise.all([child(), child()]);
  t.equal(a.code, 0, a.stderr);
  t.equal(b.code, 0, b.stderr);
  t.equal(hub.downloads(MINILM, 'onnx/model.onnx').length, 1, 'the graph was downloaded once');
  const waiter = [a, b].find((r) => r.stderr.includes('waiting for process'));
  t.ok(waiter, 'one process waited for the other');
  t.match(waiter!.stderr, new RegExp(`^waiting for process \\d+ to finish pulling ${MINILM} into ${cache.replace(/[.]/g, '\\.')}/Xenova/all-MiniLM-L6-v2$`, 'm'));
  t.match(waiter!.stdout, new RegExp(`^${MINILM} fp32 at ${hub.commitOf(MINILM).slice(0, 12)}: 5 files, 4\\.8 MB \\(5 already verified\\) in `));
  const dir = path.join(cache, 'Xenova', 'all-MiniLM-L6-v2');
  t.ok(readFileSync(path.join(dir, 'onnx', 'model.onnx')).equals(MODEL_ONNX));
  t.same(readdirSync(dir).sort(), [MANIFEST_FILE, 'config.json', 'onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'], 'no lock, no .part, no temporary manifest');

  // In one process too.
  const local = freshCache(t);
  hub.resetLog();
  const [x, y] = await Promise.all([pullModel(MINILM, pullOptions(local)), pullModel(MINILM, pullOptions(local))]);
  t.equal(hub.downloads(MINILM, 'onnx/model.onnx').length, 1);
  t.same([x, y].map((r) => r.files.find((f) => f.path === 'onnx/model.onnx')!.status).sort(), ['downloaded', 'present']);
});

t.test('a stale lock (dead owner) is broken; a live one is waited for, with a bound', async (t) => {
  const cache = freshCache(t);
  const dir = path.join(cache, 'Xenova', 'all-MiniLM-L6-v2');
  mkdirSync(dir, { recursive: true });
  const dead = spawn(process.execPath, ['-e', '']);
  const deadPid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid!)));
  writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid, hostname: os.hostname(), created_at: new Date().toISOString(), nonce: 'x' }));
  await pullModel(MINILM, pullOptions(cache));
  t.ok(existsSync(path.join(dir, 'onnx', 'model.onnx')));
  t.notOk(existsSync(path.join(dir, LOCK_FILE)));

  writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, hostname: os.hostname(), created_at: new Date().toISOString(), nonce: 'y' }));
  const opts = pullOptions(cache, { lock: { maxWaitMs: 1000, pollMs: 50 } });
  await t.rejects(pullModel(MINILM, opts), {
    code: 'MODEL_NOT_FOUND',
    message: `process ${process.pid} on ${os.hostname()} has held ${path.join(dir, LOCK_FILE)} for more than 1 s; if no ticket-processor is downloading into ${dir}, delete that file`,
  });
  t.equal(opts.lines[0], `waiting for process ${process.pid} to finish pulling ${MINILM} into ${dir}`);
  // Old enough, even with a live pid: stale.
  const old = new Date(Date.now() - 120_000);
  utimesSync(path.join(dir, LOCK_FILE), old, old);
  await pullModel(MINILM, pullOptions(cache));
  t.notOk(existsSync(path.join(dir, LOCK_FILE)));
});

t.test('offline (HF_HUB_OFFLINE, TICKET_PROCESSOR_OFFLINE): no socket is opened, and the error says what to do', async (t) => {
  const cache = freshCache(t);
  const dir = path.join(cache, 'Xenova', 'all-MiniLM-L6-v2');
  hub.resetLog();
  const hint =
    `to copy it in by hand, run \`ticket-processor models pull ${MINILM}\` on a machine that reaches the hub and copy the ${MINILM} folder of its MODEL_CACHE_DIR to ${dir} ` +
    `(or put the model's Hugging Face files there: config.json, tokenizer.json, onnx/model.onnx); or set MODEL_CACHE_DIR to a folder that holds ${MINILM}, or pass a model folder in the models option`;
  await t.rejects(ensureModel(MINILM, { role: 'embedding', dtype: 'fp32', cacheDir: cache, env: { HF_ENDPOINT: hub.hubUrl, HF_HUB_OFFLINE: '1' } }), {
    code: 'MODEL_NOT_FOUND',
    message: `embedding model ${MINILM} is not in the model cache (${dir}) and downloads are off (HF_HUB_OFFLINE=1): ${hint}`,
  });
  await t.rejects(pullModel(MINILM, pullOptions(cache, {}, { TICKET_PROCESSOR_OFFLINE: 'true' })), {
    message: `cannot pull ${MINILM}: downloads are off (TICKET_PROCESSOR_OFFLINE=true); unset it to download from the hub`,
  });
  withEnv(t, { ...CLEAN_ENV, MODEL_CACHE_DIR: cache, HF_ENDPOINT: hub.hubUrl, HF_HUB_OFFLINE: '1' });
  await t.rejects(createEnricher({ models: { embedding: MINILM } }), { code: 'MODEL_NOT_FOUND', message: /downloads are off \(HF_HUB_OFFLINE=1\)/ });
  const viaCli = await cli(['models', 'pull', MINILM], { MODEL_CACHE_DIR: cache, HF_ENDPOINT: hub.hubUrl, TICKET_PROCESSOR_OFFLINE: '1' });
  t.equal(viaCli.code, 1);
  t.equal(viaCli.stderr, `ticket-processor: cannot pull ${MINILM}: downloads are off (TICKET_PROCESSOR_OFFLINE=1); unset it to download from the hub [MODEL_NOT_FOUND]\n`);
  t.same(hub.connections, { hub: 0, cdn: 0 }, 'no connection at all');

  // Installed models load offline, without the network.
  cpSync(TINY_BERT, dir, { recursive: true });
  const enricher = await createEnricher({ models: { embedding: MINILM } });
  t.equal(enricher.info().models.embedding.path, dir);
  await enricher.close();
  t.same(hub.connections, { hub: 0, cdn: 0 });
});

t.test('an unreachable hub: the error names the model, the cache folder and how to copy the model in by hand', async (t) => {
  const cache = freshCache(t);
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  withEnv(t, { ...CLEAN_ENV, MODEL_CACHE_DIR: cache, HF_ENDPOINT: `http://127.0.0.1:${port}` });
  const dir = path.join(cache, 'Xenova', 'all-MiniLM-L6-v2');
  const started = Date.now();
  await t.rejects(createEnricher(), {
    code: 'MODEL_NOT_FOUND',
    message:
      `embedding model ${MINILM} is not in the model cache (${dir}) and could not be downloaded: cannot reach the hub at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); ` +
      `to copy it in by hand, run \`ticket-processor models pull ${MINILM}\` on a machine that reaches the hub and copy the ${MINILM} folder of its MODEL_CACHE_DIR to ${dir} ` +
      `(or put the model's Hugging Face files there: config.json, tokenizer.json, onnx/model.onnx); or set MODEL_CACHE_DIR to a folder that holds ${MINILM}, or pass a model folder in the models option`,
  });
  t.ok(Date.now() - started < 5000, 'no retries against a host that is not there');
  t.same(readdirSync(cache), [], 'nothing left in the cache');
});

t.test('first use: createEnricher pulls what it is told to and loads it (end to end)', async (t) => {
  const cache = freshCache(t);
  withEnv(t, { ...CLEAN_ENV, MODEL_CACHE_DIR: cache, HF_ENDPOINT: hub.hubUrl });
  hub.resetLog();
  const pulled = await createEnricher({ models: { embedding: MINILM, sentiment: SST2 } });
  const info = pulled.info().models;
  t.match(info.embedding, { id: MINILM, source: 'cache', path: path.join(cache, 'Xenova', 'all-MiniLM-L6-v2'), maxLength: 256 });
  t.match(info.sentiment, { id: SST2, source: 'cache' });
  t.equal(info.summarizer, null, 'the summarizer nobody named is not downloaded');
  t.notOk(hub.requests.some((r) => r.path.includes(BART)));
  const reference = await createEnricher({ models: TINY_MODELS });
  const ticket = { ticket_id: 'T-1', customer_id: 'C-1', created_at: 1732780800, subject: 'Cannot log in', body: 'The password reset link fails every time.' };
  const [a, b] = [await pulled.enrich(ticket), await reference.enrich(ticket)];
  t.same(a.enrichment.embedding, b.enrichment.embedding, 'the pulled model is the fixture');
  t.equal(a.enrichment.sentiment, b.enrichment.sentiment);
  await pulled.close();
  await reference.close();
  // Loaded again: no network.
  hub.resetLog();
  await (await createEnricher({ models: { embedding: MINILM, sentiment: SST2 } })).close();
  t.same(hub.connections, { hub: 0, cdn: 0 });
});

t.test('first use policy: defaults, folders, pull: false / true', async (t) => {
  const cache = freshCache(t);
  withEnv(t, { ...CLEAN_ENV, MODEL_CACHE_DIR: cache, HF_ENDPOINT: hub.hubUrl });
  hub.resetLog();
  const defaults = await createEnricher();
  t.equal(defaults.info().models.embedding.id, MINILM, 'nothing configured: the required embedding default is pulled');
  t.equal(defaults.info().models.sentiment, null, 'optional defaults are not');
  await defaults.close();
  t.notOk(hub.requests.some((r) => r.path.includes(SST2) || r.path.includes(BART)));

  hub.resetLog();
  const folderOfModels = freshCache(t);
  await t.rejects(createEnricher({ models: folderOfModels }), {
    code: 'MODEL_NOT_FOUND',
    message: `embedding model ${MINILM} is not in the models folder ${folderOfModels} (no ${path.join(folderOfModels, 'Xenova', 'all-MiniLM-L6-v2')})`,
  });
  await (await createEnricher({ models: TINY_BERT })).close();
  t.same(hub.connections, { hub: 0, cdn: 0 }, 'folders given by the caller never touch the network');

  const other = freshCache(t);
  withEnv(t, { MODEL_CACHE_DIR: other });
  const dir = path.join(other, ...SST2.split('/'));
  await t.rejects(createEnricher({ models: { embedding: TINY_BERT, sentiment: SST2 }, pull: false }), {
    code: 'MODEL_NOT_FOUND',
    message:
      `sentiment model ${SST2} is not in the model cache (${dir}) and downloading was not allowed (pull: false): pull it with \`ticket-processor models pull ${SST2}\`; ` +
      `to copy it in by hand, run \`ticket-processor models pull ${SST2}\` on a machine that reaches the hub and copy the ${SST2} folder of its MODEL_CACHE_DIR to ${dir} ` +
      `(or put the model's Hugging Face files there: config.json, tokenizer.json, onnx/model.onnx); or set MODEL_CACHE_DIR to a folder that holds ${SST2}, or pass a model folder in the models option`,
  });
  t.same(hub.connections, { hub: 0, cdn: 0 });

  // CLASSIFIER_MODEL names a hub id: explicit, so pulled.
  withEnv(t, { CLASSIFIER_MODEL: SST2 });
  const named = await resolveModelLocations({ embedding: TINY_BERT }, { progress: false });
  t.equal(named.sentiment?.id, SST2);
  t.equal(named.summarizer, undefined);
  t.match(named.missing.summarizer, `summarizer model ${BART} is not in the model cache`);

  // pull: true (the worker): all three.
  const all = await resolveModelLocations(undefined, { pull: true, progress: false });
  t.same([all.embedding.id, all.sentiment?.id, all.summarizer?.id], [MINILM, SST2, BART]);
  t.equal(all.summarizer?.revision, hub.commitOf(BART));
  t.ok(existsSync(path.join(other, 'Xenova', 'distilbart-cnn-6-6', 'onnx', 'decoder_model_merged.onnx')));
});

t.test('a partial or corrupt cached file is detected at load, fetched again, never loaded', async (t) => {
  const cache = freshCache(t);
  withEnv(t, { ...CLEAN_ENV, MODEL_CACHE_DIR: cache, HF_ENDPOINT: hub.hubUrl });
  await pullModel(MINILM, pullOptions(cache));
  const dir = path.join(cache, 'Xenova', 'all-MiniLM-L6-v2');
  const graph = path.join(dir, 'onnx', 'model.onnx');
  writeFileSync(graph, MODEL_ONNX.subarray(0, 1000));

  withEnv(t, { HF_HUB_OFFLINE: '1' });
  await t.rejects(createEnricher({ models: { embedding: MINILM } }), {
    code: 'MODEL_INVALID',
    message: new RegExp(
      `^embedding model ${MINILM} in the model cache \\(${dir.replace(/[.]/g, '\\.')}\\) is partial or corrupt \\(onnx/model\\.onnx: 1000 bytes, the manifest says 4089601 \\(a partial or replaced file\\)\\) and downloads are off \\(HF_HUB_OFFLINE=1\\): to copy it in by hand`,
    ),
  });
  withEnv(t, { HF_HUB_OFFLINE: undefined });
  hub.resetLog();
  const repaired = await createEnricher({ models: { embedding: MINILM } });
  await repaired.close();
  t.equal(hub.downloads(MINILM, 'onnx/model.onnx').length, 1, 'fetched again');
  t.equal(hub.downloads(MINILM, 'tokenizer.json').length, 0, 'only that file');
  t.ok(readFileSync(graph).equals(MODEL_ONNX));

  // Same size, different bytes, modified since: the sha256 catches it.
  const flipped = Buffer.from(MODEL_ONNX);
  flipped[100]! ^= 1;
  writeFileSync(graph, flipped);
  withEnv(t, { HF_HUB_OFFLINE: '1' });
  await t.rejects(createEnricher({ models: { embedding: MINILM } }), {
    code: 'MODEL_INVALID',
    message: new RegExp(`\\(onnx/model\\.onnx: sha256 ${sha256Of(flipped)} differs from the manifest's ${sha256Of(MODEL_ONNX)} \\(a corrupt or replaced file\\)\\)`),
  });
  // Restored and touched: hashed once, then the new time is recorded.
  writeFileSync(graph, MODEL_ONNX);
  await (await createEnricher({ models: { embedding: MINILM } })).close();
  t.equal(manifestOf(cache, MINILM).files['onnx/model.onnx']!.mtime_ms, statSync(graph).mtimeMs);
});

t.test('models pull / list / verify on the command line', async (t) => {
  const cache = freshCache(t);
  const env = { MODEL_CACHE_DIR: cache, HF_ENDPOINT: hub.hubUrl };
  t.same(await cli(['models', 'list'], env), { code: 0, stdout: `no models in ${cache} (ticket-processor models pull downloads the defaults)\n`, stderr: '' });

  const pulled = await cli(['models', 'pull', MINILM, SST2], env);
  t.equal(pulled.code, 0, pulled.stderr);
  const short = (id: string) => hub.commitOf(id).slice(0, 12);
  t.equal(
    pulled.stdout,
    `${MINILM} fp32 at ${short(MINILM)}: 5 files, 4.8 MB (5 downloaded) in ${path.join(cache, 'Xenova', 'all-MiniLM-L6-v2')}\n` +
      `${SST2} fp32 at ${short(SST2)}: 5 files, 4.8 MB (5 downloaded) in ${path.join(cache, ...SST2.split('/'))}\n`,
  );
  const stderrLines = pulled.stderr.trim().split('\n');
  t.equal(stderrLines.length, 10, 'one line per file');
  t.ok(stderrLines.some((l) => DONE(`${SST2}/onnx/model.onnx`, '4.1 MB').test(l)));
  const q8 = await cli(['models', 'pull', MINILM, '--dtype', 'q8'], env);
  t.equal(q8.stdout, `${MINILM} q8 at ${short(MINILM)}: 5 files, 4.8 MB (1 downloaded, 4 already verified) in ${path.join(cache, 'Xenova', 'all-MiniLM-L6-v2')}\n`);
  const badDtype = await cli(['models', 'pull', '--dtype', 'q4'], env);
  t.equal(badDtype.code, 2, 'a bad flag value is a usage error: exit 2');
  t.match(badDtype.stderr, /error: option '--dtype <dtype>' argument 'q4' is invalid\. Allowed choices are fp32, q8\./);

  cpSync(TINY_BERT, path.join(cache, 'acme', 'hand-copied'), { recursive: true });
  const sizeOf = (...parts: string[]) => formatBytes(readdirSync(path.join(cache, ...parts), { recursive: true }).reduce((s: number, f) => {
    const p = path.join(cache, ...parts, String(f));
    return statSync(p).isFile() && !String(f).startsWith('.') ? s + statSync(p).size : s;
  }, 0));
  const rows = [
    ['ID', 'REVISION', 'DTYPE', 'SIZE', 'VERIFIED'],
    ['acme/hand-copied', '-', 'fp32,q8', sizeOf('acme', 'hand-copied'), 'no (no manifest: copied by hand)'], // the tiny fixture has onnx/model_quantized.onnx
    [MINILM, short(MINILM), 'fp32,q8', sizeOf('Xenova', 'all-MiniLM-L6-v2'), 'yes'],
    [SST2, short(SST2), 'fp32', sizeOf(...SST2.split('/')), 'yes'],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const expected = rows.map((r) => r.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c)).join('  ')).join('\n') + '\n';
  t.equal(rows[2]![3], '8.9 MB');
  t.same(await cli(['models', 'list'], env), { code: 0, stdout: expected, stderr: '' });

  const verified = await cli(['models', 'verify'], env);
  t.equal(verified.code, 0);
  t.equal(
    verified.stdout,
    '??  acme/hand-copied: no manifest (copied by hand), nothing to verify against; `ticket-processor models pull --force acme/hand-copied` replaces it with verified files\n' +
      `ok  ${MINILM}: 6 files, 8.9 MB, sha256 as pulled\n` +
      `ok  ${SST2}: 5 files, 4.8 MB, sha256 as pulled\n`,
  );

  const quantized = path.join(cache, 'Xenova', 'all-MiniLM-L6-v2', 'onnx', 'model_quantized.onnx');
  const flipped = Buffer.from(QUANTIZED);
  flipped[10]! ^= 1;
  writeFileSync(quantized, flipped);
  const bad = await cli(['models', 'verify', MINILM, 'acme/none'], env);
  t.equal(bad.code, 1);
  t.equal(
    bad.stdout,
    `BAD ${MINILM}/onnx/model_quantized.onnx: sha256 ${sha256Of(flipped)} differs from the manifest's ${sha256Of(QUANTIZED)} (a corrupt or replaced file)\n` +
      `BAD acme/none: not installed (no ${path.join(cache, 'acme', 'none')})\n`,
  );
  t.equal(
    bad.stderr,
    `ticket-processor: 2 models have bad or missing files; fetch them again with: ticket-processor models pull ${MINILM} --dtype q8; ticket-processor models pull acme/none [MODEL_INVALID]\n`,
  );
  t.match((await cli(['models', 'list'], env)).stdout, `no (onnx/model_quantized.onnx changed since it was verified)`);

  const repaired = await cli(['models', 'pull', MINILM, '--dtype', 'q8'], env);
  t.equal(repaired.code, 0);
  t.match(repaired.stderr, `${MINILM}/onnx/model_quantized.onnx: sha256 ${sha256Of(flipped)} differs from the manifest's ${sha256Of(QUANTIZED)} (a corrupt or replaced file): fetching it again\n`);
  t.equal((await cli(['models', 'verify', MINILM], env)).code, 0);
  t.ok(readFileSync(quantized).equals(QUANTIZED));
});

t.test('models pull with no ids: the three defaults, or EMBEDDING_MODEL / CLASSIFIER_MODEL / SUMMARIZER_MODEL', async (t) => {
  const cache = freshCache(t);
  const result = await cli(['models', 'pull'], { MODEL_CACHE_DIR: cache, HF_ENDPOINT: hub.hubUrl, EMBEDDING_MODEL: 'acme/no-optional', CLASSIFIER_MODEL: TINY_SST2 });
  t.equal(result.code, 0, result.stderr);
  t.match(result.stderr, `skipping CLASSIFIER_MODEL=${TINY_SST2}: a folder, not a hub id\n`);
  t.same(
    result.stdout.trim().split('\n').map((l) => l.split(' ')[0]),
    ['acme/no-optional', BART],
  );
  t.match(result.stdout, `${BART} fp32 at ${hub.commitOf(BART).slice(0, 12)}: 7 files`);
  t.ok(existsSync(path.join(cache, 'Xenova', 'distilbart-cnn-6-6', 'onnx', 'encoder_model.onnx')));
  t.notOk(existsSync(path.join(cache, 'Xenova', 'distilbart-cnn-6-6', 'onnx', 'decoder_model.onnx')), 'only the merged decoder');
});

t.test('a pinned revision (id@commit) is fetched at that commit and satisfied by it offline', async (t) => {
  const cache = freshCache(t);
  const commit = hub.commitOf(MINILM);
  hub.resetLog();
  const result = await pullModel(`${MINILM}@${commit}`, pullOptions(cache));
  t.equal(result.revision, commit);
  t.ok(hub.requests.filter((r) => r.path.includes('/resolve/')).every((r) => r.path.includes(`/resolve/${commit}/`)));
  const location = await ensureModel(`${MINILM}@${commit.slice(0, 10)}`, { role: 'embedding', dtype: 'fp32', cacheDir: cache, env: { HF_HUB_OFFLINE: '1' } });
  t.match(location, { id: MINILM, revision: commit, source: 'cache' });
  await t.rejects(ensureModel(`${MINILM}@v2`, { role: 'embedding', dtype: 'fp32', cacheDir: cache, env: { HF_HUB_OFFLINE: '1' } }), {
    message: new RegExp(`^embedding model ${MINILM} in the model cache \\(.*\\) is another revision \\(it holds revision ${commit}\\) and downloads are off`),
  });
});

t.test('progress: bars on a terminal that turn into the plain line; NO_COLOR and pipes get no colour', async (t) => {
  const cache = freshCache(t);
  const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  let out = '';
  tty.on('data', (d: Buffer) => (out += d));
  const progress = new TtyProgress(tty as unknown as NodeJS.WritableStream, true);
  hub.fault(`${MINILM}/onnx/model.onnx`, { throttle: 1_000_000 });
  await pullModel(MINILM, { cacheDir: cache, progress, env: { HF_ENDPOINT: hub.hubUrl } });
  t.match(out, new RegExp(`pulled ${MINILM}/onnx/model\\.onnx 4\\.1 MB in \\d+\\.\\d s, \\u001b\\[32msha256 ok\\u001b\\[0m`));
  t.match(out, /\d+(\.\d)? (kB|MB)\/4\.1 MB [\d.]+ (kB|MB)\/s ETA/, 'a bar with bytes, rate and ETA');
  t.equal(useColor(tty as unknown as NodeJS.WritableStream, { NO_COLOR: '1' }), false);
  t.equal(useColor(tty as unknown as NodeJS.WritableStream, {}), true);
  t.equal(useColor(new PassThrough(), {}), false);
});
