import { randomInt } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';

import { awsSettingsFromEnv, createAwsClients } from '../aws/aws-settings.js';
import { TicketProcessorError } from '../errors.js';
import { DEFAULT_SEED_CONCURRENCY, DEFAULT_SEED_COUNT, seedTickets, uploadSeedTickets } from '../seed/upload-tickets.js';
import { awsEnv } from './setup-command.js';
import { positiveInt } from './shared.js';

export { DEFAULT_SEED_CONCURRENCY, DEFAULT_SEED_COUNT, seedTickets, type SeedUploadOptions, type SeedUploadResult, uploadSeedTickets } from '../seed/upload-tickets.js';

/** Writes the tickets as JSON lines; `-` is stdout. */
export async function writeSeedTickets(file: string, count: number, seed: number): Promise<void> {
  const out = file === '-' ? process.stdout : createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  try {
    for (const ticket of seedTickets(count, seed)) {
      if (!out.write(`${JSON.stringify(ticket)}\n`)) await Promise.race([once(out, 'drain'), failed]);
    }
    if (out !== process.stdout) {
      out.end();
      await Promise.race([once(out, 'finish'), failed]);
    }
  } catch (e) {
    throw new TicketProcessorError('CONFIG_INVALID', `cannot write ${file}: ${(e as Error).message}. Pass a writable path to --out.`, { cause: e });
  }
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number (e.g. 5 or 0.5)');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
}

function upTo(max: number) {
  return (value: string) => {
    const n = positiveInt(value);
    if (n > max) throw new InvalidArgumentError(`must be at most ${max}`);
    return n;
  };
}

/** a bar on a terminal, a line per 10% otherwise; both on stderr */
function progressReporter(total: number): { update(done: number): void; stop(): void } {
  if (process.stderr.isTTY && process.env.TERM !== 'dumb') {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'uploading {bar} {value}/{total} tickets | {percentage}% | ETA {eta_formatted}', hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  const step = Math.max(1, Math.ceil(total / 10));
  return {
    update: (done) => {
      if (done % step === 0 || done === total) process.stderr.write(`uploaded ${done}/${total}\n`);
    },
    stop: () => {},
  };
}

interface SeedFlags {
  count: number;
  rate?: number;
  seed?: number;
  out?: string;
  concurrency: number;
  endpoint?: string;
}

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('generate realistic support tickets (deterministic with --seed) and upload them as <ticket_id>.json to the raw bucket, or write them as JSON lines with --out')
    .option('-n, --count <n>', 'number of tickets', positiveInt, DEFAULT_SEED_COUNT)
    .option('-s, --seed <s>', 'generator seed: the same seed gives the same tickets (default: random, printed)', integer)
    .addOption(new Option('-r, --rate <r>', 'uploads per second at most (default: as fast as --concurrency allows)').argParser(positiveNumber).conflicts('out'))
    .option('-c, --concurrency <n>', 'uploads in flight at most', upTo(256), DEFAULT_SEED_CONCURRENCY)
    .addOption(new Option('-o, --out <file>', 'write JSON lines to FILE (- = stdout) instead of uploading; needs no AWS').conflicts('endpoint'))
    .option('--endpoint <url>', 'AWS endpoint, e.g. http://127.0.0.1:4566 (same as USE_LOCALSTACK=true AWS_ENDPOINT_URL=<url>)')
    .addHelpText(
      'after',
      `
The bucket is S3_BUCKET_RAW (tickets-raw); run \`ticket-processor setup\` first. Progress goes to
stderr. With a notification configured (setup does it) each upload queues one S3 event.

Examples:
  $ ticket-processor seed --count 100 --seed 7 --endpoint http://127.0.0.1:4566
  $ ticket-processor seed --count 1000 --rate 20          # at most 20 uploads per second
  $ ticket-processor seed --count 5 --seed 7 --out -      # JSON lines on stdout`,
    )
    .action(async (flags: SeedFlags) => {
      const seed = flags.seed ?? randomInt(0, 2 ** 31);
      if (flags.out !== undefined) {
        await writeSeedTickets(flags.out, flags.count, seed);
        process.stderr.write(`wrote ${flags.count} tickets${flags.out === '-' ? '' : ` to ${flags.out}`} (seed ${seed})\n`);
        return;
      }
      const env = awsEnv(flags.endpoint);
      const settings = awsSettingsFromEnv(env);
      const clients = createAwsClients(settings, env);
      const progress = progressReporter(flags.count);
      try {
        const result = await uploadSeedTickets(settings, clients, {
          count: flags.count,
          seed,
          ...(flags.rate !== undefined && { rate: flags.rate }),
          concurrency: flags.concurrency,
          onProgress: (done) => progress.update(done),
        });
        progress.stop();
        const rate = result.seconds > 0 ? result.keys.length / result.seconds : result.keys.length;
        process.stderr.write(`uploaded ${result.keys.length} tickets to s3://${settings.rawBucket} in ${result.seconds.toFixed(1)} s (${rate.toFixed(1)}/s, seed ${seed})\n`);
      } finally {
        progress.stop();
        clients.destroy();
      }
    });
}
