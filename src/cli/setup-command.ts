import type { Command } from 'commander';

import { awsSettingsFromEnv, createAwsClients } from '../aws/aws-settings.js';
import { type SetupStep, setupResources } from '../aws/setup-resources.js';

/** USE_LOCALSTACK / AWS_ENDPOINT_URL, or the --endpoint flag of setup and seed */
export function awsEnv(endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return endpoint === undefined ? env : { ...env, USE_LOCALSTACK: 'true', AWS_ENDPOINT_URL: endpoint };
}

function stepLine(step: SetupStep): string {
  return `${step.status.padEnd(8)} ${step.kind.padEnd(12)} ${step.name}${step.detail ? ` (${step.detail})` : ''}`;
}

export function registerSetupCommand(program: Command): void {
  program
    .command('setup')
    .description('create the buckets, queue (+ dead-letter queue), DynamoDB table and raw-bucket notification the worker uses; resources that exist are left alone')
    .option('--endpoint <url>', 'AWS endpoint, e.g. http://127.0.0.1:4566 (same as USE_LOCALSTACK=true AWS_ENDPOINT_URL=<url>)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Names come from S3_BUCKET_RAW, S3_BUCKET_ENRICHED, SQS_QUEUE_NAME (its dead-letter queue is
<name>-dlq) and DYNAMODB_TABLE; the endpoint from USE_LOCALSTACK and AWS_ENDPOINT_URL (or AWS
itself), the region from AWS_REGION. Each resource prints "created", "exists" or "updated".

Examples:
  $ ticket-processor setup --endpoint http://127.0.0.1:4566     # against \`ticket-processor local\`
  $ USE_LOCALSTACK=true ticket-processor setup                   # LocalStack on localhost:4566
  $ AWS_PROFILE=dev AWS_REGION=eu-west-1 ticket-processor setup  # AWS`,
    )
    .action(async (flags: { endpoint?: string; json?: boolean }) => {
      const env = awsEnv(flags.endpoint);
      const settings = awsSettingsFromEnv(env);
      const clients = createAwsClients(settings, env);
      try {
        const result = await setupResources(settings, clients, { onStep: flags.json ? undefined : (s) => process.stdout.write(`${stepLine(s)}\n`) });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const count = (status: SetupStep['status']) => result.steps.filter((s) => s.status === status).length;
        process.stdout.write(
          result.unchanged
            ? `nothing to change: all ${result.steps.length} resources exist at ${settings.endpoint ?? `AWS ${settings.region}`}\n`
            : `done at ${settings.endpoint ?? `AWS ${settings.region}`}: ${count('created')} created, ${count('updated')} updated, ${count('exists')} already there\n`,
        );
        process.stdout.write(`queue URL: ${result.queueUrl}\n`);
      } finally {
        clients.destroy();
      }
    });
}
