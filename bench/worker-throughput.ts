// npm run bench:worker [-- --tickets 400 --repeats 2 --summarizer --batch-size N --max-in-flight N]
// The worker end to end against the local emulators (`ticket-processor local` in a child process,
// real HTTP), side by side with enrichMany() over the same tickets and the same enricher in this
// process: tickets per second and their ratio. The target (issue 6) is a ratio of at least 0.9:
// S3, SQS and DynamoDB I/O must hide behind inference.
//
// Full-size models shaped like the defaults (random weights). Without --summarizer the
// summaries are extractive, which makes inference cheaper and the I/O share larger: the
// harder case for the worker.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { PutObjectCommand } from '@aws-sdk/client-s3';

import { awsSettingsFromEnv, createAwsClients } from '../src/aws/aws-settings.js';
import { setupResources } from '../src/aws/setup-resources.js';
import { createEnricher } from '../src/enrich/enricher.js';
import { createTicketGenerator } from '../src/seed/ticket-generator.js';
import { createWorker } from '../src/worker/worker.js';
import { ensureFullSizeClassifier, ensureFullSizeModel, ensureFullSizeSummarizer } from '../test/fixtures/generate.js';
import { renderTable } from './table.js';

const { values: args } = parseArgs({
  options: {
    tickets: { type: 'string', default: '400' },
    summarizer: { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '2' },
    /** TICKET_PROCESSOR_BATCH_SIZE and _MAX_IN_FLIGHT for the worker (default: the worker's defaults) */
    'batch-size': { type: 'string' },
    'max-in-flight': { type: 'string' },
  },
});
const count = Number(args.tickets);

async function startEndpoint(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'src', 'cli.ts'), 'local', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (m) resolve(m[0]);
    });
    child.once('exit', (code) => reject(new Error(`ticket-processor local exited with ${code}: ${out}`)));
  });
  return { url, child };
}

const models = {
  embedding: await ensureFullSizeModel(),
  sentiment: await ensureFullSizeClassifier(),
  ...(args.summarizer && { summarizer: await ensureFullSizeSummarizer() }),
};
const enricher = await createEnricher({ models, threads: Number(args.threads) });
const tickets = createTicketGenerator(2026)
  .take(count)
  .map((g) => g.ticket);

// Warm-up; then, alternately (the machine is shared and noisy), enrichMany over all tickets (the
// in-process ceiling) and the worker over the same tickets on fresh resources; best of --repeats.
await enricher.enrichMany(tickets.slice(0, 32));
const endpoint = await startEndpoint();
try {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    USE_LOCALSTACK: 'true',
    AWS_ENDPOINT_URL: endpoint.url,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    SQS_POLL_INTERVAL: '1',
    TICKET_PROCESSOR_METRICS_PORT: 'off',
    TICKET_PROCESSOR_LOG_LEVEL: 'warn',
    ...(args['batch-size'] && { TICKET_PROCESSOR_BATCH_SIZE: args['batch-size'] }),
    ...(args['max-in-flight'] && { TICKET_PROCESSOR_MAX_IN_FLIGHT: args['max-in-flight'] }),
  };
  const enrichManyRuns: number[] = [];
  const workerRuns: number[] = [];
  let settingsLine = '';
  for (let run = 0; run < Number(args.repeats); run++) {
    let started = performance.now();
    await enricher.enrichMany(tickets);
    enrichManyRuns.push((performance.now() - started) / 1000);

    const env = { ...base, S3_BUCKET_RAW: `raw-${run}`, S3_BUCKET_ENRICHED: `enriched-${run}`, SQS_QUEUE_NAME: `queue-${run}`, DYNAMODB_TABLE: `tickets-${run}` };
    const settings = awsSettingsFromEnv(env);
    const clients = createAwsClients(settings, env);
    await setupResources(settings, clients);
    // The tickets are in S3 and their notifications in the queue before the worker starts.
    for (let i = 0; i < tickets.length; i += 32) {
      await Promise.all(
        tickets.slice(i, i + 32).map((t) => clients.s3.send(new PutObjectCommand({ Bucket: settings.rawBucket, Key: `${t.ticket_id}.json`, Body: JSON.stringify(t) }))),
      );
    }
    const worker = createWorker({ env, enricher });
    let deleted = 0;
    const done = new Promise<void>((resolve) =>
      worker.on('deleted', () => {
        if (++deleted === tickets.length + 1) resolve(); // + the s3:TestEvent of setup
      }),
    );
    started = performance.now();
    await worker.start();
    await done;
    workerRuns.push((performance.now() - started) / 1000);
    const stats = await worker.stop();
    clients.destroy();
    settingsLine = `worker batches of up to ${worker.settings.batchSize} tickets, ${worker.settings.maxInFlight} messages in flight; last run: ${stats.stored} stored, ${stats.duplicates} duplicates, ${stats.poison} poison, ${stats.retried} retried`;
    process.stderr.write(`bench: run ${run + 1}: enrichMany ${enrichManyRuns.at(-1)!.toFixed(1)} s, worker ${workerRuns.at(-1)!.toFixed(1)} s\n`);
  }
  const enrichManySeconds = Math.min(...enrichManyRuns);
  const workerSeconds = Math.min(...workerRuns);
  const rate = (s: number) => count / s;
  process.stdout.write(
    `\n## Worker vs enrichMany (${count} tickets, ${args.summarizer ? 'with' : 'without'} the summarizer, ${args.threads} threads, best of ${args.repeats})\n\n` +
      renderTable(
        ['', 'seconds', 'tickets/s', 'ratio'],
        [
          ['enrichMany (in process, no I/O)', enrichManySeconds.toFixed(2), rate(enrichManySeconds).toFixed(1), '1.00'],
          ['worker (SQS → S3 → enrich → DynamoDB + S3, delete)', workerSeconds.toFixed(2), rate(workerSeconds).toFixed(1), (enrichManySeconds / workerSeconds).toFixed(2)],
        ],
      ) +
      `\n${settingsLine}\n`,
  );
} finally {
  endpoint.child.kill('SIGTERM');
  await enricher.close();
}
