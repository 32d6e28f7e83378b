// npm run chaos [-- --tickets 2000 --seed 7]
// Fault-injection run of the worker against the embedded AWS endpoint (real HTTP), with the
// fixture models: duplicate deliveries, poison messages (bad JSON, missing objects, invalid
// tickets), DynamoDB and S3 writes that fail past the SDK's retries, a worker killed with
// SIGKILL and one stopped with SIGTERM, each replaced by a new one; two workers run at once.
// It ends when the queue is empty and prints the counts, then checks that every valid ticket is
// stored exactly once (one item, one object) and every poison message is in the dead-letter
// queue. Exit code 0 when all checks hold.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';

import { awsSettingsFromEnv, createAwsClients } from '../src/aws/aws-settings.js';
import { setupResources } from '../src/aws/setup-resources.js';
import { startLocalEndpoint } from '../src/local/local-endpoint.js';
import { createTicketGenerator } from '../src/seed/ticket-generator.js';
import { startFaultProxy } from '../test/fault-proxy.js';
import { TINY_BART, TINY_BERT, TINY_SST2 } from '../test/helpers.js';

const { values: args } = parseArgs({ options: { tickets: { type: 'string', default: '2000' }, seed: { type: 'string', default: '7' } } });
const count = Number(args.tickets);
const seed = Number(args.seed);
const CLI = path.join(import.meta.dirname, '..', 'src', 'cli.ts');
const log = (s: string) => process.stderr.write(`chaos: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Deterministic choices from the seed (mulberry32).
let state = seed >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const endpoint = await startLocalEndpoint({ port: 0 });
const proxy = await startFaultProxy(endpoint.url);
const env: NodeJS.ProcessEnv = {
  ...process.env,
  USE_LOCALSTACK: 'true',
  AWS_ENDPOINT_URL: endpoint.url,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  SQS_POLL_INTERVAL: '1',
  SQS_VISIBILITY_TIMEOUT: '4',
  TICKET_PROCESSOR_METRICS_PORT: 'off',
  TICKET_PROCESSOR_LOG_LEVEL: 'error',
  TICKET_PROCESSOR_SHUTDOWN_TIMEOUT: '5',
  EMBEDDING_MODEL: TINY_BERT,
  CLASSIFIER_MODEL: TINY_SST2,
  SUMMARIZER_MODEL: TINY_BART,
  HF_HUB_OFFLINE: '1',
};
const settings = awsSettingsFromEnv(env);
const clients = createAwsClients(settings, env);
const setup = await setupResources(settings, clients);

// --- the input -----------------------------------------------------------------------------
const tickets = createTicketGenerator(seed)
  .take(count)
  .map((g) => g.ticket);
const valid = new Set(tickets.map((t) => t.ticket_id));
const faults = { duplicates: 0, malformed: 0, missing: 0, invalid: 0, failingWrites: 0, kills: 0, sigterms: 0 };

// Writes that fail more often than the SDK retries (5 attempts), for 3% of the tickets.
const failingTickets = new Set(tickets.filter(() => random() < 0.03).map((t) => t.ticket_id));
faults.failingWrites = failingTickets.size;
const failuresLeft = new Map([...failingTickets].map((id) => [id, 6]));
proxy.shouldFail = (r) => {
  const isWrite = r.target.endsWith('.PutItem') || (r.method === 'PUT' && r.path.startsWith(`/${settings.enrichedBucket}/`));
  if (!isWrite) return false;
  for (const [id, left] of failuresLeft) {
    if (left > 0 && (r.body.includes(`"ticket_id":{"S":"${id}"}`) || r.path.includes(`/${id}.json`))) {
      failuresLeft.set(id, left - 1);
      return true;
    }
  }
  return false;
};

async function sendBodies(bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: setup.queueUrl, Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: String(j), MessageBody: b })) }));
  }
}

log(`uploading ${count} tickets`);
for (let i = 0; i < tickets.length; i += 50) {
  await Promise.all(
    tickets.slice(i, i + 50).map((t) => clients.s3.send(new PutObjectCommand({ Bucket: settings.rawBucket, Key: `${t.ticket_id}.json`, Body: JSON.stringify(t) }))),
  );
}
// Poison: invalid tickets (their notifications), keys that do not exist, bodies that are not JSON.
const poisonCount = Math.ceil(count * 0.01);
const invalidKeys = Array.from({ length: poisonCount }, (_, i) => `invalid-${i}.json`);
for (const key of invalidKeys) await clients.s3.send(new PutObjectCommand({ Bucket: settings.rawBucket, Key: key, Body: JSON.stringify({ ticket_id: key, subject: 1 }) }));
faults.invalid = invalidKeys.length;
const missing = Array.from({ length: poisonCount }, (_, i) => JSON.stringify({ Records: [{ key: `missing-${i}.json` }] }));
const malformed = Array.from({ length: poisonCount }, (_, i) => `{"Records": [ not json ${i}`);
faults.missing = missing.length;
faults.malformed = malformed.length;
// Duplicates: 3% of the tickets announced again by hand.
const duplicates = tickets.filter(() => random() < 0.03).map((t) => JSON.stringify({ Records: [{ key: `${t.ticket_id}.json` }] }));
faults.duplicates = duplicates.length;
await sendBodies([...missing, ...malformed, ...duplicates]);
const poisonTotal = faults.invalid + faults.missing + faults.malformed;
const totalFaults = faults.duplicates + poisonTotal + faults.failingWrites;
log(`${count + 1 + poisonTotal + faults.duplicates} messages, ${totalFaults} faulty (${((100 * totalFaults) / (count + poisonTotal + faults.duplicates)).toFixed(1)}%) + worker kills`);

// --- the workers -----------------------------------------------------------------------------
const workerEnv = { ...env, AWS_ENDPOINT_URL: proxy.url };
function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker'], { env: workerEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  return child;
}

async function itemCount(): Promise<number> {
  let n = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await clients.documents.send(new ScanCommand({ TableName: settings.table, Select: 'COUNT', ExclusiveStartKey: start }));
    n += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return n;
}

async function depth(url: string): Promise<number> {
  const a = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
}

const started = Date.now();
let a = startWorker();
let b = startWorker();
const waitStored = async (n: number) => {
  while ((await itemCount()) < n) await sleep(250);
};
await waitStored(Math.floor(count * 0.25));
log(`${await itemCount()} stored: SIGKILL one worker, start another`);
a.kill('SIGKILL');
faults.kills++;
a = startWorker();
await waitStored(Math.floor(count * 0.6));
log(`${await itemCount()} stored: SIGTERM one worker, start another`);
b.kill('SIGTERM');
faults.sigterms++;
await new Promise((r) => b.once('exit', r));
b = startWorker();

const deadline = Date.now() + 15 * 60_000;
while (Date.now() < deadline) {
  const [items, queue, dlq] = [await itemCount(), await depth(setup.queueUrl), await depth(setup.deadLetterQueueUrl)];
  if (items >= count && queue === 0 && dlq >= poisonTotal) break;
  await sleep(1000);
}
const seconds = (Date.now() - started) / 1000;
a.kill('SIGTERM');
b.kill('SIGTERM');
await Promise.all([new Promise((r) => a.once('exit', r)), new Promise((r) => b.once('exit', r))]);

// --- the checks ------------------------------------------------------------------------------
const items: { ticket_id: string }[] = [];
let startKey: Record<string, unknown> | undefined;
do {
  const page = await clients.documents.send(new ScanCommand({ TableName: settings.table, ExclusiveStartKey: startKey, ProjectionExpression: 'ticket_id' }));
  items.push(...((page.Items ?? []) as { ticket_id: string }[]));
  startKey = page.LastEvaluatedKey;
} while (startKey);
const objects: string[] = [];
let token: string | undefined;
do {
  const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: settings.enrichedBucket, ContinuationToken: token }));
  objects.push(...(page.Contents ?? []).map((c) => c.Key!));
  token = page.NextContinuationToken;
} while (token);
const dead: string[] = [];
for (;;) {
  const out = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: setup.deadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600 }));
  if (!out.Messages?.length) break;
  dead.push(...out.Messages.map((m) => m.Body ?? ''));
}

const itemIds = items.map((i) => i.ticket_id);
const checks: [string, boolean][] = [
  ['every valid ticket has exactly one item', itemIds.length === count && new Set(itemIds).size === count && itemIds.every((id) => valid.has(id))],
  ['every valid ticket has exactly one object', objects.length === count && objects.every((k) => valid.has(k.replace(/\.json$/, '')))],
  ['every poison message is in the dead-letter queue', dead.length === poisonTotal],
  ['the queue is empty', (await depth(setup.queueUrl)) === 0],
  ['the write failures happened', [...failuresLeft.values()].every((left) => left < 6)],
];
process.stdout.write(
  `\n## Chaos run (seed ${seed}, ${seconds.toFixed(0)} s)\n\n` +
    `faults injected: ${faults.duplicates} duplicate deliveries, ${faults.malformed} malformed bodies, ${faults.missing} missing objects, ` +
    `${faults.invalid} invalid tickets, ${faults.failingWrites} tickets whose writes failed 6 times (${proxy.failed} failed requests), ` +
    `${faults.kills} worker killed (SIGKILL), ${faults.sigterms} stopped (SIGTERM), 2 workers at a time\n` +
    `stored: ${itemIds.length} items (${new Set(itemIds).size} distinct) and ${objects.length} objects for ${count} valid tickets\n` +
    `dead-letter queue: ${dead.length} of ${poisonTotal} poison messages\n\n` +
    checks.map(([what, ok]) => `${ok ? 'ok    ' : 'FAILED'} ${what}`).join('\n') +
    '\n',
);
clients.destroy();
await proxy.close();
await endpoint.close();
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
