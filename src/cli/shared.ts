import { createInterface } from 'node:readline';

import { type Command, InvalidArgumentError, Option } from 'commander';

import type { EnricherOptions } from '../enrich/enricher.js';
import { CPU_VARIANTS } from '../native/addon-types.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export interface ModelFlags {
  models?: string;
  cpu?: string;
  threads?: number;
}

export function enricherOptions(flags: ModelFlags): EnricherOptions {
  return {
    ...(flags.models !== undefined && { models: flags.models }),
    ...(flags.cpu !== undefined && { cpu: flags.cpu as EnricherOptions['cpu'] }),
    ...(flags.threads !== undefined && { threads: flags.threads }),
  };
}

/** The flags every model-loading command shares. */
export function withModelFlags(command: Command): Command {
  return command
    .option('-m, --models <dir>', 'a folder of models (<org>/<name>/), or one model folder (default: MODEL_CACHE_DIR)')
    .addOption(new Option('--cpu <variant>', 'addon CPU variant (default: best supported; env TICKET_PROCESSOR_CPU)').choices([...CPU_VARIANTS]))
    .option('-t, --threads <n>', 'ONNX Runtime intra-op threads (default: physical cores)', positiveInt);
}

export async function readStdinLines(): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) lines.push(line);
  return lines;
}
