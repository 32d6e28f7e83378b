import { type Command, Option } from 'commander';

import { createEnricher } from '../enrich/enricher.js';
import { CPU_VARIANTS } from '../native/addon-types.js';
import { planVariant } from '../native/load-addon.js';
import { enricherOptions, type ModelFlags, withModelFlags } from './shared.js';

export function registerInfoCommands(program: Command): void {
  withModelFlags(program.command('info').description('load the models and print versions, CPU variant, ONNX Runtime, models and taxonomy as JSON')).action(
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
}
