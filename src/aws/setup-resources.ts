/**
 * `ticket-processor setup`: the AWS resources of the Python system, created when missing and
 * left alone when present, so running it twice changes nothing (and says so, per resource).
 *
 *   buckets   S3_BUCKET_RAW, S3_BUCKET_ENRICHED
 *   queues    SQS_QUEUE_NAME (VisibilityTimeout 300, ReceiveMessageWaitTimeSeconds 20,
 *             MessageRetentionPeriod 86400, RedrivePolicy maxReceiveCount 5) and <name>-dlq
 *   table     DYNAMODB_TABLE: ticket_id HASH S, created_at RANGE N, GSI urgency-index
 *             (urgency S, created_at N), PAY_PER_REQUEST
 *   events    the raw bucket's ObjectCreated notifications to the queue
 *
 * Works against AWS, LocalStack and `ticket-processor local`. Existing resources are checked,
 * not recreated: queue attributes that differ are set (reported as "updated"), a table with
 * another key schema is an error (a table cannot change its key).
 */
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  type BucketLocationConstraint,
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  type NotificationConfiguration,
  PutBucketNotificationConfigurationCommand,
  type QueueConfiguration,
} from '@aws-sdk/client-s3';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type KeySchemaElement,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, QueueAttributeName, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';

import { TicketProcessorError } from '../errors.js';
import type { AwsClients, AwsSettings } from './aws-settings.js';

export type ResourceKind = 'bucket' | 'queue' | 'table' | 'notification';
export type ResourceStatus = 'created' | 'exists' | 'updated';

export interface SetupStep {
  kind: ResourceKind;
  name: string;
  status: ResourceStatus;
  /** what was changed, for "updated" */
  detail?: string;
}

export interface SetupResult {
  steps: SetupStep[];
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
  /** true when nothing was created or changed */
  unchanged: boolean;
}

export interface SetupOptions {
  /** called as each resource is done (the CLI prints it) */
  onStep?: (step: SetupStep) => void;
  /** the longest wait for a new table to become ACTIVE, ms (default 5 minutes) */
  tableTimeoutMs?: number;
}

export const QUEUE_ATTRIBUTES = { VisibilityTimeout: '300', ReceiveMessageWaitTimeSeconds: '20', MessageRetentionPeriod: '86400' } as const;
/** messages outlive their source queue's retention in the DLQ (14 days, the SQS maximum) */
export const DLQ_ATTRIBUTES = { MessageRetentionPeriod: '1209600' } as const;
export const MAX_RECEIVE_COUNT = 5;
export const URGENCY_INDEX = 'urgency-index';
/** the Id of the raw bucket's notification configuration; others on the bucket are kept */
export const NOTIFICATION_ID = 'ticket-processor-raw-tickets';
const POLICY_SID = 'ticket-processor-s3-events';

/** `<name>-dlq`, or `<base>-dlq.fifo` for a FIFO queue (a FIFO queue's DLQ must be FIFO) */
export function deadLetterQueueName(queueName: string): string {
  return queueName.endsWith('.fifo') ? `${queueName.slice(0, -5)}-dlq.fifo` : `${queueName}-dlq`;
}

export const TABLE_KEY_SCHEMA: KeySchemaElement[] = [
  { AttributeName: 'ticket_id', KeyType: 'HASH' },
  { AttributeName: 'created_at', KeyType: 'RANGE' },
];
const INDEX_KEY_SCHEMA: KeySchemaElement[] = [
  { AttributeName: 'urgency', KeyType: 'HASH' },
  { AttributeName: 'created_at', KeyType: 'RANGE' },
];
const ATTRIBUTE_DEFINITIONS = [
  { AttributeName: 'ticket_id', AttributeType: 'S' as const },
  { AttributeName: 'created_at', AttributeType: 'N' as const },
  { AttributeName: 'urgency', AttributeType: 'S' as const },
];

function where(settings: Pick<AwsSettings, 'endpoint' | 'region'>): string {
  return settings.endpoint ? settings.endpoint : `AWS (${settings.region})`;
}

function errorName(e: unknown): string {
  return (e as { name?: string })?.name ?? '';
}

function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** Turns an SDK failure into a message that says what to do. */
export function describeAwsFailure(e: unknown, action: string, settings: Pick<AwsSettings, 'endpoint' | 'region'>): TicketProcessorError {
  if (e instanceof TicketProcessorError) return e;
  const code = (e as { code?: string })?.code ?? '';
  const name = errorName(e);
  const message = (e as Error)?.message ?? String(e);
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'ETIMEDOUT'].includes(code) || /ECONNREFUSED|ENOTFOUND/.test(message)) {
    const hint = settings.endpoint
      ? `nothing answers at ${settings.endpoint}: start \`ticket-processor local\` (or LocalStack) there, or set AWS_ENDPOINT_URL`
      : 'AWS is not reachable from here: check the network, or set USE_LOCALSTACK=true to use a local endpoint';
    return new TicketProcessorError('CONFIG_INVALID', `${action} failed: ${hint} (${code || message})`, { cause: e });
  }
  if (['CredentialsProviderError', 'UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'AccessDenied', 'AccessDeniedException'].includes(name) || httpStatus(e) === 403) {
    return new TicketProcessorError('CONFIG_INVALID', `${action} failed at ${where(settings)}: ${name}: ${message}. Check AWS_PROFILE / AWS_ACCESS_KEY_ID and the permissions of those credentials.`, { cause: e });
  }
  return new TicketProcessorError('CONFIG_INVALID', `${action} failed at ${where(settings)}: ${name ? `${name}: ` : ''}${message}`, { cause: e });
}

async function ensureBucket(clients: AwsClients, settings: AwsSettings, bucket: string): Promise<SetupStep> {
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return { kind: 'bucket', name: bucket, status: 'exists' };
  } catch (e) {
    if (httpStatus(e) === 403) {
      throw new TicketProcessorError('CONFIG_INVALID', `bucket ${bucket} exists but these credentials may not use it (another account owns it, or a policy denies it): choose another name with S3_BUCKET_RAW / S3_BUCKET_ENRICHED.`, { cause: e });
    }
    if (httpStatus(e) !== 404 && errorName(e) !== 'NotFound' && errorName(e) !== 'NoSuchBucket') throw describeAwsFailure(e, `checking bucket ${bucket}`, settings);
  }
  try {
    // us-east-1 takes no LocationConstraint; every other region requires it
    const configuration = settings.region === 'us-east-1' ? undefined : { LocationConstraint: settings.region as BucketLocationConstraint };
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket, ...(configuration && { CreateBucketConfiguration: configuration }) }));
    return { kind: 'bucket', name: bucket, status: 'created' };
  } catch (e) {
    if (e instanceof BucketAlreadyOwnedByYou || errorName(e) === 'BucketAlreadyOwnedByYou') return { kind: 'bucket', name: bucket, status: 'exists' };
    if (errorName(e) === 'BucketAlreadyExists') {
      throw new TicketProcessorError('CONFIG_INVALID', `bucket name ${bucket} is taken by another AWS account (bucket names are global): choose another with S3_BUCKET_RAW / S3_BUCKET_ENRICHED.`, { cause: e });
    }
    throw describeAwsFailure(e, `creating bucket ${bucket}`, settings);
  }
}

async function queueUrlOf(clients: AwsClients, name: string): Promise<string | undefined> {
  try {
    return (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (e) {
    if (errorName(e) === 'QueueDoesNotExist' || errorName(e) === 'AWS.SimpleQueueService.NonExistentQueue') return undefined;
    throw e;
  }
}

/** attribute values as SQS reports them, for comparison (RedrivePolicy and Policy are JSON) */
function sameAttribute(name: string, want: string, have: string | undefined): boolean {
  if (have === undefined) return false;
  if (name === 'RedrivePolicy') {
    try {
      const a = JSON.parse(want) as { deadLetterTargetArn: string; maxReceiveCount: string | number };
      const b = JSON.parse(have) as { deadLetterTargetArn: string; maxReceiveCount: string | number };
      return a.deadLetterTargetArn === b.deadLetterTargetArn && Number(a.maxReceiveCount) === Number(b.maxReceiveCount);
    } catch {
      return false;
    }
  }
  return want === have;
}

async function ensureQueue(clients: AwsClients, settings: AwsSettings, name: string, attributes: Record<string, string>): Promise<{ step: SetupStep; url: string; arn: string }> {
  const action = `setting up queue ${name}`;
  try {
    const fifo = name.endsWith('.fifo') ? { FifoQueue: 'true' } : {};
    let url = await queueUrlOf(clients, name);
    let step: SetupStep;
    if (url === undefined) {
      url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { ...attributes, ...fifo } }))).QueueUrl!;
      step = { kind: 'queue', name, status: 'created' };
    } else {
      const have: Record<string, string | undefined> = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [QueueAttributeName.All] }))).Attributes ?? {};
      const changed = Object.entries(attributes).filter(([k, v]) => !sameAttribute(k, v, have[k]));
      if (changed.length > 0) {
        await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: Object.fromEntries(changed) }));
        step = { kind: 'queue', name, status: 'updated', detail: changed.map(([k, v]) => `${k} ${have[k] ?? '(unset)'} -> ${v}`).join(', ') };
      } else step = { kind: 'queue', name, status: 'exists' };
    }
    const arn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [QueueAttributeName.QueueArn] }))).Attributes?.QueueArn;
    if (!arn) throw new Error(`the endpoint reported no QueueArn for ${url}`);
    return { step, url, arn };
  } catch (e) {
    if (errorName(e) === 'QueueNameExists' || errorName(e) === 'QueueAlreadyExists') {
      throw new TicketProcessorError('CONFIG_INVALID', `queue ${name} was created meanwhile with other attributes (another setup running?): run setup again.`, { cause: e });
    }
    throw describeAwsFailure(e, action, settings);
  }
}

interface PolicyStatement {
  Sid?: string;
  [key: string]: unknown;
}

/**
 * On AWS, S3 may only send to a queue whose policy allows it; without this statement
 * PutBucketNotificationConfiguration fails ("Unable to validate the following destination
 * configurations"). Other statements of an existing policy are kept.
 */
async function ensureQueuePolicy(clients: AwsClients, queueUrl: string, queueArn: string, bucket: string): Promise<boolean> {
  const statement: PolicyStatement = {
    Sid: POLICY_SID,
    Effect: 'Allow',
    Principal: { Service: 's3.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: queueArn,
    Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:s3:::${bucket}` } },
  };
  const have = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [QueueAttributeName.Policy] }))).Attributes?.Policy;
  let policy: { Version?: string; Statement?: PolicyStatement[] | PolicyStatement } = {};
  try {
    if (have) policy = JSON.parse(have) as typeof policy;
  } catch {
    policy = {};
  }
  const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : [];
  const existing = statements.find((s) => s.Sid === POLICY_SID);
  if (existing && JSON.stringify(existing.Condition) === JSON.stringify(statement.Condition) && existing.Resource === queueArn) return false;
  const next = { Version: policy.Version ?? '2012-10-17', Statement: [...statements.filter((s) => s.Sid !== POLICY_SID), statement] };
  await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: JSON.stringify(next) } }));
  return true;
}

function sameKeys(a: KeySchemaElement[] | undefined, b: KeySchemaElement[]): boolean {
  return (a ?? []).length === b.length && b.every((k, i) => a![i]?.AttributeName === k.AttributeName && a![i]?.KeyType === k.KeyType);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForTableActive(clients: AwsClients, table: string, timeoutMs: number): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    const description = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table!;
    const indexesReady = (description.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === undefined || i.IndexStatus === 'ACTIVE');
    if (description.TableStatus === 'ACTIVE' && indexesReady) return description;
    if (Date.now() + delay > deadline) {
      throw new TicketProcessorError('CONFIG_INVALID', `table ${table} is still ${description.TableStatus} after ${Math.round(timeoutMs / 1000)} s: run setup again later.`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 5_000);
  }
}

async function ensureTable(clients: AwsClients, settings: AwsSettings, timeoutMs: number): Promise<SetupStep> {
  const table = settings.table;
  const action = `setting up table ${table}`;
  try {
    let description: TableDescription | undefined;
    try {
      description = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table;
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException) && errorName(e) !== 'ResourceNotFoundException') throw e;
    }
    if (!description) {
      try {
        await clients.dynamodb.send(
          new CreateTableCommand({
            TableName: table,
            KeySchema: TABLE_KEY_SCHEMA,
            AttributeDefinitions: ATTRIBUTE_DEFINITIONS,
            GlobalSecondaryIndexes: [{ IndexName: URGENCY_INDEX, KeySchema: INDEX_KEY_SCHEMA, Projection: { ProjectionType: 'ALL' } }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
      } catch (e) {
        // created by someone else between DescribeTable and CreateTable
        if (!(e instanceof ResourceInUseException) && errorName(e) !== 'ResourceInUseException') throw e;
      }
      await waitForTableActive(clients, table, timeoutMs);
      return { kind: 'table', name: table, status: 'created' };
    }
    if (!sameKeys(description.KeySchema, TABLE_KEY_SCHEMA)) {
      const keys = (description.KeySchema ?? []).map((k) => `${k.AttributeName} ${k.KeyType}`).join(', ');
      throw new TicketProcessorError('CONFIG_INVALID', `table ${table} exists with the key (${keys}), not (ticket_id HASH, created_at RANGE): a table's key cannot change. Use another DYNAMODB_TABLE, or delete that table.`);
    }
    const index = description.GlobalSecondaryIndexes?.find((i) => i.IndexName === URGENCY_INDEX);
    if (index && !sameKeys(index.KeySchema, INDEX_KEY_SCHEMA)) {
      throw new TicketProcessorError('CONFIG_INVALID', `table ${table} has an index ${URGENCY_INDEX} on other keys than (urgency HASH, created_at RANGE): delete that index or use another DYNAMODB_TABLE.`);
    }
    if (!index) {
      await clients.dynamodb.send(
        new UpdateTableCommand({
          TableName: table,
          AttributeDefinitions: ATTRIBUTE_DEFINITIONS.filter((d) => d.AttributeName !== 'ticket_id'),
          GlobalSecondaryIndexUpdates: [{ Create: { IndexName: URGENCY_INDEX, KeySchema: INDEX_KEY_SCHEMA, Projection: { ProjectionType: 'ALL' } } }],
        }),
      );
      await waitForTableActive(clients, table, timeoutMs);
      return { kind: 'table', name: table, status: 'updated', detail: `added index ${URGENCY_INDEX}` };
    }
    if (description.TableStatus !== 'ACTIVE') await waitForTableActive(clients, table, timeoutMs);
    return { kind: 'table', name: table, status: 'exists' };
  } catch (e) {
    throw describeAwsFailure(e, action, settings);
  }
}

function coversObjectCreated(events: readonly string[] | undefined): boolean {
  return (events ?? []).some((e) => e === 's3:ObjectCreated:*');
}

async function ensureNotification(clients: AwsClients, settings: AwsSettings, queueArn: string): Promise<SetupStep> {
  const bucket = settings.rawBucket;
  const name = `${bucket} -> ${settings.queueName}`;
  try {
    const current = await clients.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    const queues = current.QueueConfigurations ?? [];
    const ours = queues.find((q) => q.QueueArn === queueArn && coversObjectCreated(q.Events) && !(q.Filter?.Key?.FilterRules?.length));
    if (ours) return { kind: 'notification', name, status: 'exists' };
    const mine: QueueConfiguration = { Id: NOTIFICATION_ID, QueueArn: queueArn, Events: ['s3:ObjectCreated:*'] };
    // PutBucketNotificationConfiguration replaces the whole configuration: keep everyone else's
    const next: NotificationConfiguration = {
      QueueConfigurations: [...queues.filter((q) => q.Id !== NOTIFICATION_ID), mine],
      ...(current.TopicConfigurations?.length && { TopicConfigurations: current.TopicConfigurations }),
      ...(current.LambdaFunctionConfigurations?.length && { LambdaFunctionConfigurations: current.LambdaFunctionConfigurations }),
      ...(current.EventBridgeConfiguration && { EventBridgeConfiguration: current.EventBridgeConfiguration }),
    };
    await clients.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: next }));
    return { kind: 'notification', name, status: queues.some((q) => q.Id === NOTIFICATION_ID) ? 'updated' : 'created' };
  } catch (e) {
    throw describeAwsFailure(e, `setting up the notification of bucket ${bucket} to queue ${settings.queueName}`, settings);
  }
}

/** Creates what is missing, in dependency order; see the file comment. */
export async function setupResources(settings: AwsSettings, clients: AwsClients, options: SetupOptions = {}): Promise<SetupResult> {
  const steps: SetupStep[] = [];
  const done = (step: SetupStep) => {
    steps.push(step);
    options.onStep?.(step);
  };
  for (const bucket of [...new Set([settings.rawBucket, settings.enrichedBucket])]) done(await ensureBucket(clients, settings, bucket));

  const dlq = await ensureQueue(clients, settings, deadLetterQueueName(settings.queueName), { ...DLQ_ATTRIBUTES });
  done(dlq.step);
  const redrive = JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: String(MAX_RECEIVE_COUNT) });
  const queue = await ensureQueue(clients, settings, settings.queueName, { ...QUEUE_ATTRIBUTES, RedrivePolicy: redrive });
  let policyChanged: boolean;
  try {
    policyChanged = await ensureQueuePolicy(clients, queue.url, queue.arn, settings.rawBucket);
  } catch (e) {
    throw describeAwsFailure(e, `setting the policy of queue ${settings.queueName}`, settings);
  }
  if (policyChanged && queue.step.status === 'exists') done({ ...queue.step, status: 'updated', detail: 'policy allows S3 events from the raw bucket' });
  else done(queue.step);

  done(await ensureTable(clients, settings, options.tableTimeoutMs ?? 300_000));
  done(await ensureNotification(clients, settings, queue.arn));

  return {
    steps,
    queueUrl: queue.url,
    queueArn: queue.arn,
    deadLetterQueueUrl: dlq.url,
    deadLetterQueueArn: dlq.arn,
    unchanged: steps.every((s) => s.status === 'exists'),
  };
}
