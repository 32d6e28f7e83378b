// The worker in this process against the embedded AWS endpoint over real HTTP: tickets in,
// DynamoDB items and S3 objects out, duplicates, two workers, poison messages, failing writes,
// health and metrics.
import t, { type Test } from 'tap';

import { createEnricher } from '../src/enrich/enricher.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { startFaultProxy } from './fault-proxy.js';
import { TINY_BART, TINY_BERT, TINY_SST2 } from './helpers.js';
import {
  enrichedKeys,
  enrichedObject,
  generateTickets,
  putRaw,
  queueDepth,
  sendBody,
  startStack,
  type Stack,
  tableItems,
  uploadTickets,
  waitFor,
} from './worker-harness.js';

const enricher = await createEnricher({ models: { embedding: TINY_BERT, sentiment: TINY_SST2, summarizer: TINY_BART } });
t.teardown(() => enricher.close());

function startWorker(t: Test, stack: Stack, env: NodeJS.ProcessEnv = {}): Worker {
  const worker = createWorker({ env: { ...stack.env, ...env }, enricher });
  t.teardown(() => worker.stop());
  return worker;
}

t.test('N tickets in: N items and N objects out, with the fields of DESIGN.md', async (t) => {
  const stack = await startStack(t);
  const tickets = generateTickets(25, 1);
  const worker = startWorker(t, stack);
  await worker.start();
  await uploadTickets(stack, tickets);
  await waitFor('25 items', async () => (await tableItems(stack)).length === 25);
  await waitFor('empty queue', async () => (await queueDepth(stack)).queue === 0);

  const items = await tableItems(stack);
  t.same(items.map((i) => i.ticket_id).sort(), tickets.map((x) => x.ticket_id).sort());
  t.same(await enrichedKeys(stack), tickets.map((x) => `${x.ticket_id}.json`).sort());
  const one = tickets[3]!;
  const item = items.find((i) => i.ticket_id === one.ticket_id)!;
  for (const field of ['ticket_id', 'created_at', 'subject', 'customer_id', 'intent', 'urgency', 'sentiment', 'summary', 'processed_at', 's3_key']) {
    t.ok(item[field] !== undefined, `item has ${field}`);
  }
  t.notOk('embedding' in item, 'no embedding in DynamoDB');
  t.equal(item.s3_key, `${one.ticket_id}.json`);
  t.equal(item.created_at, one.created_at);
  const object = await enrichedObject(stack, `${one.ticket_id}.json`);
  const enrichment = object.enrichment as Record<string, unknown>;
  t.equal(object.body, one.body, 'the raw fields are kept');
  t.equal((enrichment.embedding as number[]).length, enricher.info().models.embedding.dim);
  t.equal(enrichment.processed_at, item.processed_at, 'item and object agree');
  // The stored enrichment is what enrich() gives for the same ticket (same models).
  const direct = await enricher.enrich(one);
  t.same([enrichment.intent, enrichment.urgency, enrichment.sentiment, enrichment.summary], [direct.enrichment.intent, direct.enrichment.urgency, direct.enrichment.sentiment, direct.enrichment.summary]);
  const stats = worker.stats();
  // 26 messages: the 25 tickets' notifications and the s3:TestEvent that setup's configuration sent.
  t.same([stats.received, stats.deleted, stats.stored, stats.poison], [26, 26, 25, 0]);

  // Health and metrics over HTTP.
  const base = `http://127.0.0.1:${worker.metricsPort}`;
  t.equal((await fetch(`${base}/healthz`)).status, 200);
  const ready = await fetch(`${base}/readyz`);
  t.same([ready.status, ((await ready.json()) as { checks: unknown }).checks], [200, { models: 'loaded', queue: 'reachable' }]);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.match(metrics, /ticket_processor_messages_received_total 26/);
  t.match(metrics, /ticket_processor_tickets_processed_total\{outcome="stored"\} 25/);
  t.match(metrics, /ticket_processor_stage_seconds_count\{stage="fetch"\} 25/);
  t.match(metrics, /ticket_processor_stage_seconds_count\{stage="store"\} 25/);
  for (const stage of ['tokenize', 'encode', 'generate', 'enrich']) t.match(metrics, new RegExp(`ticket_processor_stage_seconds_count\\{stage="${stage}"\\} [1-9]`), `${stage} latency observed`);
  t.match(metrics, /ticket_processor_queue_age_seconds_count 26/);
  const final = await worker.stop();
  t.equal(final.deleted, 26);
  t.equal((await fetch(`${base}/healthz`).catch(() => null)) ?? null, null, 'the server is closed after stop()');
});

t.test('the same message twice, and two workers on one queue: one item and one object per ticket', async (t) => {
  const stack = await startStack(t);
  const tickets = generateTickets(30, 2);
  for (const ticket of tickets) await putRaw(stack, `${ticket.ticket_id}.json`, JSON.stringify(ticket));
  // Every ticket also announced a second and third time by hand, in one message with all keys.
  const manual = JSON.stringify({ Records: tickets.map((x) => ({ key: `${x.ticket_id}.json` })) });
  await sendBody(stack, manual);
  await sendBody(stack, manual);
  const a = startWorker(t, stack, { TICKET_PROCESSOR_BATCH_SIZE: '4' });
  const b = startWorker(t, stack, { TICKET_PROCESSOR_BATCH_SIZE: '4' });
  await Promise.all([a.start(), b.start()]);
  await waitFor('every message handled', async () => (await queueDepth(stack)).queue === 0);
  const items = await tableItems(stack);
  t.equal(items.length, 30, 'one item per ticket');
  t.equal(new Set(items.map((i) => i.ticket_id)).size, 30);
  t.same(await enrichedKeys(stack), tickets.map((x) => `${x.ticket_id}.json`).sort(), 'one object per ticket');
  const [sa, sb] = [a.stats(), b.stats()];
  t.equal(sa.stored + sb.stored, 30, 'each ticket created once');
  t.equal(sa.duplicates + sb.duplicates, 60, 'the other deliveries were duplicates');
  t.ok(sa.received > 0 && sb.received > 0, `both workers took messages (${sa.received}, ${sb.received})`);
  for (const item of items.slice(0, 5)) {
    const object = await enrichedObject(stack, `${item.ticket_id}.json`);
    t.equal((object.enrichment as { processed_at: string }).processed_at, item.processed_at, 'the object is the item\'s enrichment');
  }
});

t.test('poison messages go to the dead-letter queue after maxReceiveCount; the rest flow on', async (t) => {
  const stack = await startStack(t, { SQS_VISIBILITY_TIMEOUT: '1' });
  const good = generateTickets(5, 3);
  const invalid = { ...generateTickets(1, 4)[0]!, created_at: 'yesterday' };
  await putRaw(stack, 'invalid.json', JSON.stringify(invalid));
  await putRaw(stack, 'latin1.json', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
  await sendBody(stack, 'this is not json');
  await sendBody(stack, JSON.stringify({ Records: [{ key: 'does-not-exist.json' }] }));
  await uploadTickets(stack, good);
  const worker = startWorker(t, stack);
  const poison: { reason: string; receiveCount: number }[] = [];
  worker.on('poison', (p) => poison.push(p));
  await worker.start();
  // 4 poison messages (bad JSON, missing object, invalid ticket, not UTF-8), 5 receives each.
  await waitFor('4 messages in the dead-letter queue', async () => (await queueDepth(stack)).deadLetter === 4, 90_000);
  await waitFor('empty queue', async () => (await queueDepth(stack)).queue === 0);
  t.equal((await tableItems(stack)).length, 5, 'the valid tickets are stored');
  t.same([...new Set(poison.map((p) => p.reason))].sort(), ['invalid-ticket', 'malformed-json', 'missing-object', 'not-utf8']);
  t.equal(poison.length, 20, 'each poison message logged once per receive: 4 × maxReceiveCount 5');
  t.equal(Math.max(...poison.map((p) => p.receiveCount)), 5);
  const metrics = await worker.metrics.registry.getSingleMetricAsString('ticket_processor_messages_dead_lettered_total');
  t.match(metrics, /ticket_processor_messages_dead_lettered_total 4/, 'the last receive of each is counted as dead-lettered');
});

t.test('failing DynamoDB and S3 writes: those messages are retried and stored later, the others deleted', async (t) => {
  const stack = await startStack(t);
  const proxy = await startFaultProxy(stack.endpointUrl);
  t.teardown(() => proxy.close());
  const tickets = generateTickets(12, 5);
  const failDynamo = new Set(tickets.slice(0, 2).map((x) => x.ticket_id));
  const failS3 = new Set(tickets.slice(2, 4).map((x) => `${x.ticket_id}.json`));
  let failing = true;
  proxy.shouldFail = (r) =>
    failing &&
    ((r.target.endsWith('.PutItem') && [...failDynamo].some((id) => r.body.includes(`"${id}"`))) ||
      (r.method === 'PUT' && r.path.startsWith(`/${stack.settings.enrichedBucket}/`) && failS3.has(decodeURIComponent(r.path.split('/')[2]!.split('?')[0]!))));
  const worker = startWorker(t, stack, { AWS_ENDPOINT_URL: proxy.url });
  const retried = new Set<string>();
  worker.on('retry', (r) => {
    retried.add(r.messageId);
    if (retried.size === 4) failing = false; // the outage ends once all four have failed
  });
  await worker.start();
  await uploadTickets(stack, tickets);
  await waitFor('12 items and objects', async () => (await tableItems(stack)).length === 12 && (await enrichedKeys(stack)).length === 12, 90_000);
  await waitFor('empty queue', async () => (await queueDepth(stack)).queue === 0);
  t.equal(retried.size, 4, 'the four messages with failing writes were retried');
  t.ok(proxy.failed >= 4, `${proxy.failed} requests failed`);
  const s = worker.stats();
  t.equal(s.deleted, 13, 'the 12 tickets\' messages and the s3:TestEvent');
  t.equal(s.stored + s.duplicates, 12 + 0, 'each ticket stored once (a retry after the item was written completes the object)');
  t.same(await enrichedKeys(stack), tickets.map((x) => `${x.ticket_id}.json`).sort());
});

t.test('a worker whose queue does not exist fails at start with what to do', async (t) => {
  const stack = await startStack(t);
  const worker = createWorker({ env: { ...stack.env, SQS_QUEUE_NAME: 'no-such-queue' }, enricher });
  await t.rejects(worker.start(), { code: 'CONFIG_INVALID', message: 'SQS queue "no-such-queue" does not exist (SQS_QUEUE_NAME): create it with `ticket-processor setup`' });
  t.equal(worker.state, 'stopped');
});
