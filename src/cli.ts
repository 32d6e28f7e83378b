#!/usr/bin/env node
// The `ticket-processor` command: one file per command group under src/cli/.
import { Command } from 'commander';

import { registerEmbedCommand } from './cli/embed-command.js';
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
  .version(PACKAGE_VERSION)
  .showHelpAfterError();

registerEmbedCommand(program);
registerInfoCommands(program);
registerModelsCommands(program);
registerLocalCommand(program);
registerSetupCommand(program);
registerSeedCommand(program);
registerWorkerCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (isTicketProcessorError(e)) {
    process.stderr.write(`ticket-processor: ${e.message} [${e.code}]\n`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
