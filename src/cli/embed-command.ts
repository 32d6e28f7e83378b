import type { Command } from 'commander';

import { createEnricher } from '../enrich/enricher.js';
import { enricherOptions, type ModelFlags, readStdinLines, withModelFlags } from './shared.js';

export function registerEmbedCommand(program: Command): void {
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
}
