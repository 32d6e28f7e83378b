/**
 * The embedded AWS endpoint for tests, one per test, on a free port, closed at the test's end.
 *
 *   const { url, env } = await startLocalAws(t);            // empty endpoint
 *   const aws = await setupLocalAws(t);                      // + buckets, queues, table, notification
 *   await aws.clients.s3.send(new PutObjectCommand({ Bucket: aws.settings.rawBucket, ... }));
 *   spawn(process.execPath, [...], { env: aws.env });        // a child process sees the same resources
 *
 * `env` is process.env plus USE_LOCALSTACK=true, AWS_ENDPOINT_URL, AWS_REGION, dummy
 * credentials and resource names unique to the call (S3_BUCKET_RAW, S3_BUCKET_ENRICHED,
 * SQS_QUEUE_NAME, DYNAMODB_TABLE), so tests never share state even on one endpoint.
 * SQS_POLL_INTERVAL is 1 so consumers under test notice an empty queue quickly.
 *
 * As on AWS, setting the notification puts one `s3:TestEvent` message in the queue (no
 * `Records`): consumers must skip it. Once a PutObject call returns, its S3 event is already
 * in the queue (the endpoint delivers it before answering), so tests need not wait for it.
 */
import type { Test } from 'tap';

import { type AwsClients, type AwsSettings, awsSettingsFromEnv, createAwsClients } from '../src/aws/aws-settings.js';
import { type SetupResult, setupResources } from '../src/aws/setup-resources.js';
import { startLocalEndpoint } from '../src/local/local-endpoint.js';

export interface LocalAws {
  /** the endpoint, e.g. http://127.0.0.1:41234 */
  url: string;
  /** the environment a worker or CLI child process needs to use it */
  env: NodeJS.ProcessEnv;
}

export interface LocalAwsWithResources extends LocalAws {
  settings: AwsSettings;
  /** closed at the test's end */
  clients: AwsClients;
  /** queue URLs and ARNs */
  resources: SetupResult;
}

let instance = 0;

/** names unique to this process and call: `<base>-<pid>-<n>` (valid bucket, queue and table names) */
export function uniqueNames(): Pick<NodeJS.ProcessEnv, 'S3_BUCKET_RAW' | 'S3_BUCKET_ENRICHED' | 'SQS_QUEUE_NAME' | 'DYNAMODB_TABLE'> {
  const suffix = `${process.pid}-${++instance}`;
  return {
    S3_BUCKET_RAW: `tickets-raw-${suffix}`,
    S3_BUCKET_ENRICHED: `tickets-enriched-${suffix}`,
    SQS_QUEUE_NAME: `ticket-processing-queue-${suffix}`,
    DYNAMODB_TABLE: `tickets-${suffix}`,
  };
}

/** Starts an endpoint in this process on a free port; `t.teardown` closes it. */
export async function startLocalAws(t: Test, options: { dataDir?: string; region?: string } = {}): Promise<LocalAws> {
  const region = options.region ?? 'us-east-1';
  const endpoint = await startLocalEndpoint({ port: 0, region, ...(options.dataDir !== undefined && { dataDir: options.dataDir }) });
  t.teardown(() => endpoint.close());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    USE_LOCALSTACK: 'true',
    AWS_ENDPOINT_URL: endpoint.url,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    SQS_POLL_INTERVAL: '1',
    ...uniqueNames(),
  };
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE', 'SQS_QUEUE_URL']) delete env[name];
  return { url: endpoint.url, env };
}

/** `startLocalAws` + every resource `ticket-processor setup` creates. */
export async function setupLocalAws(t: Test, options: { dataDir?: string; region?: string } = {}): Promise<LocalAwsWithResources> {
  const local = await startLocalAws(t, options);
  const settings = awsSettingsFromEnv(local.env);
  const clients = createAwsClients(settings, local.env);
  t.teardown(() => clients.destroy());
  const resources = await setupResources(settings, clients);
  return { ...local, settings, clients, resources };
}
