/**
 * `ticket-processor demo`: the whole pipeline in one process, with no Docker and no AWS account.
 * The embedded endpoint on a free port → setup → N generated tickets uploaded to the raw bucket
 * (one S3 event each) → the worker until every ticket is stored → a table read back from
 * DynamoDB and the throughput.
 *
 * Models: the installed defaults (MODEL_CACHE_DIR, EMBEDDING_MODEL, ...), pulled when missing and
 * the hub is reachable; otherwise the bundled tiny test models (demo-models/ in the package, or
 * test/fixtures/models/ in a git checkout), with a banner saying their labels are placeholders.
 */
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type Command, InvalidArgumentError } from 'commander';
import { destination, pino } from 'pino';

import { awsSettingsFromEnv, createAwsClients } from '../aws/aws-settings.js';
import { setupResources } from '../aws/setup-resources.js';
import { createEnricher, type Enricher } from '../enrich/enricher.js';
import { isTicketProcessorError, TicketProcessorError } from '../errors.js';
import { startLocalEndpoint } from '../local/local-endpoint.js';
import { useColor } from '../models/hub/progress.js';
import { isModelFolder } from '../models/model-location.js';
import { DEFAULT_SEED_COUNT, uploadSeedTickets } from '../seed/upload-tickets.js';
import { createWorker } from '../worker/worker.js';
import { enricherOptions, type ModelFlags, positiveInt, withModelFlags } from './shared.js';

/** the most tickets a demo uploads (a demo, not a load test: see seed and bench:worker) */
export const MAX_DEMO_COUNT = 10_000;

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the bundled test models are: demo-models/ (the npm package), else the test fixtures (a git checkout). */
export function bundledModelDirs(root = PACKAGE_ROOT): { embedding: string; sentiment: string; summarizer: string } | undefined {
  for (const base of [path.join(root, 'demo-models'), path.join(root, 'test', 'fixtures', 'models')]) {
    const dirs = { embedding: path.join(base, 'tiny-bert'), sentiment: path.join(base, 'tiny-distilbert-sst2'), summarizer: path.join(base, 'tiny-bart') };
    if (isModelFolder(dirs.embedding) && isModelFolder(dirs.sentiment) && existsSync(path.join(dirs.summarizer, 'config.json'))) return dirs;
  }
  return undefined;
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A failure that means "no real models here and none to be had": fall back to the bundled ones. */
function modelsUnavailable(e: unknown): boolean {
  if (isTicketProcessorError(e)) return e.code === 'MODEL_NOT_FOUND';
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

const log = (line: string) => process.stderr.write(`demo: ${line}\n`);

interface LoadedModels {
  enricher: Enricher;
  /** why the bundled test models are used; undefined for real models */
  placeholder: string | undefined;
}

async function loadModels(flags: ModelFlags): Promise<LoadedModels> {
  const options = enricherOptions(flags);
  if (flags.models !== undefined) return { enricher: await createEnricher(options), placeholder: undefined };
  let reason: string;
  try {
    const enricher = await createEnricher({ ...options, pull: true });
    if (enricher.info().models.sentiment) return { enricher, placeholder: undefined };
    await enricher.close();
    reason = 'the sentiment model is not installed and could not be downloaded';
  } catch (e) {
    if (!modelsUnavailable(e)) throw e;
    reason = (e as Error).message.split(';')[0]!.trim().replace(/\.$/, '');
  }
  const bundled = bundledModelDirs();
  if (!bundled) {
    throw new TicketProcessorError(
      'MODEL_NOT_FOUND',
      `${reason}, and the bundled test models are missing (demo-models/ in the package). Run \`ticket-processor models pull\` where the hub is reachable, or pass --models DIR.`,
    );
  }
  const { models: _ignored, ...rest } = options;
  return { enricher: await createEnricher({ ...rest, models: bundled, pull: false }), placeholder: reason };
}

function banner(reason: string): string {
  const lines = [
    'NOTE: running on the bundled TEST models (tiny, untrained): intents, urgency, sentiment and summaries',
    'below are PLACEHOLDERS that only show the pipeline works, not what the real models would say.',
    `Why: ${reason}.`,
    'For real results: `ticket-processor models pull` on a machine that reaches huggingface.co (or copy',
    'the models into MODEL_CACHE_DIR), then run the demo again.',
  ];
  const text = lines.join('\n');
  return useColor(process.stderr) ? `\u001b[33m${text}\u001b[0m\n` : `${text}\n`;
}

/** the environment of a worker talking to the embedded endpoint: default names, no metrics server */
function demoEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    USE_LOCALSTACK: 'true',
    AWS_ENDPOINT_URL: url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    SQS_POLL_INTERVAL: '1',
    TICKET_PROCESSOR_METRICS_PORT: 'off',
  };
  for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN', 'SQS_QUEUE_URL', 'S3_BUCKET_RAW', 'S3_BUCKET_ENRICHED', 'SQS_QUEUE_NAME', 'DYNAMODB_TABLE']) {
    delete env[name];
  }
  return env;
}

export interface DemoRow {
  ticket_id: string;
  intent: string;
  urgency: string;
  sentiment: string;
  summary: string;
}

const oneLine = (s: unknown) => String(s ?? '-').replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();

function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}

/** A table that fits `width` columns: the summary takes what the other columns leave. */
export function formatTable(rows: DemoRow[], width: number): string {
  const header: DemoRow = { ticket_id: 'TICKET ID', intent: 'INTENT', urgency: 'URGENCY', sentiment: 'SENTIMENT', summary: 'SUMMARY' };
  const all = [header, ...rows.map((r) => ({ ...r, summary: oneLine(r.summary) }))];
  const fixed = (['ticket_id', 'intent', 'urgency', 'sentiment'] as const).map((k) => Math.max(...all.map((r) => r[k].length)));
  const used = fixed.reduce((a, b) => a + b + 2, 0);
  const summaryWidth = Math.max(10, width - used);
  return all
    .map((r) => truncate([r.ticket_id.padEnd(fixed[0]!), r.intent.padEnd(fixed[1]!), r.urgency.padEnd(fixed[2]!), r.sentiment.padEnd(fixed[3]!), truncate(r.summary, summaryWidth)].join('  '), Math.max(width, 40)))
    .join('\n');
}

function terminalWidth(): number {
  const columns = process.stdout.columns || Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : 120;
}

function countArg(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_DEMO_COUNT) throw new InvalidArgumentError(`must be at most ${MAX_DEMO_COUNT}`);
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
}

interface DemoFlags extends ModelFlags {
  count: number;
  seed?: number;
  timeout: number;
}

async function runDemo(flags: DemoFlags): Promise<void> {
  const started = performance.now();
  const seed = flags.seed ?? randomInt(0, 2 ** 31);
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  try {
    log('starting the embedded AWS endpoint (S3, SQS, DynamoDB) on a free port');
    const endpoint = await startLocalEndpoint({ port: 0, region: 'us-east-1', logger: { info() {}, warn: (l) => log(`endpoint: ${l}`) } });
    cleanups.push(() => endpoint.close());
    const env = demoEnv(endpoint.url);
    const settings = awsSettingsFromEnv(env);
    const clients = createAwsClients(settings, env);
    cleanups.push(() => clients.destroy());

    log(`creating buckets, queue, table and notification at ${endpoint.url}`);
    await setupResources(settings, clients);

    log('loading models (installed defaults; pulled when missing and the hub is reachable)');
    const models = await loadModels(flags);
    cleanups.push(() => models.enricher.close());
    if (models.placeholder !== undefined) process.stderr.write(banner(models.placeholder));
    const info = models.enricher.info();
    log(`models: ${info.models.embedding.id}, ${info.models.sentiment?.id ?? 'no sentiment model'}, ${info.models.summarizer?.id ?? 'extractive summaries'} (${info.variant})`);

    log(`uploading ${flags.count} generated tickets to s3://${settings.rawBucket} (seed ${seed})`);
    const upload = await uploadSeedTickets(settings, clients, { count: flags.count, seed });
    const ids = upload.keys.map((k) => k.replace(/\.json$/, ''));
    const wanted = new Set(ids);

    const logger = pino({ level: 'warn', base: { service: 'ticket-processor' } }, destination(2));
    const worker = createWorker({ env, enricher: models.enricher, clients, logger });
    cleanups.push(() => worker.stop());
    const done = new Set<string>();
    const step = Math.max(1, Math.ceil(flags.count / 10));
    let finish!: () => void;
    let fail!: (e: Error) => void;
    const allDone = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
    allDone.catch(() => {}); // awaited below; a failure before that is not unhandled
    let lastProgress = Date.now();
    worker.on('ticket', ({ ticketId }) => {
      if (!wanted.has(ticketId) || done.has(ticketId)) return;
      done.add(ticketId);
      lastProgress = Date.now();
      if (done.size % step === 0 || done.size === flags.count) log(`processed ${done.size}/${flags.count}`);
      if (done.size === flags.count) finish();
    });
    worker.on('poison', (p) => fail(new TicketProcessorError('INTERNAL', `the worker rejected message ${p.messageId}: ${p.message}`)));
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > flags.timeout * 1000) {
        fail(new TicketProcessorError('INTERNAL', `no ticket finished for ${flags.timeout} s (${done.size}/${flags.count} done); see the worker's warnings above`));
      }
    }, 1000);
    cleanups.push(() => clearInterval(watchdog));

    log('running the worker until every ticket is stored');
    const workStarted = performance.now();
    lastProgress = Date.now();
    await worker.start();
    await allDone;
    const workSeconds = (performance.now() - workStarted) / 1000;
    clearInterval(watchdog);
    await worker.stop();

    const rows = new Map<string, DemoRow>();
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await clients.documents.send(
        new ScanCommand({ TableName: settings.table, ProjectionExpression: 'ticket_id, intent, urgency, sentiment, summary', ExclusiveStartKey }),
      );
      for (const item of page.Items ?? []) {
        const id = String(item.ticket_id);
        if (wanted.has(id)) rows.set(id, { ticket_id: id, intent: oneLine(item.intent), urgency: oneLine(item.urgency), sentiment: oneLine(item.sentiment), summary: oneLine(item.summary) });
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const missing = ids.filter((id) => !rows.has(id));
    if (missing.length > 0) throw new TicketProcessorError('INTERNAL', `${missing.length} processed tickets are not in table ${settings.table} (e.g. ${missing[0]})`);

    process.stdout.write(`${formatTable(ids.map((id) => rows.get(id)!), terminalWidth())}\n\n`);
    const total = (performance.now() - started) / 1000;
    process.stdout.write(
      `${flags.count} tickets enriched and stored (DynamoDB ${settings.table}, s3://${settings.enrichedBucket}) in ${workSeconds.toFixed(2)} s: ` +
        `${(flags.count / workSeconds).toFixed(1)} tickets/s on ${info.variant}; wall time ${total.toFixed(1)} s including endpoint, setup, model loading and upload\n`,
    );
    if (models.placeholder !== undefined) process.stdout.write('(test models: the labels and summaries above are placeholders)\n');
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (e) {
        log(`while stopping: ${(e as Error).message}`);
      }
    }
  }
}

export function registerDemoCommand(program: Command): void {
  withModelFlags(
    program
      .command('demo')
      .description('the whole pipeline on this machine, no AWS needed: embedded endpoint, setup, N generated tickets, the worker, a table of results and the throughput')
      .option('-n, --count <n>', 'number of tickets', countArg, DEFAULT_SEED_COUNT)
      .option('-s, --seed <s>', 'generator seed: the same seed gives the same tickets (default: random, printed)', integer)
      .option('--timeout <seconds>', 'give up when no ticket finishes for this long', positiveInt, 300),
  )
    .addHelpText(
      'after',
      `
Models: the installed defaults (MODEL_CACHE_DIR, EMBEDDING_MODEL, CLASSIFIER_MODEL,
SUMMARIZER_MODEL), downloaded when missing and the hub is reachable. Offline with none installed
(or HF_HUB_OFFLINE=1), the bundled tiny test models are used and a banner says that their labels
and summaries are placeholders. Progress goes to stderr, the table and throughput to stdout.

Examples:
  $ ticket-processor demo                          # 20 tickets
  $ ticket-processor demo --count 200 --seed 7
  $ HF_HUB_OFFLINE=1 ticket-processor demo -n 5    # never download: installed or bundled models`,
    )
    .action(async (flags: DemoFlags) => {
      await runDemo(flags);
      // everything is closed; do not let a stray handle of a dependency keep the process alive
      setTimeout(() => process.exit(process.exitCode ?? 0), 2_000).unref();
    });
}
