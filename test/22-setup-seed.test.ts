// `ticket-processor setup` and `ticket-processor seed` as a user runs them (child processes)
// against the embedded endpoint; results checked with real SDK clients.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetBucketNotificationConfigurationCommand, HeadBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import t, { type Test } from 'tap';

import { type AwsClients, awsSettingsFromEnv, createAwsClients } from '../src/aws/aws-settings.js';
import { setupResources } from '../src/aws/setup-resources.js';
import { createTicketGenerator } from '../src/seed/ticket-generator.js';
import { CLI } from './helpers.js';
import { startLocalAws } from './local-aws.js';

const run = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** stderr without the AWS SDK's Node 20 support warning */
const ourStderr = (stderr: string) => stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?--trace-warnings[^\n]*\n/g, '');

async function drain(clients: AwsClients, queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }));
    if (!Messages?.length) return all;
    all.push(...Messages);
  }
}

async function localWithClients(t: Test) {
  const local = await startLocalAws(t);
  const settings = awsSettingsFromEnv(local.env);
  const clients = createAwsClients(settings, local.env);
  t.teardown(() => clients.destroy());
  return { ...local, settings, clients };
}

t.test('setup creates every resource with the right attributes; a second run changes nothing and says so', async (t) => {
  const { env, settings, clients } = await localWithClients(t);
  const first = await cli(['setup'], env);
  t.equal(first.code, 0, 'exits 0', { stderr: ourStderr(first.stderr) });
  const lines = first.stdout.trim().split('\n');
  t.same(
    lines.slice(0, 6).map((l) => l.split(/\s+/).slice(0, 3).join(' ')),
    [
      `created bucket ${settings.rawBucket}`,
      `created bucket ${settings.enrichedBucket}`,
      `created queue ${settings.queueName}-dlq`,
      `created queue ${settings.queueName}`,
      `created table ${settings.table}`,
      `created notification ${settings.rawBucket}`,
    ],
  );
  t.match(first.stdout, /6 created, 0 updated, 0 already there/);

  for (const bucket of [settings.rawBucket, settings.enrichedBucket]) await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
  const queueUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: settings.queueName }))).QueueUrl!;
  const dlqUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: `${settings.queueName}-dlq` }))).QueueUrl!;
  const attributes = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }))).Attributes!;
  const dlqArn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  t.match(attributes, { VisibilityTimeout: '300', ReceiveMessageWaitTimeSeconds: '20', MessageRetentionPeriod: '86400' });
  const redrive = JSON.parse(attributes.RedrivePolicy!) as { deadLetterTargetArn: string; maxReceiveCount: string | number };
  t.equal(redrive.deadLetterTargetArn, dlqArn);
  t.equal(Number(redrive.maxReceiveCount), 5);
  t.match(JSON.parse(attributes.Policy!), { Statement: [{ Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: attributes.QueueArn }] });

  const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: settings.table }))).Table!;
  t.equal(table.TableStatus, 'ACTIVE');
  t.same(table.KeySchema, [
    { AttributeName: 'ticket_id', KeyType: 'HASH' },
    { AttributeName: 'created_at', KeyType: 'RANGE' },
  ]);
  t.same(
    Object.fromEntries(table.AttributeDefinitions!.map((d) => [d.AttributeName, d.AttributeType])),
    { ticket_id: 'S', created_at: 'N', urgency: 'S' },
  );
  t.equal(table.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
  t.match(table.GlobalSecondaryIndexes, [{ IndexName: 'urgency-index', KeySchema: [{ AttributeName: 'urgency', KeyType: 'HASH' }, { AttributeName: 'created_at', KeyType: 'RANGE' }] }]);

  const notification = await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: settings.rawBucket }));
  t.match(notification.QueueConfigurations, [{ QueueArn: attributes.QueueArn, Events: ['s3:ObjectCreated:*'] }]);

  const second = await cli(['setup'], env);
  t.equal(second.code, 0, 'exits 0', { stderr: ourStderr(second.stderr) });
  const statuses = second.stdout.trim().split('\n').slice(0, 6).map((l) => l.split(/\s+/)[0]);
  t.same(statuses, ['exists', 'exists', 'exists', 'exists', 'exists', 'exists']);
  t.match(second.stdout, /nothing to change: all 6 resources exist/);
  const testEvents = (await drain(clients, queueUrl)).filter((m) => (JSON.parse(m.Body!) as { Event?: string }).Event === 's3:TestEvent');
  t.equal(testEvents.length, 1, 'the second run did not set the notification again (one s3:TestEvent)');

  // the library answers the same
  const again = await setupResources(settings, clients);
  t.ok(again.unchanged);
  t.equal(again.queueUrl, queueUrl);
});

t.test('setup repairs a queue attribute that differs (reported as updated)', async (t) => {
  const { env, settings, clients } = await localWithClients(t);
  await setupResources(settings, clients);
  const queueUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: settings.queueName }))).QueueUrl!;
  const { SetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: '30' } }));
  const result = await cli(['setup'], env);
  t.equal(result.code, 0, 'exits 0', { stderr: ourStderr(result.stderr) });
  t.match(result.stdout, new RegExp(`^updated +queue +${settings.queueName} \\(VisibilityTimeout 30 -> 300\\)$`, 'm'));
  t.match(result.stdout, /0 created, 1 updated, 5 already there/);
});

t.test('seed --count 20 --seed 7 uploads 20 tickets, and they queue 20 S3 events', async (t) => {
  const { env, settings, clients } = await localWithClients(t);
  t.equal((await cli(['setup'], env)).code, 0);
  const result = await cli(['seed', '--count', '20', '--seed', '7'], env);
  t.equal(result.code, 0, 'exits 0', { stderr: ourStderr(result.stderr) });
  t.match(ourStderr(result.stderr), /uploaded 20\/20\n/);
  t.match(ourStderr(result.stderr), new RegExp(`uploaded 20 tickets to s3://${settings.rawBucket} in [\\d.]+ s \\([\\d.]+/s, seed 7\\)`));

  const expected = createTicketGenerator(7).take(20).map((g) => g.ticket);
  const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: settings.rawBucket }));
  t.same(listed.Contents!.map((o) => o.Key).sort(), expected.map((e) => `${e.ticket_id}.json`).sort());

  const queueUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: settings.queueName }))).QueueUrl!;
  const bodies = (await drain(clients, queueUrl)).map((m) => JSON.parse(m.Body!) as { Event?: string; Records?: Array<{ eventName: string; s3: { bucket: { name: string }; object: { key: string; size: number } } }> });
  const events = bodies.filter((b) => b.Records).flatMap((b) => b.Records!);
  t.equal(bodies.length - events.length, 1, 'plus the one s3:TestEvent from setup');
  t.equal(events.length, 20);
  t.same(events.map((e) => e.s3.object.key).sort(), expected.map((e) => `${e.ticket_id}.json`).sort());
  t.ok(events.every((e) => e.eventName === 'ObjectCreated:Put' && e.s3.bucket.name === settings.rawBucket));
  const first = expected[0]!;
  t.equal(events.find((e) => e.s3.object.key === `${first.ticket_id}.json`)!.s3.object.size, Buffer.byteLength(JSON.stringify(first)));
});

t.test('seed --out writes the same JSON lines for the same seed, without AWS', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-seed-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const noAws = { ...process.env, USE_LOCALSTACK: 'true', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }; // nothing listens there
  const a = await cli(['seed', '--count', '20', '--seed', '7', '--out', path.join(dir, 'a.jsonl')], noAws);
  const b = await cli(['seed', '-n', '20', '-s', '7', '-o', path.join(dir, 'b.jsonl')], noAws);
  const c = await cli(['seed', '--count', '20', '--seed', '8', '--out', path.join(dir, 'c.jsonl')], noAws);
  t.equal(a.code, 0, 'exits 0', { stderr: ourStderr(a.stderr) });
  t.equal(b.code, 0);
  t.equal(c.code, 0);
  const text = readFileSync(path.join(dir, 'a.jsonl'), 'utf8');
  t.equal(readFileSync(path.join(dir, 'b.jsonl'), 'utf8'), text, 'byte for byte the same');
  t.not(readFileSync(path.join(dir, 'c.jsonl'), 'utf8'), text, 'another seed, other tickets');
  const lines = text.trimEnd().split('\n');
  t.equal(lines.length, 20);
  t.same(lines.map((l) => JSON.parse(l)), createTicketGenerator(7).take(20).map((g) => g.ticket));
  const stdout = await cli(['seed', '--count', '3', '--seed', '7', '--out', '-'], noAws);
  t.equal(stdout.stdout, `${lines.slice(0, 3).join('\n')}\n`, '--out - writes to stdout');
});

t.test('bad flags and missing resources give clear errors', async (t) => {
  // flag errors need no endpoint; run them side by side
  const [badCount, badRate, badSeed, conflict, badPort, unknown] = await Promise.all([
    cli(['seed', '--count', '0']),
    cli(['seed', '--rate', 'fast']),
    cli(['seed', '--seed', '1.5']),
    cli(['seed', '--out', '-', '--rate', '5']),
    cli(['local', '--port', '70000']),
    cli(['setup', '--frobnicate']),
  ]);
  t.not(badCount.code, 0);
  t.match(badCount.stderr, /option '-n, --count <n>' argument '0' is invalid\. must be a positive integer/);
  t.not(badRate.code, 0);
  t.match(badRate.stderr, /--rate <r>' argument 'fast' is invalid\. must be a positive number/);
  t.not(badSeed.code, 0);
  t.match(badSeed.stderr, /--seed <s>' argument '1\.5' is invalid\. must be an integer/);
  t.not(conflict.code, 0);
  t.match(conflict.stderr, /cannot be used with option '-o, --out <file>'/);
  t.not(badPort.code, 0);
  t.match(badPort.stderr, /must be a port number from 0 to 65535/);
  t.not(unknown.code, 0);
  t.match(unknown.stderr, /unknown option '--frobnicate'/);

  const badEnv = await cli(['setup'], { ...process.env, S3_BUCKET_RAW: 'x' });
  t.equal(badEnv.code, 1);
  t.match(ourStderr(badEnv.stderr), /^ticket-processor: invalid environment:\s+env\.S3_BUCKET_RAW: .+ \[CONFIG_INVALID\]\n$/);

  const { env, settings } = await localWithClients(t);
  const noBucket = await cli(['seed', '--count', '2', '--seed', '1'], env);
  t.equal(noBucket.code, 1);
  t.match(ourStderr(noBucket.stderr), new RegExp(`ticket-processor: bucket ${settings.rawBucket} does not exist at http://127\\.0\\.0\\.1:\\d+: run \`ticket-processor setup\` first.*\\[CONFIG_INVALID\\]`));

  const help = await cli(['seed', '--help']);
  t.match(help.stdout, /--count <n> +number of tickets \(default: 20\)/);
  t.match(help.stdout, /--out <file>/);
  t.match((await cli(['--help'])).stdout, /local[\s\S]*setup[\s\S]*seed/);
});

t.test('setup against an endpoint where nothing listens says to start one', async (t) => {
  const env = { ...process.env, USE_LOCALSTACK: 'true', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  const result = await cli(['setup'], env);
  t.equal(result.code, 1);
  t.match(ourStderr(result.stderr), /^ticket-processor: checking bucket tickets-raw failed: nothing answers at http:\/\/127\.0\.0\.1:9: start `ticket-processor local`/);
});
