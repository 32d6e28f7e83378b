import { type Command, InvalidArgumentError } from 'commander';

import { DEFAULT_LOCAL_PORT, startLocalEndpoint } from '../local/local-endpoint.js';

function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0 = any free port)');
  return n;
}

interface LocalFlags {
  port: number;
  host: string;
  data?: string;
  region?: string;
  verbose?: boolean;
}

export function registerLocalCommand(program: Command): void {
  program
    .command('local')
    .description('run an embedded AWS endpoint for development: S3 and SQS (fauxqs) and DynamoDB (dynalite) behind one URL, with S3 -> SQS event notifications; Ctrl-C stops it')
    .option('-p, --port <port>', 'port to listen on (0 = any free port)', portNumber, DEFAULT_LOCAL_PORT)
    .option('--host <address>', 'address to listen on; keep it on loopback, there is no authentication', '127.0.0.1')
    .option('--data <dir>', 'keep DynamoDB tables and items and bucket notification configurations in DIR between runs (S3 objects and SQS queues stay in memory)')
    .option('--region <region>', 'region for ARNs and events when a request names none (default: AWS_REGION or us-east-1)')
    .option('-v, --verbose', 'log every S3 event sent')
    .addHelpText(
      'after',
      `
Examples:
  $ ticket-processor local                      # http://127.0.0.1:4566, like LocalStack
  $ ticket-processor local --port 0 --data .local-aws
  $ export USE_LOCALSTACK=true AWS_ENDPOINT_URL=http://127.0.0.1:4566
  $ ticket-processor setup && ticket-processor seed --count 20`,
    )
    .action(async (flags: LocalFlags) => {
      const log = (line: string) => process.stderr.write(`ticket-processor local: ${line}\n`);
      const endpoint = await startLocalEndpoint({
        port: flags.port,
        host: flags.host,
        ...(flags.data !== undefined && { dataDir: flags.data }),
        region: flags.region ?? (process.env.AWS_REGION?.trim() || 'us-east-1'),
        logger: { info: flags.verbose ? log : () => {}, warn: log },
      });
      process.stdout.write(
        [
          `S3, SQS and DynamoDB at ${endpoint.url}`,
          `  export USE_LOCALSTACK=true AWS_ENDPOINT_URL=${endpoint.url}`,
          flags.data !== undefined
            ? `  state: DynamoDB and bucket notification configurations kept in ${flags.data}; S3 objects and SQS queues in memory (run \`ticket-processor setup\` after a restart)`
            : '  state: in memory, gone when this stops (--data DIR keeps DynamoDB and notification configurations)',
          '  Ctrl-C stops it.',
          '',
        ].join('\n'),
      );
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      log(`${signal}: stopping`);
      await endpoint.close();
      log('stopped');
      // everything is closed; do not let a stray handle of a dependency keep the process alive
      setTimeout(() => process.exit(0), 2_000).unref();
    });
}
