// The command line, as a user runs it: real child processes.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { createEnricher } from '../src/index.js';
import { CLI, maxAbsDiff, REPO_ROOT, TINY_BERT } from './helpers.js';

const run = promisify(execFile);
const tsx = ['--import', 'tsx', CLI];

t.test('embed prints one JSON line per text, equal to the library', async (t) => {
  const { stdout } = await run(process.execPath, [...tsx, 'embed', '--models', TINY_BERT, 'first text', 'second text']);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; embedding: number[] });
  t.same(lines.map((l) => l.text), ['first text', 'second text']);
  const enricher = await createEnricher({ models: TINY_BERT });
  const expected = await enricher.embed(['first text', 'second text']);
  await enricher.close();
  t.ok(maxAbsDiff(lines[0]!.embedding, expected[0]!) < 1e-6 && maxAbsDiff(lines[1]!.embedding, expected[1]!) < 1e-6);
});

t.test('embed reads stdin lines when no texts are given', async (t) => {
  const child = execFile(process.execPath, [...tsx, 'embed', '-m', TINY_BERT]);
  child.stdin!.end('one\ntwo\nthree\n');
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  const code = await new Promise((r) => child.on('close', r));
  t.equal(code, 0);
  t.equal(out.trim().split('\n').length, 3);
});

t.test('errors are one clear line and exit code 1', async (t) => {
  const result = await run(process.execPath, [...tsx, 'embed', '--models', '/no/such/model', 'x']).catch((e: { code: number; stderr: string }) => e);
  t.equal((result as { code: number }).code, 1);
  t.match((result as { stderr: string }).stderr, /^ticket-processor: models folder \/no\/such\/model does not exist \[MODEL_NOT_FOUND\]\n$/);
});

t.test('the built bin (dist/cli.js) runs and reports the package version', async (t) => {
  const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), '--version']);
  t.equal(stdout.trim(), (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
});

t.test('cpu prints features, variants and the choice; --help tells the commands', async (t) => {
  const { stdout } = await run(process.execPath, [...tsx, 'cpu']);
  t.match(stdout, /^arch: +(x64|arm64)/m);
  t.match(stdout, /^chosen: +(generic|avx2|avx512|neon)/m);
  const help = await run(process.execPath, [...tsx, '--help']);
  t.match(help.stdout, /embed/);
  t.match(help.stdout, /info/);
  t.match(help.stdout, /cpu/);
  const info = await run(process.execPath, [...tsx, 'info', '--models', TINY_BERT, '--cpu', 'generic']);
  const parsed = JSON.parse(info.stdout);
  t.equal(parsed.variant, 'generic');
  t.equal(parsed.models.embedding.dim, 32);
});
