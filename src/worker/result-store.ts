/**
 * Writes an EnrichedTicket exactly once in effect: the DynamoDB item and the S3 object.
 *
 * The DynamoDB item is the commit record, written with attribute_not_exists on the table's key
 * (ticket_id + created_at), so of any number of attempts (duplicate deliveries, two workers, a
 * retry after a crash) exactly one creates it and none overwrites it. The S3 object is written
 * after the item; an attempt that finds the item already there checks that the object exists and
 * writes it if it does not (the first writer died between the two writes), with the item's
 * processed_at so both records agree. Nothing needs a lock that a crash could leave behind, and a
 * message is deleted only after store() resolved for all its tickets.
 */
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

import type { EnrichedTicket } from '../enrich/enriched-ticket.js';

export type StoreOutcome =
  /** this attempt created the item and the object */
  | 'stored'
  /** both existed already: a duplicate delivery */
  | 'duplicate'
  /** the item existed, the object did not (an earlier attempt died in between): object written */
  | 'completed';

export interface StoreTarget {
  table: string;
  enrichedBucket: string;
}

export function enrichedKey(ticketId: string): string {
  return `${ticketId}.json`;
}

/** DESIGN.md's item (no embedding), plus where the ticket came from. */
export function dynamoItem(t: EnrichedTicket, source: { bucket: string; key: string; eTag: string | undefined }): Record<string, unknown> {
  const e = t.enrichment;
  return {
    ticket_id: t.ticket_id,
    created_at: t.created_at,
    subject: t.subject,
    customer_id: t.customer_id,
    intent: e.intent,
    intent_confidence: e.intent_confidence,
    urgency: e.urgency,
    urgency_confidence: e.urgency_confidence,
    sentiment: e.sentiment,
    sentiment_confidence: e.sentiment_confidence,
    summary: e.summary,
    processed_at: e.processed_at,
    model_version: e.model_version,
    s3_key: enrichedKey(t.ticket_id),
    source_bucket: source.bucket,
    source_key: source.key,
    source_etag: source.eTag,
  };
}

function isConditionFailure(e: unknown): boolean {
  return e instanceof ConditionalCheckFailedException || (e as Error)?.name === 'ConditionalCheckFailedException';
}

async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (e as Error).name === 'NotFound' || (e as Error).name === 'NoSuchKey') return false;
    throw e;
  }
}

export class ResultStore {
  constructor(
    private readonly s3: S3Client,
    private readonly documents: DynamoDBDocumentClient,
    private readonly target: StoreTarget,
  ) {}

  async store(ticket: EnrichedTicket, source: { bucket: string; key: string; eTag: string | undefined }): Promise<StoreOutcome> {
    const key = enrichedKey(ticket.ticket_id);
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.target.table,
          Item: dynamoItem(ticket, source),
          ConditionExpression: 'attribute_not_exists(ticket_id)',
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      if (await objectExists(this.s3, this.target.enrichedBucket, key)) return 'duplicate';
      const existing = await this.documents.send(
        new GetCommand({ TableName: this.target.table, Key: { ticket_id: ticket.ticket_id, created_at: ticket.created_at }, ConsistentRead: true }),
      );
      const processedAt = existing.Item?.processed_at;
      const agreed = typeof processedAt === 'string' ? { ...ticket, enrichment: { ...ticket.enrichment, processed_at: processedAt } } : ticket;
      await this.#putObject(key, agreed, source.eTag);
      return 'completed';
    }
    await this.#putObject(key, ticket, source.eTag);
    return 'stored';
  }

  async #putObject(key: string, ticket: EnrichedTicket, sourceETag: string | undefined): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.target.enrichedBucket,
        Key: key,
        Body: JSON.stringify(ticket),
        ContentType: 'application/json',
        Metadata: { 'processed-at': ticket.enrichment.processed_at, ...(sourceETag && { 'source-etag': sourceETag.replace(/"/g, '') }) },
      }),
    );
  }
}
