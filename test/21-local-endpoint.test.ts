// The embedded AWS endpoint (`ticket-processor local`): real SDK v3 clients over HTTP, all three
// services through one URL, S3 -> SQS notifications, --data persistence, and the CLI process.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ConditionalCheckFailedException, CreateTableCommand, DescribeTableCommand, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import t, { type Test } from 'tap';

import { awsSettingsFromEnv, createAwsClients, type AwsClients } from '../src/aws/aws-settings.js';
import { isTicketProcessorError } from '../src/errors.js';
import { startLocalEndpoint } from '../src/local/local-endpoint.js';
import { encodeEventKey } from '../src/local/s3-event.js';
import { CLI } from './helpers.js';
import { startLocalAws } from './local-aws.js';

async function clientsFor(t: Test, dataDir?: string): Promise<{ clients: AwsClients; url: string; env: NodeJS.ProcessEnv }> {
  const local = await startLocalAws(t, dataDir === undefined ? {} : { dataDir });
  const clients = createAwsClients(awsSettingsFromEnv(local.env), local.env);
  t.teardown(() => clients.destroy());
  return { clients, ...local };
}

async function createQueue(clients: AwsClients, name: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const arn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
}

/** every message visible now (the endpoint queues S3 events before answering the upload) */
async function drain(clients: AwsClients, queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }));
    if (!Messages?.length) return all;
    all.push(...Messages);
  }
}

interface S3EventRecord {
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  eventTime: string;
  eventName: string;
  s3: { configurationId: string; bucket: { name: string; arn: string }; object: { key: string; size: number; eTag: string; sequencer: string } };
}

const records = (messages: Message[]) => messages.flatMap((m) => ((JSON.parse(m.Body!) as { Records?: S3EventRecord[] }).Records ?? []));
const md5 = (body: string | Buffer) => createHash('md5').update(body).digest('hex');

function tempDir(t: Test): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-local-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('S3, SQS and DynamoDB answer on one URL', async (t) => {
  const { clients, url } = await clientsFor(t);
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);

  // S3: put and get back, a body large enough to need streaming (6 MB)
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'things' }));
  const big = Buffer.alloc(6 * 1024 * 1024, 'abcdefghij');
  await clients.s3.send(new PutObjectCommand({ Bucket: 'things', Key: 'small.json', Body: '{"a":1}' }));
  await clients.s3.send(new PutObjectCommand({ Bucket: 'things', Key: 'big.bin', Body: big }));
  t.equal(await (await clients.s3.send(new GetObjectCommand({ Bucket: 'things', Key: 'small.json' }))).Body!.transformToString(), '{"a":1}');
  const gotBig = Buffer.from(await (await clients.s3.send(new GetObjectCommand({ Bucket: 'things', Key: 'big.bin' }))).Body!.transformToByteArray());
  t.ok(gotBig.equals(big), 'a 6 MB object comes back byte for byte');

  // SQS: send, receive
  const queue = await createQueue(clients, 'plain');
  await clients.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'hello' }));
  const received = await drain(clients, queue.url);
  t.same(received.map((m) => m.Body), ['hello']);

  // DynamoDB: a table, an item, a condition that fails
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: 'items',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  while ((await clients.dynamodb.send(new DescribeTableCommand({ TableName: 'items' }))).Table!.TableStatus !== 'ACTIVE') await new Promise((r) => setTimeout(r, 50));
  await clients.dynamodb.send(new PutItemCommand({ TableName: 'items', Item: { id: { S: 'a' }, n: { N: '1' } }, ConditionExpression: 'attribute_not_exists(id)' }));
  const item = await clients.dynamodb.send(new GetItemCommand({ TableName: 'items', Key: { id: { S: 'a' } } }));
  t.same(item.Item, { id: { S: 'a' }, n: { N: '1' } });
  await t.rejects(
    clients.dynamodb.send(new PutItemCommand({ TableName: 'items', Item: { id: { S: 'a' }, n: { N: '2' } }, ConditionExpression: 'attribute_not_exists(id)' })),
    ConditionalCheckFailedException,
  );
  t.same((await clients.dynamodb.send(new GetItemCommand({ TableName: 'items', Key: { id: { S: 'a' } } }))).Item!.n, { N: '1' }, 'the failed condition wrote nothing');
});

t.test('SQS redrives a message to its dead-letter queue after maxReceiveCount receives', async (t) => {
  const { clients } = await clientsFor(t);
  const dlq = await createQueue(clients, 'work-dlq');
  const work = await createQueue(clients, 'work', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }) });
  await clients.sqs.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: 'poison' }));
  for (let i = 1; i <= 2; i++) {
    const [m] = await drain(clients, work.url);
    t.equal(m?.Body, 'poison', `receive ${i}`);
    await clients.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: work.url, ReceiptHandle: m!.ReceiptHandle!, VisibilityTimeout: 0 }));
  }
  t.same(await drain(clients, work.url), [], 'a third receive finds the queue empty');
  t.same((await drain(clients, dlq.url)).map((m) => m.Body), ['poison'], 'the message is in the DLQ');
});

t.test('S3 -> SQS notifications: test event, AWS event format, URL-encoded keys, prefix filter', async (t) => {
  const { clients } = await clientsFor(t);
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'inbox' }));
  const queue = await createQueue(clients, 'events');
  await clients.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'inbox',
      NotificationConfiguration: {
        QueueConfigurations: [{ Id: 'incoming-only', QueueArn: queue.arn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } } }],
      },
    }),
  );
  const config = await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }));
  t.same(config.QueueConfigurations, [{ Id: 'incoming-only', QueueArn: queue.arn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } } }]);

  const [testEvent, ...rest] = await drain(clients, queue.url);
  t.same(rest, []);
  t.match(JSON.parse(testEvent!.Body!), { Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'inbox', Time: /^\d{4}-\d\d-\d\dT/ });

  const key = 'incoming/my ticket ü+é 日本.json';
  const body = '{"ticket_id":"x","subject":"ünïcödé"}';
  await clients.s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: key, Body: body }));
  await clients.s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'other/ignored.json', Body: '{}' }));
  const messages = await drain(clients, queue.url);
  t.equal(messages.length, 1, 'one message: the object outside the prefix sent none');
  const [record] = records(messages);
  t.match(record, {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventName: 'ObjectCreated:Put',
    s3: { configurationId: 'incoming-only', bucket: { name: 'inbox', arn: 'arn:aws:s3:::inbox' } },
  });
  t.ok(!Number.isNaN(Date.parse(record!.eventTime)));
  t.equal(record!.s3.object.key, 'incoming/my+ticket+%C3%BC%2B%C3%A9+%E6%97%A5%E6%9C%AC.json', 'spaces as +, UTF-8 and + percent-encoded, / kept');
  t.equal(decodeURIComponent(record!.s3.object.key.replace(/\+/g, ' ')), key, 'unquote_plus gives the key back');
  t.equal(record!.s3.object.size, Buffer.byteLength(body));
  t.equal(record!.s3.object.eTag, md5(body));
  t.match(record!.s3.object.sequencer, /^[0-9A-F]{16,}$/);

  // a multipart upload is an object creation too
  const { UploadId } = await clients.s3.send(new CreateMultipartUploadCommand({ Bucket: 'inbox', Key: 'incoming/parts.bin' }));
  const part = Buffer.alloc(5 * 1024 * 1024, 1);
  const { ETag } = await clients.s3.send(new UploadPartCommand({ Bucket: 'inbox', Key: 'incoming/parts.bin', UploadId, PartNumber: 1, Body: part }));
  await clients.s3.send(new CompleteMultipartUploadCommand({ Bucket: 'inbox', Key: 'incoming/parts.bin', UploadId, MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] } }));
  const [multipart] = records(await drain(clients, queue.url));
  t.match(multipart, { eventName: 'ObjectCreated:CompleteMultipartUpload', s3: { object: { key: 'incoming/parts.bin', size: part.length } } });

  // and so is a copy
  await clients.s3.send(new CopyObjectCommand({ Bucket: 'inbox', Key: 'incoming/copy.json', CopySource: `inbox/${encodeURIComponent(key)}` }));
  const [copy] = records(await drain(clients, queue.url));
  t.match(copy, { eventName: 'ObjectCreated:Copy', s3: { object: { key: 'incoming/copy.json', size: Buffer.byteLength(body), eTag: md5(body) } } });
});

t.test('a notification to a missing queue or bucket is refused as S3 refuses it', async (t) => {
  const { clients } = await clientsFor(t);
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'inbox' }));
  const put = (bucket: string) =>
    clients.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: { QueueConfigurations: [{ QueueArn: 'arn:aws:sqs:us-east-1:000000000000:nope', Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
  await t.rejects(put('inbox'), { name: 'InvalidArgument', message: /Unable to validate the following destination configurations/ });
  await t.rejects(put('no-such-bucket'), { name: 'NoSuchBucket' });
  t.same((await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }))).QueueConfigurations ?? [], [], 'nothing was stored');
});

t.test('key encoding follows S3 events', async (t) => {
  t.equal(encodeEventKey('a b/c+d.json'), 'a+b/c%2Bd.json');
  t.equal(encodeEventKey("x=1&y=(2)!'~*"), 'x%3D1%26y%3D%282%29%21%27%7E*');
  t.equal(encodeEventKey('TKT-0a1b2c3d.json'), 'TKT-0a1b2c3d.json');
});

t.test('--data keeps DynamoDB and notification configurations across a restart; S3 and SQS are in memory', async (t) => {
  const dataDir = tempDir(t);
  const first = await startLocalEndpoint({ port: 0, dataDir });
  const firstEnv = { ...process.env, USE_LOCALSTACK: 'true', AWS_ENDPOINT_URL: first.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  let clients = createAwsClients(awsSettingsFromEnv(firstEnv), firstEnv);
  await clients.dynamodb.send(
    new CreateTableCommand({ TableName: 'kept', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }),
  );
  while ((await clients.dynamodb.send(new DescribeTableCommand({ TableName: 'kept' }))).Table!.TableStatus !== 'ACTIVE') await new Promise((r) => setTimeout(r, 50));
  await clients.dynamodb.send(new PutItemCommand({ TableName: 'kept', Item: { id: { S: 'k1' } } }));
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'inbox' }));
  const queue = await createQueue(clients, 'events');
  await clients.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'inbox', NotificationConfiguration: { QueueConfigurations: [{ Id: 'kept-config', QueueArn: queue.arn, Events: ['s3:ObjectCreated:Put'] }] } }));

  await t.rejects(startLocalEndpoint({ port: 0, dataDir }), { code: 'CONFIG_INVALID', message: /in use/ }, 'one endpoint per data folder');
  clients.destroy();
  await first.close();

  const second = await startLocalEndpoint({ port: 0, dataDir });
  t.teardown(() => second.close());
  const secondEnv = { ...firstEnv, AWS_ENDPOINT_URL: second.url };
  clients = createAwsClients(awsSettingsFromEnv(secondEnv), secondEnv);
  t.teardown(() => clients.destroy());
  t.same((await clients.dynamodb.send(new ListTablesCommand({}))).TableNames, ['kept']);
  t.same((await clients.dynamodb.send(new GetItemCommand({ TableName: 'kept', Key: { id: { S: 'k1' } } }))).Item, { id: { S: 'k1' } });
  await t.rejects(clients.s3.send(new HeadBucketCommand({ Bucket: 'inbox' })), { name: 'NotFound' }, 'buckets are not kept (fauxqs is in memory only)');
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'inbox' }));
  const config = await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }));
  t.same(config.QueueConfigurations?.map((c) => [c.Id, c.QueueArn, c.Events]), [['kept-config', queue.arn, ['s3:ObjectCreated:Put']]], 'the notification configuration is kept');
  // the queue is gone with the restart: recreated, events flow again
  const again = await createQueue(clients, 'events');
  t.equal(again.arn, queue.arn);
  await clients.s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'after-restart.json', Body: '{}' }));
  t.match(records(await drain(clients, again.url)), [{ eventName: 'ObjectCreated:Put', s3: { configurationId: 'kept-config', object: { key: 'after-restart.json' } } }]);
});

t.test('a port in use is a clear CONFIG_INVALID error', async (t) => {
  const first = await startLocalEndpoint({ port: 0 });
  t.teardown(() => first.close());
  const error = await startLocalEndpoint({ port: first.port }).catch((e: unknown) => e);
  t.ok(isTicketProcessorError(error));
  t.match(error, { code: 'CONFIG_INVALID', message: new RegExp(`port ${first.port} on 127\\.0\\.0\\.1 is in use.*--port`) });
});

t.test('`ticket-processor local --port 0` prints its URL, serves, and exits 0 on SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'local', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      const found = /at (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (found) resolve(found[1]!);
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before printing a URL: ${stderr}`)));
  });
  t.match(stdout, `export USE_LOCALSTACK=true AWS_ENDPOINT_URL=${url}`);
  const env = { ...process.env, USE_LOCALSTACK: 'true', AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  const clients = createAwsClients(awsSettingsFromEnv(env), env);
  t.same((await clients.dynamodb.send(new ListTablesCommand({}))).TableNames, []);
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'cli-bucket' }));
  clients.destroy();
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exit status 0');
  t.match(stderr, /SIGTERM: stopping[\s\S]*stopped/);
});
