/**
 * How the worker sorts failures. A poison message can never succeed as it is (bad JSON, a
 * missing object, an invalid ticket): it is not deleted and not retried early, so the queue's
 * redrive policy moves it to the dead-letter queue. Anything else is transient: the message is
 * made visible again after a backoff and retried.
 */
export type PoisonReason =
  | 'malformed-json'
  | 'unknown-format'
  | 'malformed-key'
  | 'missing-object'
  | 'too-large'
  | 'not-utf8'
  | 'invalid-ticket'
  | 'unsafe-ticket-id'
  | 'enrichment-failed';

export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
  constructor(
    readonly reason: PoisonReason,
    message: string,
  ) {
    super(message);
  }
}

export function isPoison(e: unknown): e is PoisonMessageError {
  return e instanceof PoisonMessageError;
}

/** A short, credential-free description of an SDK or other error for logs. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const meta = (e as { $metadata?: { httpStatusCode?: number } }).$metadata;
    const status = meta?.httpStatusCode ? ` (HTTP ${meta.httpStatusCode})` : '';
    return `${e.name}: ${e.message}${status}`;
  }
  return String(e);
}
