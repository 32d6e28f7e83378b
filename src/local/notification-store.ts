/**
 * Notification configurations per bucket, in memory, and in `<dataDir>/s3-notifications.json`
 * when the endpoint keeps state (written whole, through a temporary file and a rename, so a
 * crash never leaves half a file).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';
import type { QueueNotification } from './notification-config.js';

export const NOTIFICATIONS_FILE = 's3-notifications.json';

interface StoredNotifications {
  version: 1;
  buckets: Record<string, QueueNotification[]>;
}

export class NotificationStore {
  readonly #buckets = new Map<string, QueueNotification[]>();
  readonly #file: string | undefined;

  constructor(dataDir?: string) {
    this.#file = dataDir === undefined ? undefined : path.join(dataDir, NOTIFICATIONS_FILE);
    if (this.#file && existsSync(this.#file)) this.#load(this.#file);
  }

  get(bucket: string): QueueNotification[] {
    return this.#buckets.get(bucket) ?? [];
  }

  /** an empty list removes the bucket's configuration, as on S3 */
  set(bucket: string, configs: QueueNotification[]): void {
    if (configs.length === 0) this.#buckets.delete(bucket);
    else this.#buckets.set(bucket, configs);
    this.#save();
  }

  #load(file: string): void {
    let stored: StoredNotifications;
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as StoredNotifications;
    } catch (e) {
      throw new TicketProcessorError('CONFIG_INVALID', `cannot read ${file}: ${(e as Error).message}. Fix or delete the file (bucket notification configurations are then lost; \`ticket-processor setup\` recreates its own).`, { cause: e });
    }
    if (stored?.version !== 1 || typeof stored.buckets !== 'object' || stored.buckets === null) {
      throw new TicketProcessorError('CONFIG_INVALID', `${file} is not a notification file of this version of ticket-processor: delete it (\`ticket-processor setup\` recreates its own configuration).`);
    }
    for (const [bucket, configs] of Object.entries(stored.buckets)) if (Array.isArray(configs)) this.#buckets.set(bucket, configs);
  }

  #save(): void {
    if (!this.#file) return;
    const stored: StoredNotifications = { version: 1, buckets: Object.fromEntries(this.#buckets) };
    const temporary = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(stored, null, 2)}\n`);
    renameSync(temporary, this.#file);
  }
}
