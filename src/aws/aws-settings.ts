/**
 * Where the AWS resources are and how to reach them, from the environment variables the Python
 * system used (same names and defaults), and the SDK v3 clients built from that. One place, so
 * the worker, the Lambda handler, `setup`, `seed` and `local` all agree.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';

import { parseOrThrow } from '../validation.js';

export const DEFAULT_LOCAL_ENDPOINT = 'http://localhost:4566';

const flag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', ''].includes(v), 'expected true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

const AwsEnvSchema = z.object({
  AWS_REGION: z.string().trim().min(1).default('us-east-1'),
  USE_LOCALSTACK: flag.default(false),
  AWS_ENDPOINT_URL: z.url().optional(),
  S3_BUCKET_RAW: z.string().trim().min(3).default('tickets-raw'),
  S3_BUCKET_ENRICHED: z.string().trim().min(3).default('tickets-enriched'),
  SQS_QUEUE_NAME: z.string().trim().min(1).default('ticket-processing-queue'),
  SQS_QUEUE_URL: z.url().optional(),
  SQS_POLL_INTERVAL: z.coerce.number().int().min(0).max(20).default(20),
  SQS_MAX_MESSAGES: positiveInt(10).default(10),
  SQS_VISIBILITY_TIMEOUT: z.coerce.number().int().min(0).max(43_200).default(300),
  DYNAMODB_TABLE: z.string().trim().min(3).default('tickets'),
});

export interface AwsSettings {
  region: string;
  /** the endpoint every client uses (LocalStack, `ticket-processor local`); undefined: AWS itself */
  endpoint: string | undefined;
  rawBucket: string;
  enrichedBucket: string;
  queueName: string;
  /** SQS_QUEUE_URL when given; otherwise looked up by name (GetQueueUrl) */
  queueUrl: string | undefined;
  /** long-poll wait, seconds (SQS_POLL_INTERVAL, 0–20) */
  pollSeconds: number;
  /** messages per ReceiveMessage (SQS_MAX_MESSAGES, 1–10) */
  maxMessages: number;
  /** seconds a received message stays invisible (SQS_VISIBILITY_TIMEOUT) */
  visibilityTimeout: number;
  table: string;
}

/**
 * The settings in `env`. An endpoint is used when USE_LOCALSTACK is true (AWS_ENDPOINT_URL,
 * default http://localhost:4566) or when AWS_ENDPOINT_URL is set on its own (the SDK's own
 * convention). Empty variables count as unset. Throws CONFIG_INVALID naming each bad variable.
 */
export function awsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsSettings {
  const present = Object.fromEntries(Object.keys(AwsEnvSchema.shape).flatMap((k) => (env[k]?.trim() ? [[k, env[k]]] : [])));
  const e = parseOrThrow(AwsEnvSchema, present, 'env', 'CONFIG_INVALID', 'environment');
  const endpoint = e.USE_LOCALSTACK ? (e.AWS_ENDPOINT_URL ?? DEFAULT_LOCAL_ENDPOINT) : e.AWS_ENDPOINT_URL;
  return {
    region: e.AWS_REGION,
    endpoint,
    rawBucket: e.S3_BUCKET_RAW,
    enrichedBucket: e.S3_BUCKET_ENRICHED,
    queueName: e.SQS_QUEUE_NAME,
    queueUrl: e.SQS_QUEUE_URL,
    pollSeconds: e.SQS_POLL_INTERVAL,
    maxMessages: e.SQS_MAX_MESSAGES,
    visibilityTimeout: e.SQS_VISIBILITY_TIMEOUT,
    table: e.DYNAMODB_TABLE,
  };
}

export interface AwsClients {
  s3: S3Client;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  /** marshalls plain JS values (removeUndefinedValues) */
  documents: DynamoDBDocumentClient;
  destroy(): void;
}

/**
 * SDK v3 clients for the settings. Against an emulator endpoint: path-style S3 (no DNS per
 * bucket) and dummy credentials when none are configured, as LocalStack expects.
 */
export function createAwsClients(settings: Pick<AwsSettings, 'region' | 'endpoint'>, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const local = settings.endpoint !== undefined;
  // Keys in `env` are used as given (it need not be process.env, which the SDK's default chain
  // reads); an emulator gets dummy keys when there are none; otherwise the SDK's chain decides.
  const fromEnv =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }) }
      : undefined;
  const credentials = fromEnv ?? (local && !env.AWS_PROFILE ? { accessKeyId: 'test', secretAccessKey: 'test' } : undefined);
  const common = {
    region: settings.region,
    ...(settings.endpoint && { endpoint: settings.endpoint }),
    ...(credentials && { credentials }),
    maxAttempts: 5, // the SDK's adaptive backoff covers throttling and 5xx
  };
  const s3 = new S3Client({ ...common, forcePathStyle: local });
  const sqs = new SQSClient(common);
  const dynamodb = new DynamoDBClient(common);
  const documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  return {
    s3,
    sqs,
    dynamodb,
    documents,
    destroy() {
      s3.destroy();
      sqs.destroy();
      dynamodb.destroy();
    },
  };
}
