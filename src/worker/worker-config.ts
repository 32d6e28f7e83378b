/**
 * The worker's settings: the AWS settings of DESIGN.md plus the worker's own
 * TICKET_PROCESSOR_* variables, validated at start so that a bad value names its variable.
 */
import { z } from 'zod';

import { type AwsSettings, awsSettingsFromEnv } from '../aws/aws-settings.js';
import { parseOrThrow } from '../validation.js';

const WorkerEnvSchema = z.object({
  /** seconds to finish in-flight work after SIGTERM/SIGINT */
  TICKET_PROCESSOR_SHUTDOWN_TIMEOUT: z.coerce.number().min(0).max(3600).default(25),
  /** HTTP port of /healthz, /readyz, /metrics; 0 = any free port; "off" = no server */
  TICKET_PROCESSOR_METRICS_PORT: z.union([z.literal('off'), z.coerce.number().int().min(0).max(65_535)]).default(9400),
  TICKET_PROCESSOR_METRICS_HOST: z.string().trim().min(1).default('0.0.0.0'),
  /** messages received and not yet finished (prefetch included): bounds memory */
  TICKET_PROCESSOR_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(100),
  /** concurrent ReceiveMessage calls (each returns up to SQS_MAX_MESSAGES) */
  TICKET_PROCESSOR_RECEIVERS: z.coerce.number().int().min(1).max(64).default(3),
  /** tickets per native enrichment batch */
  TICKET_PROCESSOR_BATCH_SIZE: z.coerce.number().int().min(1).max(4096).default(32),
  /** how long a partial batch waits for more tickets, milliseconds */
  TICKET_PROCESSOR_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(25),
  /** concurrent S3 GetObject / store calls */
  TICKET_PROCESSOR_IO_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(32),
  /** raw ticket objects larger than this are rejected (poison), bytes */
  TICKET_PROCESSOR_MAX_TICKET_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  TICKET_PROCESSOR_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface WorkerSettings {
  aws: AwsSettings;
  shutdownTimeoutMs: number;
  /** undefined: no HTTP server */
  metricsPort: number | undefined;
  metricsHost: string;
  maxInFlight: number;
  receivers: number;
  batchSize: number;
  batchWaitMs: number;
  ioConcurrency: number;
  maxTicketBytes: number;
  logLevel: z.infer<typeof WorkerEnvSchema>['TICKET_PROCESSOR_LOG_LEVEL'];
}

/** Throws CONFIG_INVALID listing every bad variable by name. Empty variables count as unset. */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const present = Object.fromEntries(Object.keys(WorkerEnvSchema.shape).flatMap((k) => (env[k]?.trim() ? [[k, env[k]!.trim()]] : [])));
  const e = parseOrThrow(WorkerEnvSchema, present, 'env', 'CONFIG_INVALID', 'environment');
  return {
    aws: awsSettingsFromEnv(env),
    shutdownTimeoutMs: e.TICKET_PROCESSOR_SHUTDOWN_TIMEOUT * 1000,
    metricsPort: e.TICKET_PROCESSOR_METRICS_PORT === 'off' ? undefined : e.TICKET_PROCESSOR_METRICS_PORT,
    metricsHost: e.TICKET_PROCESSOR_METRICS_HOST,
    maxInFlight: e.TICKET_PROCESSOR_MAX_IN_FLIGHT,
    receivers: e.TICKET_PROCESSOR_RECEIVERS,
    batchSize: e.TICKET_PROCESSOR_BATCH_SIZE,
    batchWaitMs: e.TICKET_PROCESSOR_BATCH_WAIT_MS,
    ioConcurrency: e.TICKET_PROCESSOR_IO_CONCURRENCY,
    maxTicketBytes: e.TICKET_PROCESSOR_MAX_TICKET_BYTES,
    logLevel: e.TICKET_PROCESSOR_LOG_LEVEL,
  };
}
