// Runs benchmark contestants (bench/contestant.ts), each in its own process, interleaved: all
// are loaded first, then each round asks each one for a timed run, starting with a different
// one every round. On a shared machine whose speed drifts by 10% from minute to minute, one
// contestant after the other would turn that drift into ratios; interleaved, every contestant
// sees the same minutes. Used by bench/run.ts and bench/variants.ts.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

import type { ContestantSpec } from './contestant.js';

export interface Result {
  name: string;
  seconds: number[];
}

interface RunningContestant {
  spec: ContestantSpec;
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts a contestant process and waits until it has loaded and warmed up. */
async function startContestant(spec: ContestantSpec): Promise<RunningContestant> {
  process.stderr.write(`bench: loading ${spec.name} ...\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'contestant.ts'), JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, TICKET_PROCESSOR_CPU: '', ...spec.env },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`bench: ${spec.name} exited with code ${code}`))));
  exited.catch(() => {});
  const nextLine = async (): Promise<string> => {
    const next = await Promise.race([lines.next(), exited]);
    if (next.done) throw new Error(`bench: ${spec.name} closed its output`);
    return next.value;
  };
  while ((await nextLine()) !== 'ready');
  return {
    spec,
    async runOnce() {
      child.stdin.write('run\n');
      return (JSON.parse(await nextLine()) as { seconds: number }).seconds;
    },
    async stop() {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** Runs every contestant `rounds` times, interleaved; seconds per run, in spec order. */
export async function runInterleaved(specs: ContestantSpec[], rounds: number): Promise<Result[]> {
  const running: RunningContestant[] = [];
  try {
    for (const spec of specs) running.push(await startContestant(spec));
    const seconds: number[][] = specs.map(() => []);
    for (let round = 0; round < rounds; round++) {
      process.stderr.write(`bench: round ${round + 1} of ${rounds}\n`);
      for (let k = 0; k < running.length; k++) {
        const i = (k + round) % running.length;
        seconds[i]!.push(await running[i]!.runOnce());
      }
    }
    return specs.map((spec, i) => ({ name: spec.name, seconds: seconds[i]! }));
  } finally {
    await Promise.all(running.map((r) => r.stop()));
  }
}
