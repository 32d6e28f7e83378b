/**
 * The Lambda handler's settings: the worker's (AWS resources, TICKET_PROCESSOR_IO_CONCURRENCY,
 * TICKET_PROCESSOR_MAX_TICKET_BYTES, TICKET_PROCESSOR_LOG_LEVEL; see worker-config.ts) plus the
 * deadline margin. Validated once per execution environment; a bad value names its variable.
 */
import { z } from 'zod';

import { parseOrThrow } from '../validation.js';
import { type WorkerSettings, workerSettingsFromEnv } from '../worker/worker-config.js';

const LambdaEnvSchema = z.object({
  /**
   * Milliseconds of the invocation kept in reserve to finish started work and return: no message
   * starts when less than this remains. Default: 10 s, or a quarter of the remaining time at
   * the start of the invocation when that is less (short function timeouts).
   */
  TICKET_PROCESSOR_LAMBDA_MARGIN_MS: z.coerce.number().int().min(0).max(900_000).optional(),
});

export const DEFAULT_MARGIN_MS = 10_000;
export const DEFAULT_MARGIN_FRACTION = 0.25;

export interface LambdaSettings {
  worker: WorkerSettings;
  /** undefined: the default (see marginFor) */
  marginMs: number | undefined;
}

export function lambdaSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LambdaSettings {
  const worker = workerSettingsFromEnv(env);
  const raw = env.TICKET_PROCESSOR_LAMBDA_MARGIN_MS?.trim();
  const e = parseOrThrow(LambdaEnvSchema, raw ? { TICKET_PROCESSOR_LAMBDA_MARGIN_MS: raw } : {}, 'env', 'CONFIG_INVALID', 'environment');
  return { worker, marginMs: e.TICKET_PROCESSOR_LAMBDA_MARGIN_MS };
}

/**
 * The margin for an invocation that starts with `remainingMs` left, and the floor: when only
 * the floor remains, the handler returns at once, reporting every unfinished message.
 */
export function marginFor(settings: LambdaSettings, remainingMs: number): { marginMs: number; floorMs: number } {
  const marginMs = settings.marginMs ?? Math.min(DEFAULT_MARGIN_MS, Math.floor(remainingMs * DEFAULT_MARGIN_FRACTION));
  return { marginMs, floorMs: Math.min(1000, Math.floor(marginMs / 2)) };
}
