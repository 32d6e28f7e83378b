// `ticket-processor demo`, `ticket-processor enrich` and the command line's contract (exit 2 with
// usage for bad flags, --version, examples in --help), as a user runs them: real child processes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t, { type Test } from 'tap';

import { seedTickets } from '../src/seed/upload-tickets.js';
import { CLI, REPO_ROOT, TINY_BERT, TINY_SST2 } from './helpers.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: options.env ?? process.env, cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tp-cli32-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
const emptyCache = path.join(tmp, 'empty-model-cache');

/** no downloads, no installed models, no model overrides of the caller */
function offlineEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HF_HUB_OFFLINE: '1', MODEL_CACHE_DIR: emptyCache, NO_COLOR: '1', ...extra };
  for (const name of ['EMBEDDING_MODEL', 'CLASSIFIER_MODEL', 'SUMMARIZER_MODEL', 'TICKET_PROCESSOR_OFFLINE']) if (!(name in extra)) delete env[name];
  return env;
}

t.test('demo on the bundled test models (offline, nothing installed): banner, N rows, throughput, exit 0', async (t) => {
  const result = await cli(['demo', '--count', '5', '--seed', '11'], { env: offlineEnv({ COLUMNS: '100' }), timeoutMs: 300_000 });
  t.equal(result.code, 0, 'exits 0', { stderr: result.stderr });
  t.match(result.stderr, /bundled TEST models/, 'the banner says test models are used');
  t.match(result.stderr, /PLACEHOLDERS/, 'and that their labels and summaries are placeholders');
  t.match(result.stderr, /HF_HUB_OFFLINE=1/, 'and why');
  t.match(result.stderr, /demo: processed 5\/5/, 'progress on stderr');

  const lines = result.stdout.split('\n');
  t.match(lines[0], /^TICKET ID\s+INTENT\s+URGENCY\s+SENTIMENT\s+SUMMARY$/, 'a header');
  const rows = lines.filter((l) => /^TKT-/.test(l));
  const expectedIds = [...seedTickets(5, 11)].map((ticket) => ticket.ticket_id);
  t.same(
    rows.map((r) => r.split(/\s+/)[0]),
    expectedIds,
    'one row per seeded ticket, in upload order',
  );
  for (const row of rows) {
    const [, intent, urgency, sentiment] = row.split(/\s+/);
    t.match(intent, /^[a-z_]+$/, `${row.slice(0, 12)}: an intent`);
    t.ok(['critical', 'high', 'medium', 'low'].includes(urgency!), 'an urgency');
    t.ok(['POSITIVE', 'NEGATIVE', 'NEUTRAL'].includes(sentiment!), 'a sentiment');
    t.ok(row.length <= 100, 'fits the terminal width (COLUMNS=100)');
  }
  t.match(result.stdout, /5 tickets enriched and stored .* [\d.]+ tickets\/s .*wall time [\d.]+ s/, 'the throughput and wall time');
  t.notMatch(result.stdout + result.stderr, /\u001b\[/, 'NO_COLOR: no escape sequences');
});

t.test('enrich', async (t) => {
  const env = offlineEnv({ EMBEDDING_MODEL: TINY_BERT, CLASSIFIER_MODEL: TINY_SST2 });
  const tickets = [...seedTickets(3, 7)];
  const ids = tickets.map((ticket) => ticket.ticket_id);
  const objectFile = path.join(tmp, 'one.json');
  const arrayFile = path.join(tmp, 'many.json');
  const linesFile = path.join(tmp, 'many.jsonl');
  writeFileSync(objectFile, JSON.stringify(tickets[0], null, 2));
  writeFileSync(arrayFile, JSON.stringify(tickets, null, 2));
  writeFileSync(linesFile, tickets.map((ticket) => `${JSON.stringify(ticket)}\n`).join(''));

  type Out = { ticket_id: string; subject: string; enrichment: Record<string, unknown> };
  const checkEnriched = (t: Test, out: Out) => {
    t.equal(typeof out.enrichment.intent, 'string', `${out.ticket_id}: intent`);
    t.equal((out.enrichment.embedding as number[]).length, 32, 'the embedding (tiny-bert: 32-d)');
    t.ok(['POSITIVE', 'NEGATIVE', 'NEUTRAL'].includes(out.enrichment.sentiment as string), 'sentiment');
    t.equal(typeof out.enrichment.summary, 'string', 'summary');
  };

  for (const via of ['file', 'stdin'] as const) {
    t.test(`a JSON object in (${via}), a JSON object out`, async (t) => {
      const r = via === 'file' ? await cli(['enrich', objectFile], { env }) : await cli(['enrich', '-'], { env, input: readFileSync(objectFile, 'utf8') });
      t.equal(r.code, 0, 'exits 0', { stderr: r.stderr });
      const out = JSON.parse(r.stdout) as Out;
      t.notOk(Array.isArray(out), 'an object');
      t.equal(out.ticket_id, ids[0]);
      t.equal(out.subject, tickets[0]!.subject, 'the ticket fields are kept');
      checkEnriched(t, out);
    });
    t.test(`a JSON array in (${via}), a JSON array out`, async (t) => {
      const r = via === 'file' ? await cli(['enrich', arrayFile], { env }) : await cli(['enrich'], { env, input: readFileSync(arrayFile, 'utf8') });
      t.equal(r.code, 0, 'exits 0', { stderr: r.stderr });
      const out = JSON.parse(r.stdout) as Out[];
      t.ok(Array.isArray(out), 'an array');
      t.same(out.map((o) => o.ticket_id), ids, 'in input order');
      for (const o of out) checkEnriched(t, o);
    });
    t.test(`JSON lines in (${via}), JSON lines out`, async (t) => {
      const r = via === 'file' ? await cli(['enrich', linesFile], { env }) : await cli(['enrich', '-'], { env, input: readFileSync(linesFile, 'utf8') });
      t.equal(r.code, 0, 'exits 0', { stderr: r.stderr });
      const lines = r.stdout.trim().split('\n');
      t.equal(lines.length, 3, 'one line per ticket');
      const out = lines.map((l) => JSON.parse(l) as Out);
      t.same(out.map((o) => o.ticket_id), ids, 'in input order');
      for (const o of out) checkEnriched(t, o);
    });
  }

  t.test('--fields keeps only those enrichment fields; --no-embedding drops the embedding', async (t) => {
    const fields = await cli(['enrich', linesFile, '--fields', 'intent,urgency,sentiment,summary'], { env });
    t.equal(fields.code, 0, 'exits 0', { stderr: fields.stderr });
    for (const line of fields.stdout.trim().split('\n')) {
      const out = JSON.parse(line) as Out;
      t.same(Object.keys(out.enrichment), ['intent', 'urgency', 'sentiment', 'summary']);
      t.equal(typeof out.subject, 'string', 'the ticket itself is whole');
    }
    const noEmbedding = await cli(['enrich', objectFile, '--no-embedding'], { env });
    t.equal(noEmbedding.code, 0, 'exits 0', { stderr: noEmbedding.stderr });
    const out = JSON.parse(noEmbedding.stdout) as Out;
    t.notOk('embedding' in out.enrichment, 'no embedding');
    t.ok('intent' in out.enrichment && 'summary' in out.enrichment && 'models' in out.enrichment, 'the other fields are there');
    const both = await cli(['enrich', objectFile, '--fields', 'embedding,intent', '--no-embedding'], { env });
    t.same(Object.keys((JSON.parse(both.stdout) as Out).enrichment), ['intent'], '--no-embedding wins over --fields');
  });

  t.test('an invalid ticket: exit 1, one line naming the line or index and the field', async (t) => {
    const badArray = JSON.stringify([tickets[0], { ...tickets[1], created_at: 'yesterday' }]);
    const a = await cli(['enrich', '-'], { env, input: badArray });
    t.equal(a.code, 1);
    t.match(a.stderr, /^ticket-processor: invalid ticket in stdin: index 1: created_at: .* \[INPUT_INVALID\]\n$/m);
    t.equal(a.stdout, '', 'nothing on stdout');

    const { subject: _subject, ...noSubject } = tickets[2]!;
    const badLines = path.join(tmp, 'bad.jsonl');
    writeFileSync(badLines, `${JSON.stringify(tickets[0])}\n\n${JSON.stringify(noSubject)}\n`);
    const l = await cli(['enrich', badLines], { env });
    t.equal(l.code, 1);
    t.match(l.stderr, new RegExp(`^ticket-processor: invalid ticket in ${badLines.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: line 3: subject: .* \\[INPUT_INVALID\\]$`, 'm'));

    const broken = await cli(['enrich', '-'], { env, input: `${JSON.stringify(tickets[0])}\n{"ticket_id": \n` });
    t.equal(broken.code, 1);
    t.match(broken.stderr, /stdin line 2 is not valid JSON .*\[INPUT_INVALID\]/);

    const missing = await cli(['enrich', path.join(tmp, 'no-such.json')], { env });
    t.equal(missing.code, 1);
    t.match(missing.stderr, /cannot read .*no-such\.json: ENOENT \[INPUT_INVALID\]/);
  });
});

t.test('usage errors exit 2 with the usage on stderr', async (t) => {
  const cases: [string[], RegExp][] = [
    [['embed', '--nope'], /error: unknown option '--nope'/],
    [['nosuchcommand'], /error: unknown command 'nosuchcommand'/],
    [['seed', '--count', 'x'], /error: option '-n, --count <n>' argument 'x' is invalid/],
    [['demo', '--count', '0'], /error: option '-n, --count <n>' argument '0' is invalid/],
    [['enrich', '--fields', 'nope'], /no enrichment field nope/],
    [['enrich', 'a.json', 'b.json'], /error: too many arguments for 'enrich'/],
    [['models', 'pull', '--dtype', 'fp64'], /error: option '--dtype <dtype>' argument 'fp64' is invalid/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args, { env: offlineEnv() });
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, message, `${args.join(' ')}: says what is wrong`);
    t.match(r.stderr, /Usage: ticket-processor/, `${args.join(' ')}: prints the usage`);
    t.equal(r.stdout, '', 'nothing on stdout');
  }
});

t.test('--version prints the version of package.json; --help of every command has examples', async (t) => {
  const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const v = await cli(['--version']);
  t.equal(v.code, 0);
  t.equal(v.stdout.trim(), version);

  const root = await cli(['--help']);
  t.equal(root.code, 0);
  for (const command of ['demo', 'enrich', 'embed', 'local', 'setup', 'seed', 'worker']) t.match(root.stdout, new RegExp(`^  ${command}\\b`, 'm'), `lists ${command}`);
  t.match(root.stdout, /Exit status: 0 on success, 1 on a runtime failure[\s\S]*2 on a usage error/);
  for (const command of [['demo'], ['enrich'], ['embed'], ['info'], ['cpu'], ['models'], ['models', 'pull'], ['models', 'list'], ['models', 'verify'], ['local'], ['setup'], ['seed'], ['worker']]) {
    const r = await cli([...command, '--help']);
    t.equal(r.code, 0, `${command.join(' ')} --help: exit 0`);
    t.match(r.stdout, /\nExamples:\n {2}\$ ticket-processor/, `${command.join(' ')} --help has examples`);
  }
});
