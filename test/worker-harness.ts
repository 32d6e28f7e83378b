// The worker tests' stack: the embedded AWS endpoint (fauxqs + dynalite, real HTTP), the
// resources `ticket-processor setup` creates, and helpers to feed tickets in, look at what came
// out, and run the worker as a child process.
import { type ChildProcess, spawn } from 'node:child_process';

import { PutObjectCommand, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Test } from 'tap';

import type { AwsClients, AwsSettings } from '../src/aws/aws-settings.js';
import type { SetupResult } from '../src/aws/setup-resources.js';
import { createTicketGenerator } from '../src/seed/ticket-generator.js';
import { CLI, TINY_BART, TINY_BERT, TINY_SST2 } from './helpers.js';
import { setupLocalAws } from './local-aws.js';

export interface Stack {
  /** the environment a worker (child process or createWorker({ env })) runs with */
  env: NodeJS.ProcessEnv;
  settings: AwsSettings;
  /** the test's own clients: always straight to the endpoint */
  clients: AwsClients;
  setup: SetupResult;
  endpointUrl: string;
}

/**
 * A fresh endpoint with the resources of `ticket-processor setup` (test/local-aws.ts), and the
 * fixture models. `extraEnv` is for the worker: e.g. AWS_ENDPOINT_URL of a fault proxy.
 */
export async function startStack(t: Test, extraEnv: NodeJS.ProcessEnv = {}): Promise<Stack> {
  const aws = await setupLocalAws(t);
  const env: NodeJS.ProcessEnv = {
    ...aws.env,
    SQS_VISIBILITY_TIMEOUT: '30',
    TICKET_PROCESSOR_METRICS_PORT: '0',
    TICKET_PROCESSOR_METRICS_HOST: '127.0.0.1',
    TICKET_PROCESSOR_LOG_LEVEL: 'warn',
    EMBEDDING_MODEL: TINY_BERT,
    CLASSIFIER_MODEL: TINY_SST2,
    SUMMARIZER_MODEL: TINY_BART,
    HF_HUB_OFFLINE: '1',
    ...extraEnv,
  };
  return { env, settings: aws.settings, clients: aws.clients, setup: aws.resources, endpointUrl: aws.url };
}

export function generateTickets(count: number, seed: number) {
  return createTicketGenerator(seed)
    .take(count)
    .map((g) => g.ticket);
}

/** Uploads each ticket as <ticket_id>.json to the raw bucket: S3 notifies the queue. */
export async function uploadTickets(stack: Stack, tickets: readonly { ticket_id: string }[]): Promise<void> {
  await Promise.all(
    tickets.map((ticket) =>
      stack.clients.s3.send(new PutObjectCommand({ Bucket: stack.settings.rawBucket, Key: `${ticket.ticket_id}.json`, Body: JSON.stringify(ticket), ContentType: 'application/json' })),
    ),
  );
}

export async function putRaw(stack: Stack, key: string, body: string | Uint8Array): Promise<void> {
  await stack.clients.s3.send(new PutObjectCommand({ Bucket: stack.settings.rawBucket, Key: key, Body: body }));
}

export async function sendBody(stack: Stack, body: string): Promise<void> {
  await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: stack.setup.queueUrl, MessageBody: body }));
}

export async function tableItems(stack: Stack): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await stack.clients.documents.send(new ScanCommand({ TableName: stack.settings.table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function enrichedKeys(stack: Stack): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await stack.clients.s3.send(new ListObjectsV2Command({ Bucket: stack.settings.enrichedBucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

export async function enrichedObject(stack: Stack, key: string): Promise<Record<string, unknown>> {
  const out = await stack.clients.s3.send(new GetObjectCommand({ Bucket: stack.settings.enrichedBucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
}

/** Visible + in-flight messages of the queue and of its dead-letter queue. */
export async function queueDepth(stack: Stack): Promise<{ queue: number; deadLetter: number }> {
  const count = async (url: string) => {
    const a = (
      await stack.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      )
    ).Attributes!;
    return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
  };
  return { queue: await count(stack.setup.queueUrl), deadLetter: await count(stack.setup.deadLetterQueueUrl) };
}

/** Polls until check() is true; fails with `what` after timeoutMs. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `ticket-processor worker` as a real child process with the stack's environment. */
export function spawnWorker(stack: Stack, extraEnv: NodeJS.ProcessEnv = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker'], {
    env: { ...stack.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (s: string) => stdout.push(...s.split('\n').filter(Boolean)));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => stderr.push(...s.split('\n').filter(Boolean)));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout, stderr, exit };
}
