/**
 * S3 → SQS event notifications, which fauxqs lacks: the shim answers
 * Put/GetBucketNotificationConfiguration itself and, after a successful object creation in a
 * bucket with a matching configuration, sends the AWS-format event to the configured queue with
 * an SQS client (so the queue's own rules apply: retention, DLQ redrive, long polls waking up).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { HeadBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

import {
  escapeXml,
  matchingNotifications,
  NotificationConfigError,
  parseNotificationConfiguration,
  parseQueueArn,
  type QueueNotification,
  serializeNotificationConfiguration,
} from './notification-config.js';
import type { NotificationStore } from './notification-store.js';
import { objectEventMessage, requestIds, testEventMessage } from './s3-event.js';
import { regionFromAuthorization, type S3Operation } from './s3-request.js';
import type { UpstreamResponse } from './front-proxy.js';

export interface LocalLogger {
  info(message: string): void;
  warn(message: string): void;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new NotificationConfigError('MaxMessageLengthExceeded', 'Your request was too big.'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  const { requestId, hostId } = requestIds();
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)), 'x-amz-request-id': requestId, 'x-amz-id-2': hostId });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, resource: string): void {
  const { requestId } = requestIds();
  sendXml(res, status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`);
}

/**
 * The body as XML text. SDKs that send flexible checksums wrap it in aws-chunked framing
 * (`<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailers>`), which is unwrapped here.
 */
function payloadText(body: Buffer, req: IncomingMessage): string {
  const encoding = `${req.headers['content-encoding'] ?? ''}`;
  const sha = `${req.headers['x-amz-content-sha256'] ?? ''}`;
  if (!encoding.includes('aws-chunked') && !sha.startsWith('STREAMING-')) return body.toString('utf8');
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size) || size <= 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}

export class S3NotificationShim {
  readonly #s3: S3Client;
  readonly #sqs = new Map<string, SQSClient>();
  readonly #fauxqsUrl: string;

  constructor(
    fauxqsPort: number,
    private readonly store: NotificationStore,
    private readonly region: string,
    private readonly logger: LocalLogger,
  ) {
    this.#fauxqsUrl = `http://127.0.0.1:${fauxqsPort}`;
    this.#s3 = new S3Client({ region, endpoint: this.#fauxqsUrl, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  }

  #sqsFor(region: string): SQSClient {
    let client = this.#sqs.get(region);
    if (!client) {
      client = new SQSClient({ region, endpoint: this.#fauxqsUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 2 });
      this.#sqs.set(region, client);
    }
    return client;
  }

  async #queueUrl(queueArn: string): Promise<string | undefined> {
    const { region, name } = parseQueueArn(queueArn);
    try {
      const { QueueUrl } = await this.#sqsFor(region).send(new GetQueueUrlCommand({ QueueName: name }));
      return QueueUrl;
    } catch (e) {
      if ((e as Error).name === 'QueueDoesNotExist' || (e as Error).name === 'AWS.SimpleQueueService.NonExistentQueue') return undefined;
      throw e;
    }
  }

  async #send(queueArn: string, body: string): Promise<void> {
    const url = await this.#queueUrl(queueArn);
    if (!url) throw new Error(`queue ${queueArn} does not exist (any more)`);
    await this.#sqsFor(parseQueueArn(queueArn).region).send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
  }

  /** PUT /<bucket>?notification: validate, check the bucket and queues exist, store, send s3:TestEvent */
  async putConfiguration(req: IncomingMessage, res: ServerResponse, bucket: string): Promise<void> {
    const resource = `/${bucket}`;
    let configs: QueueNotification[];
    try {
      configs = parseNotificationConfiguration(payloadText(await readBody(req, MAX_CONFIG_BYTES), req));
    } catch (e) {
      if (e instanceof NotificationConfigError) return sendError(res, e.statusCode, e.code, e.message, resource);
      throw e;
    }
    if (!(await this.#bucketExists(bucket))) return sendError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', resource);
    const missing: string[] = [];
    for (const c of configs) if (!(await this.#queueUrl(c.queueArn))) missing.push(c.queueArn);
    if (missing.length > 0) {
      // what S3 answers when it cannot deliver the test event
      return sendError(res, 400, 'InvalidArgument', `Unable to validate the following destination configurations: ${missing.join(', ')} (no such queue)`, resource);
    }
    this.store.set(bucket, configs);
    for (const arn of new Set(configs.map((c) => c.queueArn))) await this.#send(arn, testEventMessage(bucket));
    this.logger.info(`s3 bucket ${bucket}: ${configs.length} notification configuration(s) set`);
    const { requestId, hostId } = requestIds();
    res.writeHead(200, { 'content-length': '0', 'x-amz-request-id': requestId, 'x-amz-id-2': hostId });
    res.end();
  }

  async getConfiguration(res: ServerResponse, bucket: string): Promise<void> {
    if (!(await this.#bucketExists(bucket))) return sendError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', `/${bucket}`);
    sendXml(res, 200, serializeNotificationConfiguration(this.store.get(bucket)));
  }

  async #bucketExists(bucket: string): Promise<boolean> {
    try {
      await this.#s3.send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (e as Error).name === 'NotFound' || (e as Error).name === 'NoSuchBucket') return false;
      throw e;
    }
  }

  /**
   * The observer for an object-creating request, or undefined when no configuration of the
   * bucket could match (then the request streams through untouched).
   */
  observerFor(req: IncomingMessage, op: S3Operation): ((response: UpstreamResponse) => Promise<void>) | undefined {
    if (op.kind !== 'object-created') return undefined;
    const targets = matchingNotifications(this.store.get(op.bucket), op.eventName, op.key);
    if (targets.length === 0) return undefined;
    const region = regionFromAuthorization(req.headers.authorization) ?? this.region;
    const sourceIp = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    return async (response) => {
      if (response.status !== 200) return;
      // CompleteMultipartUpload and CopyObject can fail with 200 and an <Error> body
      if (response.body.length > 0 && /<Error>/.test(response.body.subarray(0, 512).toString('utf8'))) return;
      const head = await this.#s3.send(new HeadObjectCommand({ Bucket: op.bucket, Key: op.key }));
      const eTag = (head.ETag ?? '').replace(/"/g, '');
      for (const config of targets) {
        try {
          await this.#send(config.queueArn, objectEventMessage({ region, eventName: op.eventName, configurationId: config.id, bucket: op.bucket, key: op.key, size: head.ContentLength ?? 0, eTag, sourceIp }));
          this.logger.info(`s3 event ${op.eventName} ${op.bucket}/${op.key} -> ${config.queueArn}`);
        } catch (e) {
          this.logger.warn(`s3 event ${op.eventName} ${op.bucket}/${op.key} not delivered to ${config.queueArn}: ${(e as Error).message}`);
        }
      }
    };
  }

  close(): void {
    this.#s3.destroy();
    for (const c of this.#sqs.values()) c.destroy();
  }
}
