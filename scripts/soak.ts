// `npm run soak -- [--minutes 30] [--rate 10]`: the worker (this process, fixture models) against
// the embedded AWS endpoint (a child process, so that the objects it keeps in memory do not count)
// for N minutes, fed `rate` new tickets per second. Every minute: RSS, V8 heap, event-loop delay
// (perf_hooks.monitorEventLoopDelay, 1 ms sampling, which the values include: p50 / p99 / max), tickets stored, errors (retries + poison
// messages) and queue depth, printed as a table; at the end, the RSS trend after the first
// quarter (least squares, MB per minute). Exit 1 on any error or a ticket left unprocessed.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutObjectCommand } from '@aws-sdk/client-s3';

import { awsSettingsFromEnv, createAwsClients } from '../src/aws/aws-settings.js';
import { setupResources } from '../src/aws/setup-resources.js';
import { createEnricher } from '../src/enrich/enricher.js';
import { createTicketGenerator } from '../src/seed/ticket-generator.js';
import { createWorker } from '../src/worker/worker.js';
import { TINY_BART, TINY_BERT, TINY_SST2 } from '../test/helpers.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, rate: { type: 'string', default: '10' } } });
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const CLI = path.join(import.meta.dirname, '..', 'src', 'cli.ts');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const port = await freePort();
const endpoint: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLI, 'local', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
process.on('exit', () => endpoint.kill('SIGKILL'));
const url = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  if (await fetch(url).then(() => true, () => false)) break;
  if (i > 300) throw new Error('the embedded endpoint did not start');
  await new Promise((r) => setTimeout(r, 100));
}

const env: NodeJS.ProcessEnv = {
  ...process.env,
  USE_LOCALSTACK: 'true',
  AWS_ENDPOINT_URL: url,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  SQS_POLL_INTERVAL: '1',
  S3_BUCKET_RAW: `soak-raw-${process.pid}`,
  S3_BUCKET_ENRICHED: `soak-enriched-${process.pid}`,
  SQS_QUEUE_NAME: `soak-queue-${process.pid}`,
  DYNAMODB_TABLE: `soak-${process.pid}`,
  TICKET_PROCESSOR_METRICS_PORT: 'off',
  TICKET_PROCESSOR_LOG_LEVEL: 'error',
};
const settings = awsSettingsFromEnv(env);
const clients = createAwsClients(settings, env);
const resources = await setupResources(settings, clients);

const enricher = await createEnricher({ models: { embedding: TINY_BERT, sentiment: TINY_SST2, summarizer: TINY_BART } });
const worker = createWorker({ env, enricher });
let stored = 0;
let errors = 0;
worker.on('ticket', () => stored++);
worker.on('retry', (r) => (errors++, console.error('retry', r)));
worker.on('poison', (p) => (errors++, console.error('poison', p)));
await worker.start();

// Feeder: `rate` tickets per second, each uploaded to the raw bucket (S3 notifies the queue).
const generator = createTicketGenerator(20261128);
let fed = 0;
let feeding = true;
const feeder = (async () => {
  const begin = Date.now();
  while (feeding) {
    const due = Math.floor(((Date.now() - begin) / 1000) * rate) - fed;
    const batch = generator.take(Math.max(0, Math.min(due, 50)));
    await Promise.all(
      batch.map(async ({ ticket }) => {
        // Unique ids: the generator can repeat one over tens of thousands of tickets.
        const t = { ...ticket, ticket_id: `${ticket.ticket_id}-${fed++}` };
        await clients.s3.send(new PutObjectCommand({ Bucket: settings.rawBucket, Key: `${t.ticket_id}.json`, Body: JSON.stringify(t) }));
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
  }
})();

async function depth(): Promise<number> {
  const a = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: resources.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
}

interface Row { minute: number; rssMb: number; heapMb: number; lagP50: number; lagP99: number; lagMax: number; stored: number; errors: number; queue: number }
const rows: Row[] = [];
const lag = monitorEventLoopDelay({ resolution: 1 });
lag.enable();
const ms = (ns: number) => Math.round(ns / 1e5) / 10;
console.log(`soak: ${minutes} min, ${rate} tickets/s, endpoint ${url}, worker pid ${process.pid}`);
console.log('minute  rss MB  heap MB  lag p50 ms  lag p99 ms  lag max ms  stored/min  errors  queue');
let lastStored = 0;
for (let minute = 1; minute <= minutes; minute++) {
  await new Promise((r) => setTimeout(r, 60_000));
  const m = process.memoryUsage();
  const row: Row = {
    minute,
    rssMb: Math.round(m.rss / 1048576),
    heapMb: Math.round(m.heapUsed / 1048576),
    lagP50: ms(lag.percentile(50)),
    lagP99: ms(lag.percentile(99)),
    lagMax: ms(lag.max),
    stored: stored - lastStored,
    errors,
    queue: await depth(),
  };
  lastStored = stored;
  lag.reset();
  rows.push(row);
  console.log(
    [row.minute, row.rssMb, row.heapMb, row.lagP50, row.lagP99, row.lagMax, row.stored, row.errors, row.queue]
      .map((v, i) => String(v).padStart([6, 7, 8, 11, 11, 11, 11, 7, 6][i]!))
      .join(' '),
  );
}
feeding = false;
await feeder;
const until = Date.now() + 120_000;
while (stored < fed && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
const final = await worker.stop();
await enricher.close();
clients.destroy();
endpoint.kill('SIGTERM');

// RSS trend after the first quarter (warm-up): least-squares slope in MB per minute.
const tail = rows.slice(Math.floor(rows.length / 4));
const n = tail.length;
const mx = tail.reduce((s, r) => s + r.minute, 0) / n;
const my = tail.reduce((s, r) => s + r.rssMb, 0) / n;
const slope = tail.reduce((s, r) => s + (r.minute - mx) * (r.rssMb - my), 0) / Math.max(1e-9, tail.reduce((s, r) => s + (r.minute - mx) ** 2, 0));
console.log(
  `\nsoak: fed ${fed}, stored ${stored}, errors ${errors}, worker stats ${JSON.stringify(final)}; RSS ${rows[0]?.rssMb} -> ${rows.at(-1)?.rssMb} MB, trend after warm-up ${slope.toFixed(2)} MB/min; lag p99 max ${Math.max(...rows.map((r) => r.lagP99))} ms`,
);
const ok = errors === 0 && stored >= fed;
console.log(ok ? 'soak: passed' : 'soak: FAILED (errors or tickets left unprocessed)');
process.exit(ok ? 0 : 1);
