// What the worker reads from SQS and S3, without the queue: message bodies, keys, ticket checks
// and the worker's environment.
import t from 'tap';

import { decodeEventKey, parseMessageBody } from '../src/worker/message-parser.js';
import { isSafeTicketId } from '../src/worker/ticket-source.js';
import { workerSettingsFromEnv } from '../src/worker/worker-config.js';

const RAW = 'tickets-raw';

function s3Event(records: { key: string; eventName?: string; bucket?: string }[]): string {
  return JSON.stringify({
    Records: records.map((r) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: r.eventName ?? 'ObjectCreated:Put',
      s3: { bucket: { name: r.bucket ?? RAW }, object: { key: r.key, size: 10, eTag: 'abc' } },
    })),
  });
}

t.test('S3 event notifications: several records, URL-decoded keys, removals ignored', async (t) => {
  const parsed = parseMessageBody(
    s3Event([{ key: 'T-1.json' }, { key: 'folder/my+ticket%C3%A9+%2B1.json' }, { key: 'gone.json', eventName: 'ObjectRemoved:Delete' }, { key: 'x.json', bucket: 'other' }]),
    RAW,
  );
  t.same(
    parsed.refs.map((r) => [r.bucket, r.key]),
    [
      [RAW, 'T-1.json'],
      [RAW, 'folder/my ticketé +1.json'],
      ['other', 'x.json'],
    ],
  );
  t.equal(parsed.ignored, 1);
  t.equal(parsed.refs[0]!.eTag, 'abc');
  t.equal(decodeEventKey('a+b%2Bc'), 'a b+c', '+ is a space, %2B a plus');
});

t.test('the manual form, SNS-wrapped events and the S3 test event', async (t) => {
  t.same(parseMessageBody('{"Records":[{"key":"T 2.json"}]}', RAW).refs, [{ bucket: RAW, key: 'T 2.json' }], 'manual keys are taken as they are');
  const sns = JSON.stringify({ Type: 'Notification', Message: s3Event([{ key: 'T-3.json' }]) });
  t.same(parseMessageBody(sns, RAW).refs.map((r) => r.key), ['T-3.json']);
  const test = parseMessageBody(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: RAW }), RAW);
  t.same([test.testEvent, test.refs], [true, []]);
});

t.test('poison bodies name their reason', async (t) => {
  const cases: [string | undefined, string, RegExp][] = [
    ['not json', 'malformed-json', /not JSON/],
    ['', 'malformed-json', /empty/],
    [undefined, 'malformed-json', /empty/],
    ['[1,2]', 'unknown-format', /not an object/],
    ['{"hello":1}', 'unknown-format', /no Records/],
    ['{"Records":[]}', 'unknown-format', /no Records/],
    ['{"Records":[{"foo":1}]}', 'unknown-format', /Records\[0\] is neither/],
    ['{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{}}}]}', 'unknown-format', /s3\.bucket\.name/],
    [s3Event([{ key: 'bad%zz' }]), 'malformed-key', /not valid URL encoding/],
    [JSON.stringify({ Records: Array.from({ length: 101 }, () => ({ key: 'k' })) }), 'unknown-format', /at most 100/],
  ];
  for (const [body, reason, message] of cases) {
    t.throws(() => parseMessageBody(body, RAW), { name: 'PoisonMessageError', reason, message }, JSON.stringify(body)?.slice(0, 50) ?? 'undefined');
  }
});

t.test('ticket ids that are safe S3 keys', async (t) => {
  for (const id of ['T-1', 'abc_DEF.9', 'a:b@c', '123']) t.ok(isSafeTicketId(id), id);
  for (const id of ['', '.hidden', '..', '../etc/passwd', 'a/b', 'a\\b', 'tab\there', 'é', 'x'.repeat(201), 'a b']) t.notOk(isSafeTicketId(id), JSON.stringify(id));
});

t.test('worker settings: defaults of DESIGN.md, errors that name the variable', async (t) => {
  const s = workerSettingsFromEnv({});
  t.same(
    [s.aws.region, s.aws.endpoint, s.aws.rawBucket, s.aws.enrichedBucket, s.aws.queueName, s.aws.pollSeconds, s.aws.maxMessages, s.aws.visibilityTimeout, s.aws.table],
    ['us-east-1', undefined, 'tickets-raw', 'tickets-enriched', 'ticket-processing-queue', 20, 10, 300, 'tickets'],
  );
  t.equal(s.shutdownTimeoutMs, 25_000);
  t.equal(workerSettingsFromEnv({ USE_LOCALSTACK: 'true' }).aws.endpoint, 'http://localhost:4566');
  t.equal(workerSettingsFromEnv({ USE_LOCALSTACK: 'false', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }).aws.endpoint, 'http://127.0.0.1:9');
  t.equal(workerSettingsFromEnv({ TICKET_PROCESSOR_METRICS_PORT: 'off' }).metricsPort, undefined);
  t.throws(() => workerSettingsFromEnv({ SQS_MAX_MESSAGES: '11', TICKET_PROCESSOR_SHUTDOWN_TIMEOUT: 'soon' }), {
    code: 'CONFIG_INVALID',
    message: /TICKET_PROCESSOR_SHUTDOWN_TIMEOUT[\s\S]*/,
  });
  t.throws(() => workerSettingsFromEnv({ SQS_MAX_MESSAGES: '11' }), { code: 'CONFIG_INVALID', message: /env\.SQS_MAX_MESSAGES: .*10/ });
  t.throws(() => workerSettingsFromEnv({ USE_LOCALSTACK: 'maybe' }), { code: 'CONFIG_INVALID', message: /env\.USE_LOCALSTACK: expected true or false/ });
});
