#!/usr/bin/env node
// The `ticket-processor` command: one file per command group under src/cli/.
import { Command, CommanderError } from 'commander';

import { registerDemoCommand } from './cli/demo-command.js';
import { registerEmbedCommand } from './cli/embed-command.js';
import { registerEnrichCommand } from './cli/enrich-command.js';
import { registerInfoCommands } from './cli/info-command.js';
import { registerLocalCommand } from './cli/local-command.js';
import { registerModelsCommands } from './cli/models-command.js';
import { registerSeedCommand } from './cli/seed-command.js';
import { registerSetupCommand } from './cli/setup-command.js';
import { registerWorkerCommand } from './cli/worker-command.js';
import { isTicketProcessorError } from './errors.js';
import { PACKAGE_VERSION } from './package-info.js';

const program = new Command()
  .name('ticket-processor')
  .description('Enrich customer-support tickets (embeddings, intent, urgency, sentiment, summary) with a native ONNX Runtime addon.')
  .version(PACKAGE_VERSION, '-V, --version', 'print the version and exit')
  // Set before the commands are added, so that every command inherits them: commander throws
  // instead of exiting, and the catch below turns usage errors into exit code 2.
  .exitOverride()
  .showHelpAfterError();

registerDemoCommand(program);
registerEmbedCommand(program);
registerEnrichCommand(program);
registerInfoCommands(program);
registerModelsCommands(program);
registerLocalCommand(program);
registerSetupCommand(program);
registerSeedCommand(program);
registerWorkerCommand(program);

/** Examples for the commands whose files do not add their own (`--help` shows them). */
const EXAMPLES: Record<string, string[]> = {
  embed: ['ticket-processor embed "I cannot log in" "We were charged twice"', 'cut -f2 texts.tsv | ticket-processor embed --models ./models > vectors.jsonl'],
  info: ['ticket-processor info', 'ticket-processor info --cpu generic --threads 1'],
  cpu: ['ticket-processor cpu', 'ticket-processor cpu --cpu avx2            # can this machine run the avx2 build?'],
  models: ['ticket-processor models pull', 'ticket-processor models list', 'ticket-processor models verify'],
  'models pull': ['ticket-processor models pull                              # the three defaults', 'ticket-processor models pull Xenova/all-MiniLM-L6-v2 --dtype q8'],
  'models list': ['ticket-processor models list', 'MODEL_CACHE_DIR=/models ticket-processor models list'],
  'models verify': ['ticket-processor models verify', 'ticket-processor models verify Xenova/all-MiniLM-L6-v2'],
  worker: [
    'ticket-processor                                   # the worker, configured by the environment',
    'USE_LOCALSTACK=true AWS_ENDPOINT_URL=http://127.0.0.1:4566 ticket-processor worker',
    'AWS_REGION=eu-west-1 SQS_QUEUE_NAME=tickets TICKET_PROCESSOR_METRICS_PORT=off ticket-processor worker -t 2',
  ],
};

for (const command of program.commands) {
  for (const c of [command, ...command.commands]) {
    const name = c === command ? c.name() : `${command.name()} ${c.name()}`;
    const examples = EXAMPLES[name];
    if (examples) c.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}`);
  }
}

program.addHelpText(
  'after',
  `
Examples:
  $ ticket-processor demo                          # the whole pipeline on this machine, no AWS needed
  $ ticket-processor enrich ticket.json --no-embedding
  $ ticket-processor local &                       # an embedded AWS endpoint on :4566
  $ USE_LOCALSTACK=true AWS_ENDPOINT_URL=http://127.0.0.1:4566 ticket-processor setup
  $ USE_LOCALSTACK=true AWS_ENDPOINT_URL=http://127.0.0.1:4566 ticket-processor   # the worker

Exit status: 0 on success, 1 on a runtime failure (one line: ticket-processor: <reason> [CODE]),
2 on a usage error (unknown command or flag, bad or missing argument).`,
);

/**
 * The worker is the default command, so commander would hand an unknown command to it as an
 * argument ("too many arguments for 'worker'"); say what it is instead.
 */
function unknownCommand(args: string[]): string | undefined {
  const first = args[0];
  if (first === undefined || first.startsWith('-')) return undefined;
  const known = new Set(['help', ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])]);
  return known.has(first) ? undefined : first;
}

function suggestion(word: string): string {
  const names = program.commands.map((c) => c.name());
  const close = names.find((n) => n.startsWith(word.slice(0, 3)) || word.startsWith(n));
  return close ? ` (did you mean ${close}?)` : '';
}

try {
  const unknown = unknownCommand(process.argv.slice(2));
  if (unknown !== undefined) {
    process.stderr.write(`error: unknown command '${unknown}'${suggestion(unknown)}\n\n${program.helpInformation()}`);
    process.exitCode = 2;
  } else {
    await program.parseAsync(process.argv);
  }
} catch (e) {
  if (e instanceof CommanderError) {
    // commander has printed the message (and the usage); --help and --version end with code 0
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (isTicketProcessorError(e)) {
    process.stderr.write(`ticket-processor: ${e.message} [${e.code}]\n`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
