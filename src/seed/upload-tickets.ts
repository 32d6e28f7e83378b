/**
 * Generated tickets uploaded to the raw bucket as `<ticket_id>.json`: what `ticket-processor seed`
 * and `ticket-processor demo` do.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';

import type { AwsClients, AwsSettings } from '../aws/aws-settings.js';
import { describeAwsFailure } from '../aws/setup-resources.js';
import { TicketProcessorError } from '../errors.js';
import { createTicketGenerator, type GeneratedRawTicket } from './ticket-generator.js';

export const DEFAULT_SEED_COUNT = 20;
export const DEFAULT_SEED_CONCURRENCY = 8;

export interface SeedUploadOptions {
  count: number;
  seed: number;
  /** uploads started per second at most */
  rate?: number;
  /** uploads in flight at most (default 8) */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedUploadResult {
  /** the object keys, `<ticket_id>.json`, in generation order */
  keys: string[];
  seconds: number;
}

/** The same tickets for the same seed and count, in the same order. */
export function* seedTickets(count: number, seed: number): Generator<GeneratedRawTicket> {
  const generator = createTicketGenerator(seed);
  for (let i = 0; i < count; i++) yield generator.next().ticket;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Uploads `count` generated tickets as `<ticket_id>.json` into the raw bucket, at most
 * `concurrency` at a time and `rate` per second. Stops at the first failure (after the SDK's own
 * retries) with a message that says what to do.
 */
export async function uploadSeedTickets(settings: AwsSettings, clients: AwsClients, options: SeedUploadOptions): Promise<SeedUploadResult> {
  const tickets = seedTickets(options.count, options.seed);
  const keys: string[] = [];
  const started = performance.now();
  let next = 0;
  let done = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined) {
      const item = tickets.next();
      if (item.done) return;
      const index = next++;
      if (options.rate) {
        const wait = started + (index * 1000) / options.rate - performance.now();
        if (wait > 0) await sleep(wait);
        if (failure !== undefined) return;
      }
      const key = `${item.value.ticket_id}.json`;
      keys[index] = key;
      try {
        await clients.s3.send(new PutObjectCommand({ Bucket: settings.rawBucket, Key: key, Body: JSON.stringify(item.value), ContentType: 'application/json' }));
      } catch (e) {
        failure ??= e;
        return;
      }
      options.onProgress?.(++done, options.count);
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? DEFAULT_SEED_CONCURRENCY, options.count));
  await Promise.all(Array.from({ length: lanes }, worker));
  if (failure !== undefined) {
    const name = (failure as { name?: string }).name;
    if (name === 'NoSuchBucket') {
      throw new TicketProcessorError('CONFIG_INVALID', `bucket ${settings.rawBucket} does not exist at ${settings.endpoint ?? `AWS ${settings.region}`}: run \`ticket-processor setup\` first (or set S3_BUCKET_RAW).`, { cause: failure });
    }
    throw describeAwsFailure(failure, `uploading tickets to bucket ${settings.rawBucket}`, settings);
  }
  return { keys, seconds: (performance.now() - started) / 1000 };
}
