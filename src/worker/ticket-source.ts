/**
 * Reads one raw ticket from S3 and checks it: size limit, UTF-8, JSON, the RawTicket schema and
 * a ticket_id that is safe as an S3 key. Each failure that retrying cannot fix is a
 * PoisonMessageError with a reason; S3 errors other than a missing object are left to the
 * caller as transient.
 */
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';

import { isTicketProcessorError } from '../errors.js';
import { parseRawTicket, type RawTicket } from '../enrich/ticket-schema.js';
import type { ObjectRef } from './message-parser.js';
import { PoisonMessageError } from './worker-errors.js';

export interface SourceTicket {
  ticket: RawTicket;
  ref: ObjectRef;
  /** the object's ETag as read (quotes kept, as S3 returns it) */
  eTag: string | undefined;
}

/**
 * ticket_id becomes the output key `<ticket_id>.json`: letters, digits and `._:@-` only, not
 * starting with a dot, so that no key can leave its prefix or bucket (no '/', no '..').
 */
const SAFE_TICKET_ID = /^[A-Za-z0-9_:@-][A-Za-z0-9._:@-]{0,199}$/;

export function isSafeTicketId(id: string): boolean {
  return SAFE_TICKET_ID.test(id);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Tickets nest no deeper than this (arrays and objects). JSON.parse copes with any depth, but
 * JSON.stringify, used to write the enriched object, recurses and throws RangeError at a few
 * thousand levels: such a ticket would be written to DynamoDB, fail on S3 and be retried as if
 * transient. Rejected up front instead.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether JSON text nests arrays/objects deeper than max (strings skipped; no recursion). */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

async function readLimited(body: AsyncIterable<Uint8Array>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw new PoisonMessageError('too-large', `${what} is larger than ${limit} bytes (TICKET_PROCESSOR_MAX_TICKET_BYTES)`);
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, size);
}

export async function fetchTicket(s3: S3Client, ref: ObjectRef, maxBytes: number, signal?: AbortSignal): Promise<SourceTicket> {
  const what = `s3://${ref.bucket}/${ref.key}`;
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), { abortSignal: signal });
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (e instanceof NoSuchKey || (e as Error).name === 'NoSuchKey' || status === 404) {
      throw new PoisonMessageError('missing-object', `${what} does not exist`);
    }
    if ((e as Error).name === 'NoSuchBucket') throw new PoisonMessageError('missing-object', `bucket ${ref.bucket} does not exist`);
    throw e;
  }
  if (response.ContentLength !== undefined && response.ContentLength > maxBytes) {
    (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw new PoisonMessageError('too-large', `${what} is ${response.ContentLength} bytes, more than ${maxBytes} (TICKET_PROCESSOR_MAX_TICKET_BYTES)`);
  }
  const bytes = response.Body ? await readLimited(response.Body as AsyncIterable<Uint8Array>, maxBytes, what) : Buffer.alloc(0);

  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new PoisonMessageError('not-utf8', `${what} is not valid UTF-8`);
  }
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new PoisonMessageError('invalid-ticket', `${what} nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let json: unknown;
  try {
    // Duplicate keys: the last one wins (JSON.parse), as in Python's json module.
    json = JSON.parse(text);
  } catch (e) {
    throw new PoisonMessageError('malformed-json', `${what} is not JSON (${(e as Error).message})`);
  }
  let ticket: RawTicket;
  try {
    ticket = parseRawTicket(json, 'ticket');
  } catch (e) {
    if (isTicketProcessorError(e)) throw new PoisonMessageError('invalid-ticket', `${what}: ${e.message}`);
    throw e;
  }
  if (!isSafeTicketId(ticket.ticket_id)) {
    throw new PoisonMessageError(
      'unsafe-ticket-id',
      `${what}: ticket_id ${JSON.stringify(ticket.ticket_id.slice(0, 80))} cannot be an S3 key: use letters, digits and ._:@- (at most 200, not starting with a dot)`,
    );
  }
  return { ticket, ref, eTag: response.ETag };
}
