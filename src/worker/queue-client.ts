/**
 * The SQS calls the worker makes, with SQS's batch limits (10 entries) and each batch entry's
 * result checked: a batch call can succeed while some of its entries fail.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

import { TicketProcessorError } from '../errors.js';
import { describeError } from './worker-errors.js';

export interface ReceiptEntry {
  id: string;
  receiptHandle: string;
}

export interface BatchFailure {
  id: string;
  message: string;
}

export interface QueueAttributes {
  /** maxReceiveCount of the queue's RedrivePolicy; undefined without a dead-letter queue */
  maxReceiveCount: number | undefined;
  deadLetterTargetArn: string | undefined;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class QueueClient {
  #url: string | undefined;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queue: { name: string; url: string | undefined },
  ) {
    this.#url = queue.url;
  }

  get url(): string {
    if (!this.#url) throw new Error('queue URL not resolved yet: call resolve() first');
    return this.#url;
  }

  /** Looks the queue URL up by name (unless SQS_QUEUE_URL gave it) and reads its redrive policy. */
  async resolve(): Promise<QueueAttributes> {
    if (!this.#url) {
      try {
        this.#url = (await this.sqs.send(new GetQueueUrlCommand({ QueueName: this.queue.name }))).QueueUrl;
      } catch (e) {
        const missing = (e as Error).name === 'QueueDoesNotExist' || (e as Error).name === 'AWS.SimpleQueueService.NonExistentQueue';
        throw new TicketProcessorError(
          'CONFIG_INVALID',
          missing
            ? `SQS queue "${this.queue.name}" does not exist (SQS_QUEUE_NAME): create it with \`ticket-processor setup\``
            : `cannot reach SQS queue "${this.queue.name}": ${describeError(e)}`,
          { cause: e },
        );
      }
      if (!this.#url) throw new TicketProcessorError('CONFIG_INVALID', `SQS returned no URL for queue "${this.queue.name}"`);
    }
    const attributes = (await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.#url, AttributeNames: ['RedrivePolicy'] }))).Attributes ?? {};
    let maxReceiveCount: number | undefined;
    let deadLetterTargetArn: string | undefined;
    if (attributes.RedrivePolicy) {
      try {
        const policy = JSON.parse(attributes.RedrivePolicy) as { maxReceiveCount?: number | string; deadLetterTargetArn?: string };
        maxReceiveCount = policy.maxReceiveCount !== undefined ? Number(policy.maxReceiveCount) : undefined;
        deadLetterTargetArn = policy.deadLetterTargetArn;
      } catch {
        // an unreadable policy: counted as no dead-letter queue
      }
    }
    return { maxReceiveCount, deadLetterTargetArn };
  }

  /** Reachability check for /readyz. */
  async ping(): Promise<void> {
    await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.url, AttributeNames: ['ApproximateNumberOfMessages'] }));
  }

  async receive(max: number, waitSeconds: number, visibilityTimeout: number, signal: AbortSignal): Promise<Message[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: visibilityTimeout,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
      { abortSignal: signal },
    );
    return out.Messages ?? [];
  }

  /** Deletes; returns the entries that failed (to be retried or left to reappear). */
  async deleteBatch(entries: readonly ReceiptEntry[]): Promise<BatchFailure[]> {
    const failures: BatchFailure[] = [];
    for (const chunk of chunks(entries, 10)) {
      try {
        const out = await this.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.url, Entries: chunk.map((e, i) => ({ Id: String(i), ReceiptHandle: e.receiptHandle })) }),
        );
        for (const f of out.Failed ?? []) failures.push({ id: chunk[Number(f.Id)]!.id, message: `${f.Code}: ${f.Message ?? ''}` });
      } catch (e) {
        for (const entry of chunk) failures.push({ id: entry.id, message: describeError(e) });
      }
    }
    return failures;
  }

  /** Sets the visibility timeout of each entry (0: visible again at once). */
  async changeVisibilityBatch(entries: readonly (ReceiptEntry & { seconds: number })[]): Promise<BatchFailure[]> {
    const failures: BatchFailure[] = [];
    for (const chunk of chunks(entries, 10)) {
      try {
        const out = await this.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.url,
            Entries: chunk.map((e, i) => ({ Id: String(i), ReceiptHandle: e.receiptHandle, VisibilityTimeout: e.seconds })),
          }),
        );
        for (const f of out.Failed ?? []) failures.push({ id: chunk[Number(f.Id)]!.id, message: `${f.Code}: ${f.Message ?? ''}` });
      } catch (e) {
        for (const entry of chunk) failures.push({ id: entry.id, message: describeError(e) });
      }
    }
    return failures;
  }
}
