import type { Command } from 'commander';

import { createWorker } from '../worker/worker.js';
import { enricherOptions, type ModelFlags, withModelFlags } from './shared.js';

const ENVIRONMENT_HELP = `
Configuration comes from the environment (DESIGN.md names, validated at start):
  AWS_REGION, USE_LOCALSTACK, AWS_ENDPOINT_URL, S3_BUCKET_RAW, S3_BUCKET_ENRICHED,
  SQS_QUEUE_NAME (or SQS_QUEUE_URL), SQS_POLL_INTERVAL, SQS_MAX_MESSAGES,
  SQS_VISIBILITY_TIMEOUT, DYNAMODB_TABLE, MODEL_CACHE_DIR, EMBEDDING_MODEL, CLASSIFIER_MODEL,
  SUMMARIZER_MODEL, MAX_SUMMARY_LENGTH, and TICKET_PROCESSOR_SHUTDOWN_TIMEOUT (25 s),
  TICKET_PROCESSOR_METRICS_PORT (9400; "off" for none), TICKET_PROCESSOR_MAX_IN_FLIGHT (100),
  TICKET_PROCESSOR_RECEIVERS (3), TICKET_PROCESSOR_BATCH_SIZE (32),
  TICKET_PROCESSOR_BATCH_WAIT_MS (25), TICKET_PROCESSOR_IO_CONCURRENCY (32),
  TICKET_PROCESSOR_MAX_TICKET_BYTES (1 MiB), TICKET_PROCESSOR_LOG_LEVEL (info).

SIGTERM or SIGINT: stop receiving, finish in-flight work within the shutdown timeout, make the
rest visible again, print statistics, exit 0. A second signal exits at once (code 130).`;

export function registerWorkerCommand(program: Command): void {
  withModelFlags(
    program
      .command('worker', { isDefault: true })
      .description('run the worker (the default command): SQS → S3 raw ticket → enrich → DynamoDB + S3, JSON logs on stdout')
      .addHelpText('after', ENVIRONMENT_HELP),
  ).action(async (flags: ModelFlags) => {
    const worker = createWorker({ enricherOptions: enricherOptions(flags) });
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        process.stderr.write(`ticket-processor: second ${signal}: exiting now; unfinished messages reappear after their visibility timeout\n`);
        process.exit(130);
      }
      worker.log.info({ signal }, 'signal received');
      void worker.stop();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    const stopped = new Promise<void>((resolve) => worker.once('stopped', () => resolve()));
    await worker.start();
    await stopped;
    const s = worker.stats();
    process.stderr.write(
      `ticket-processor: stopped after ${s.uptimeSeconds}s: ${s.received} messages received, ${s.deleted} deleted, ` +
        `${s.stored} tickets stored, ${s.duplicates} duplicates, ${s.poison} poison, ${s.retried} retried, ${s.released} released\n`,
    );
  });
}
