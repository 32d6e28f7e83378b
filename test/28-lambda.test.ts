// The Lambda handler (src/lambda/) invoked directly, as Lambda's SQS event source mapping
// invokes it, against the embedded AWS endpoint over real HTTP. Events are built from messages
// really received from the queue (S3 notifications, the s3:TestEvent, hand-sent bodies), in
// the record format Lambda sends.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';

import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { type Logger, pino } from 'pino';
import t, { type Test } from 'tap';

import { createEnricher, type Enricher } from '../src/enrich/enricher.js';
import { createHandler, type LambdaHandlerOptions, type SqsHandler } from '../src/lambda/handler.js';
import * as lambdaEntry from '../src/lambda/index.js';
import type { LambdaContext, SQSEvent, SQSRecord } from '../src/lambda/lambda-types.js';
import { startFaultProxy } from './fault-proxy.js';
import { TINY_BART, TINY_BERT, TINY_SST2 } from './helpers.js';
import { enrichedKeys, enrichedObject, generateTickets, putRaw, sendBody, startStack, type Stack, tableItems, uploadTickets } from './worker-harness.js';

const enricher = await createEnricher({ models: { embedding: TINY_BERT, sentiment: TINY_SST2, summarizer: TINY_BART } });
t.teardown(() => enricher.close());

// --- helpers ------------------------------------------------------------------------------

/** An SQS message as the event source mapping hands it to the function. */
function lambdaRecord(stack: Stack, m: Message): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body!,
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody!,
    eventSource: 'aws:sqs',
    eventSourceARN: stack.setup.queueArn,
    awsRegion: stack.settings.region,
  };
}

/** Receives `count` messages from the stack's queue (as the mapping's pollers do) as one event. */
async function receiveEvent(stack: Stack, count: number): Promise<SQSEvent> {
  const records: SQSRecord[] = [];
  for (let empty = 0; records.length < count && empty < 10; ) {
    const out = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.setup.queueUrl,
        MaxNumberOfMessages: Math.min(10, count - records.length),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 600,
        AttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) empty++;
    records.push(...messages.map((m) => lambdaRecord(stack, m)));
  }
  if (records.length !== count) throw new Error(`expected ${count} messages in the queue, received ${records.length}`);
  return { Records: records };
}

function context(remaining: number | (() => number) = 300_000): LambdaContext {
  return {
    awsRequestId: randomUUID(),
    functionName: 'ticket-processor',
    getRemainingTimeInMillis: typeof remaining === 'function' ? remaining : () => remaining,
  };
}

/** Log lines the handler writes, parsed. */
function captureLogs(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug', base: { service: 'ticket-processor' } }, stream), lines };
}

function makeHandler(t: Test, options: LambdaHandlerOptions): SqsHandler {
  const handler = createHandler(options);
  t.teardown(() => handler.close());
  return handler;
}

/** The object key a notification or manual-form body names (first record). */
function keyOf(record: SQSRecord): string | undefined {
  try {
    const body = JSON.parse(record.body) as { Records?: { key?: string; s3?: { object: { key: string } } }[] };
    const r = body.Records?.[0];
    return r?.s3 ? decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')) : r?.key;
  } catch {
    return undefined;
  }
}

const isTestEvent = (r: SQSRecord) => r.body.includes('"s3:TestEvent"');
const failuresOf = (response: { batchItemFailures: { itemIdentifier: string }[] }) => response.batchItemFailures.map((f) => f.itemIdentifier).sort();

// --- tests --------------------------------------------------------------------------------

t.test('the package entry exports handler (created with defaults, not initialized outside Lambda) and createHandler', async (t) => {
  t.type(lambdaEntry.handler, 'function');
  t.type(lambdaEntry.handler.warm, 'function');
  t.type(lambdaEntry.createHandler, 'function');
  await t.rejects(lambdaEntry.handler({} as SQSEvent, context()), /not an SQS event/, 'an event without Records is refused before any init');
});

t.test('all succeed: one enrichMany batch, items and objects stored, no batchItemFailures; models from the environment', async (t) => {
  const stack = await startStack(t);
  const tickets = generateTickets(8, 11);
  await uploadTickets(stack, tickets);
  const event = await receiveEvent(stack, 9); // 8 notifications + the s3:TestEvent setup caused
  t.equal(event.Records.filter(isTestEvent).length, 1, 'the event holds the s3:TestEvent');

  const { logger, lines } = captureLogs();
  // No enricher given: the handler creates one from EMBEDDING_MODEL / CLASSIFIER_MODEL / SUMMARIZER_MODEL.
  const handler = makeHandler(t, { env: stack.env, logger });
  const response = await handler(event, context());
  t.same(response, { batchItemFailures: [] });

  const items = await tableItems(stack);
  t.same(items.map((i) => i.ticket_id).sort(), tickets.map((x) => x.ticket_id).sort(), 'one item per ticket');
  t.same(await enrichedKeys(stack), tickets.map((x) => `${x.ticket_id}.json`).sort(), 'one object per ticket');
  const one = tickets[2]!;
  const object = await enrichedObject(stack, `${one.ticket_id}.json`);
  const enrichment = object.enrichment as Record<string, unknown>;
  const item = items.find((i) => i.ticket_id === one.ticket_id)!;
  t.equal(enrichment.processed_at, item.processed_at, 'item and object agree');
  const direct = await enricher.enrich(one);
  t.same([enrichment.intent, enrichment.sentiment, enrichment.summary], [direct.enrichment.intent, direct.enrichment.sentiment, direct.enrichment.summary], 'same as enrich() with the same models');

  const ready = lines.find((l) => l.msg === 'lambda handler ready');
  t.ok(ready, 'init logged');
  t.same((ready!.models as Record<string, unknown>).embedding, TINY_BERT, 'the embedding model named by EMBEDDING_MODEL');
  const batches = lines.filter((l) => l.msg === 'batch enriched');
  t.same(batches.map((l) => l.tickets), [8], 'all tickets of all records in one enrichMany call');
  const done = lines.find((l) => l.msg === 'batch done')!;
  t.same([done.records, done.succeeded, done.failed, done.stored], [9, 9, 0, 8]);
  t.ok(done.awsRequestId, 'lines carry the request id');

  // A second invocation in the same execution environment reuses the enricher: no second init.
  await uploadTickets(stack, generateTickets(2, 12));
  t.same(await handler(await receiveEvent(stack, 2), context()), { batchItemFailures: [] });
  t.equal(lines.filter((l) => l.msg === 'lambda handler ready').length, 1, 'initialized once');
  t.equal((await tableItems(stack)).length, 10);
});

t.test('some fail: exactly the missing object, invalid ticket, malformed body and failed write are listed', async (t) => {
  const stack = await startStack(t);
  const proxy = await startFaultProxy(stack.endpointUrl);
  t.teardown(() => proxy.close());
  const good = generateTickets(5, 21);
  const failWrite = good[0]!;
  let failing = true;
  proxy.shouldFail = (r) => failing && r.target.endsWith('.PutItem') && r.body.includes(`"${failWrite.ticket_id}"`);

  const invalid = { ...generateTickets(1, 22)[0]!, created_at: 'yesterday' };
  await putRaw(stack, 'invalid.json', JSON.stringify(invalid));
  await sendBody(stack, 'this is not json');
  await sendBody(stack, JSON.stringify({ Records: [{ key: 'does-not-exist.json' }] }));
  await uploadTickets(stack, good);
  const event = await receiveEvent(stack, 1 + 1 + 1 + 1 + 5); // TestEvent, invalid, malformed, missing, 5 good
  const idOf = (match: (r: SQSRecord) => boolean) => {
    const found = event.Records.filter(match);
    if (found.length !== 1) throw new Error(`expected one matching record, found ${found.length}`);
    return found[0]!.messageId;
  };
  const expected = {
    invalid: idOf((r) => keyOf(r) === 'invalid.json'),
    malformed: idOf((r) => r.body === 'this is not json'),
    missing: idOf((r) => keyOf(r) === 'does-not-exist.json'),
    write: idOf((r) => keyOf(r) === `${failWrite.ticket_id}.json`),
  };

  const { logger, lines } = captureLogs();
  const handler = makeHandler(t, { env: { ...stack.env, AWS_ENDPOINT_URL: proxy.url }, enricher, logger });
  const response = await handler(event, context());
  t.same(failuresOf(response), Object.values(expected).sort(), 'exactly the four failed messages');
  t.ok(proxy.failed >= 1, 'the DynamoDB write failed');

  const stored = good.slice(1).map((x) => x.ticket_id).sort();
  t.same((await tableItems(stack)).map((i) => i.ticket_id).sort(), stored, 'the good tickets are stored, the failed write is not');
  t.same(await enrichedKeys(stack), stored.map((id) => `${id}.json`), 'no object for the failed write either');

  const reasons = Object.fromEntries(lines.filter((l) => l.level === 40 && l.messageId).map((l) => [l.messageId, l.reason]));
  t.same(
    reasons,
    { [expected.invalid]: 'invalid-ticket', [expected.malformed]: 'malformed-json', [expected.missing]: 'missing-object', [expected.write]: 'transient' },
    'one warning per failed message, with its messageId and reason',
  );
  const ticketTexts = [...good, invalid].map((x) => x.body.slice(0, 30));
  const leaked = lines.filter((l) => (l.level as number) >= 30 && ticketTexts.some((text) => JSON.stringify(l).includes(text)));
  t.same(leaked, [], 'no ticket body in logs at info and above');

  // Lambda retries the failed messages: the write succeeds now, the poison ones fail again.
  failing = false;
  const retry = { Records: event.Records.filter((r) => Object.values(expected).includes(r.messageId)).map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: '2' } })) };
  const second = await handler(retry, context());
  t.same(failuresOf(second), [expected.invalid, expected.malformed, expected.missing].sort(), 'only the poison messages fail again');
  t.same((await tableItems(stack)).length, 5);
  t.same(await enrichedKeys(stack), good.map((x) => `${x.ticket_id}.json`).sort());
});

t.test('short remaining time: nothing starts below the margin, and those messages are reported at once', async (t) => {
  const stack = await startStack(t);
  const proxy = await startFaultProxy(stack.endpointUrl);
  t.teardown(() => proxy.close());
  let rawGets = 0;
  let remaining = 5_000;
  let dropAfterGets = Infinity;
  proxy.shouldFail = (r) => {
    if (r.method === 'GET' && r.path.startsWith(`/${stack.settings.rawBucket}/`) && ++rawGets === dropAfterGets) remaining = 5_000;
    return false;
  };
  const tickets = generateTickets(6, 31);
  await uploadTickets(stack, tickets);
  const event = await receiveEvent(stack, 7);
  const work = { Records: event.Records.filter((r) => !isTestEvent(r)) };
  const env = { ...stack.env, AWS_ENDPOINT_URL: proxy.url, TICKET_PROCESSOR_LAMBDA_MARGIN_MS: '10000', TICKET_PROCESSOR_IO_CONCURRENCY: '1' };
  const { logger, lines } = captureLogs();
  const handler = makeHandler(t, { env, enricher, logger });

  // 5 s left, 10 s margin: every message is reported, none is even fetched.
  const all = await handler(work, context(() => remaining));
  t.same(failuresOf(all), work.Records.map((r) => r.messageId).sort(), 'every message failed at once');
  t.equal(rawGets, 0, 'no ticket was fetched');
  t.same(await tableItems(stack), [], 'nothing stored');
  t.ok(lines.filter((l) => l.reason === 'deadline').length === 6, 'each logged with reason deadline');

  // Plenty of time until the second fetch starts (one fetch at a time), then 5 s: the first two
  // messages finish within the margin, the four not started are reported.
  remaining = 300_000;
  dropAfterGets = 2;
  const some = await handler(work, context(() => remaining));
  const started = work.Records.slice(0, 2);
  t.same(failuresOf(some), work.Records.slice(2).map((r) => r.messageId).sort(), 'the unstarted messages are the failures');
  t.equal(rawGets, 2, 'the unstarted messages were not fetched');
  t.same((await tableItems(stack)).map((i) => `${i.ticket_id}.json`).sort(), started.map(keyOf).sort(), 'the started messages are stored');
  t.same(await enrichedKeys(stack), started.map(keyOf).sort(), 'nothing stored for the others');

  // Time runs out during enrichment (below the 1 s floor): the stores do not start.
  const rest = { Records: work.Records.slice(2) };
  const slowEnricher = {
    info: () => enricher.info(),
    enrichMany: async (batch: Parameters<Enricher['enrichMany']>[0]) => {
      const out = await enricher.enrichMany(batch);
      remaining = 500;
      return out;
    },
  } as unknown as Enricher;
  const late = makeHandler(t, { env, enricher: slowEnricher, logger });
  remaining = 300_000;
  const lateResponse = await late(rest, context(() => remaining));
  t.same(failuresOf(lateResponse), rest.Records.map((r) => r.messageId).sort(), 'all reported: none was stored in time');
  t.equal((await tableItems(stack)).length, 2, 'no new item');
  t.equal((await enrichedKeys(stack)).length, 2, 'no new object');
});

t.test('duplicates: the same ticket twice in one event, and the same event twice, store one item and one object', async (t) => {
  const stack = await startStack(t);
  const tickets = generateTickets(3, 41);
  await uploadTickets(stack, tickets);
  const again = tickets[0]!;
  await sendBody(stack, JSON.stringify({ Records: [{ key: `${again.ticket_id}.json` }] }));
  const event = await receiveEvent(stack, 5);
  t.equal(event.Records.filter((r) => keyOf(r) === `${again.ticket_id}.json`).length, 2, 'the event names one ticket twice');
  const { logger, lines } = captureLogs();
  const handler = makeHandler(t, { env: stack.env, enricher, logger });

  t.same(await handler(event, context()), { batchItemFailures: [] });
  const items = await tableItems(stack);
  t.same(items.map((i) => i.ticket_id).sort(), tickets.map((x) => x.ticket_id).sort(), 'one item per ticket');
  t.same(await enrichedKeys(stack), tickets.map((x) => `${x.ticket_id}.json`).sort(), 'one object per ticket');
  t.same(lines.filter((l) => l.msg === 'batch enriched').map((l) => l.tickets), [3], 'the repeated ticket enriched once');
  const before = await enrichedObject(stack, `${again.ticket_id}.json`);

  // Lambda delivers the same event again (e.g. the function's response was lost).
  t.same(await handler(event, context()), { batchItemFailures: [] });
  t.equal((await tableItems(stack)).length, 3, 'still one item per ticket');
  t.same(await enrichedKeys(stack), tickets.map((x) => `${x.ticket_id}.json`).sort(), 'still one object per ticket');
  const after = await enrichedObject(stack, `${again.ticket_id}.json`);
  t.equal((after.enrichment as { processed_at: string }).processed_at, (before.enrichment as { processed_at: string }).processed_at, 'the object was not rewritten');
  const done = lines.filter((l) => l.msg === 'batch done');
  t.same(done.map((l) => [l.stored, l.duplicates]), [[3, 0], [0, 3]], 'the second run found every ticket stored');
});

t.test('init failure: every invocation throws what failed and what to do; nothing is processed', async (t) => {
  const stack = await startStack(t);
  await uploadTickets(stack, generateTickets(2, 51));
  const event = await receiveEvent(stack, 3);
  const { logger, lines } = captureLogs();
  const handler = makeHandler(t, { env: { ...stack.env, EMBEDDING_MODEL: '/no/such/folder' }, logger });
  t.equal(await handler.warm(), false, 'warm() reports the failure without throwing');
  for (let i = 0; i < 2; i++) {
    await t.rejects(
      handler(event, context()),
      { name: 'LambdaInitError', code: 'MODEL_NOT_FOUND', message: /could not initialize.*\/no\/such\/folder does not exist.*\/opt\/models.*EMBEDDING_MODEL.*Lambda retries the whole batch/s },
      `invocation ${i + 1} throws the init error`,
    );
  }
  t.same(await tableItems(stack), [], 'nothing stored');
  t.equal(lines.filter((l) => l.msg === 'lambda init failed').length, 1, 'init tried once per execution environment');
  t.equal(lines.filter((l) => l.msg === 'invocation failed: handler not initialized').length, 2, 'each invocation logs it');

  // A hub id that is not on disk is an error, never a download.
  const hub = makeHandler(t, { env: { ...stack.env, EMBEDDING_MODEL: 'Xenova/not-in-any-cache' }, logger });
  await t.rejects(hub(event, context()), { name: 'LambdaInitError', message: /Xenova\/not-in-any-cache.*pull: false/s });

  // A bad setting names its variable.
  const bad = makeHandler(t, { env: { ...stack.env, TICKET_PROCESSOR_LAMBDA_MARGIN_MS: 'soon' }, enricher, logger });
  await t.rejects(bad(event, context()), { code: 'CONFIG_INVALID', message: /TICKET_PROCESSOR_LAMBDA_MARGIN_MS/ });
});
