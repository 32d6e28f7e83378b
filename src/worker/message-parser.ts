/**
 * SQS message bodies → the raw ticket objects they point at. Accepted forms:
 *  - S3 event notifications (several Records per body; keys URL-encoded with '+' for space);
 *    ObjectCreated:* records are work, ObjectRemoved:* and other events are ignored;
 *  - the same notification wrapped by SNS ({ Type: "Notification", Message: "<json>" });
 *  - the manual form { "Records": [{ "key": "..." }] }, meaning the raw bucket (key as is);
 *  - s3:TestEvent, which S3 sends when a notification is configured: nothing to do.
 * Anything else is a PoisonMessageError: never deleted, left to the queue's redrive policy.
 */
import { PoisonMessageError } from './worker-errors.js';

export interface ObjectRef {
  bucket: string;
  key: string;
  /** from the event, when given: lets the store notice a re-uploaded ticket */
  eTag?: string;
  size?: number;
}

export interface ParsedMessage {
  refs: ObjectRef[];
  /** records that are not work (ObjectRemoved, other event types), for logs */
  ignored: number;
  /** an s3:TestEvent: delete without work */
  testEvent: boolean;
}

const MAX_RECORDS = 100;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** S3's encoding of keys in events: application/x-www-form-urlencoded. */
export function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw new PoisonMessageError('malformed-key', `object key "${key.slice(0, 200)}" is not valid URL encoding`);
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new PoisonMessageError('malformed-json', `body is not JSON (${(e as Error).message})`);
  }
}

export function parseMessageBody(body: string | undefined, rawBucket: string): ParsedMessage {
  if (body === undefined || body.trim() === '') throw new PoisonMessageError('malformed-json', 'body is empty');
  let parsed = parseJson(body);
  if (isObject(parsed) && parsed.Type === 'Notification' && typeof parsed.Message === 'string') parsed = parseJson(parsed.Message);
  if (!isObject(parsed)) throw new PoisonMessageError('unknown-format', 'body is JSON but not an object');
  if (parsed.Event === 's3:TestEvent') return { refs: [], ignored: 0, testEvent: true };

  const records = parsed.Records;
  if (!Array.isArray(records) || records.length === 0) {
    throw new PoisonMessageError('unknown-format', 'body has no Records: expected an S3 event notification or {"Records":[{"key":"..."}]}');
  }
  if (records.length > MAX_RECORDS) throw new PoisonMessageError('unknown-format', `body has ${records.length} Records; at most ${MAX_RECORDS} are accepted`);

  const refs: ObjectRef[] = [];
  let ignored = 0;
  records.forEach((record: unknown, i) => {
    if (!isObject(record)) throw new PoisonMessageError('unknown-format', `Records[${i}] is not an object`);
    if (isObject(record.s3)) {
      const eventName = typeof record.eventName === 'string' ? record.eventName : '';
      if (!eventName.startsWith('ObjectCreated:')) {
        ignored++;
        return;
      }
      const bucket = isObject(record.s3.bucket) ? record.s3.bucket.name : undefined;
      const object = isObject(record.s3.object) ? record.s3.object : undefined;
      if (typeof bucket !== 'string' || !bucket || typeof object?.key !== 'string' || !object.key) {
        throw new PoisonMessageError('unknown-format', `Records[${i}] has no s3.bucket.name or s3.object.key`);
      }
      refs.push({
        bucket,
        key: decodeEventKey(object.key),
        ...(typeof object.eTag === 'string' && { eTag: object.eTag }),
        ...(typeof object.size === 'number' && { size: object.size }),
      });
    } else if (typeof record.key === 'string' && record.key) {
      refs.push({ bucket: typeof record.bucket === 'string' && record.bucket ? record.bucket : rawBucket, key: record.key });
    } else {
      throw new PoisonMessageError('unknown-format', `Records[${i}] is neither an S3 event record nor {"key": "..."}`);
    }
  });
  return { refs, ignored, testEvent: false };
}
