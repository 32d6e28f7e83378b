#!/usr/bin/env node
import { createInterface } from 'node:readline';

import { Command, InvalidArgumentError, Option } from 'commander';

import { createEnricher, type EnricherOptions } from './enrich/enricher.js';
import { isTicketProcessorError } from './errors.js';
import { CPU_VARIANTS } from './native/addon-types.js';
import { planVariant } from './native/load-addon.js';
import { PACKAGE_VERSION } from './package-info.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

interface ModelFlags {
  models?: string;
  cpu?: string;
  threads?: number;
}

function enricherOptions(flags: ModelFlags): EnricherOptions {
  return {
    ...(flags.models !== undefined && { models: flags.models }),
    ...(flags.cpu !== undefined && { cpu: flags.cpu as EnricherOptions['cpu'] }),
    ...(flags.threads !== undefined && { threads: flags.threads }),
  };
}

function withModelFlags(command: Command): Command {
  return command
    .option('-m, --models <dir>', 'embedding model folder, or a folder of models (default: EMBEDDING_MODEL in MODEL_CACHE_DIR)')
    .addOption(new Option('--cpu <variant>', 'addon CPU variant (default: best supported; env TICKET_PROCESSOR_CPU)').choices([...CPU_VARIANTS]))
    .option('-t, --threads <n>', 'ONNX Runtime intra-op threads (default: physical cores)', positiveInt);
}

async function readStdinLines(): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) lines.push(line);
  return lines;
}

const program = new Command()
  .name('ticket-processor')
  .description('Enrich customer-support tickets with sentence embeddings computed by a native ONNX Runtime addon.')
  .version(PACKAGE_VERSION)
  .showHelpAfterError();

withModelFlags(
  program
    .command('embed')
    .description('print one JSON line {"text", "embedding"} per text; texts from arguments, or one per line on stdin')
    .argument('[texts...]', 'texts to embed (omit to read lines from stdin)'),
).action(async (texts: string[], flags: ModelFlags) => {
  const input = texts.length > 0 ? texts : await readStdinLines();
  const enricher = await createEnricher(enricherOptions(flags));
  try {
    const vectors = await enricher.embed(input);
    for (let i = 0; i < input.length; i++) {
      process.stdout.write(`${JSON.stringify({ text: input[i], embedding: Array.from(vectors[i]!) })}\n`);
    }
  } finally {
    await enricher.close();
  }
});

withModelFlags(program.command('info').description('load the models and print versions, CPU variant, ONNX Runtime and model details as JSON')).action(
  async (flags: ModelFlags) => {
    const enricher = await createEnricher(enricherOptions(flags));
    try {
      process.stdout.write(`${JSON.stringify(enricher.info(), null, 2)}\n`);
    } finally {
      await enricher.close();
    }
  },
);

program
  .command('cpu')
  .description('print the detected CPU features, the addon variants present and the one that would be used')
  .addOption(new Option('--cpu <variant>', 'check a specific variant instead of the best').choices([...CPU_VARIANTS]))
  .action((flags: { cpu?: string }) => {
    const plan = planVariant(flags.cpu);
    process.stdout.write(
      [
        `arch:      ${plan.cpu.arch}`,
        `features:  ${plan.cpu.features.join(' ') || '(none detected)'}`,
        `supported: ${plan.cpu.supported.join(', ')}`,
        `present:   ${plan.available.join(', ')}  (${plan.dir})`,
        `chosen:    ${plan.variant}`,
      ].join('\n') + '\n',
    );
  });

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
