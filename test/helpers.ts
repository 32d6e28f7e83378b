import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Test } from 'tap';

import type { CpuVariant } from '../src/native/addon-types.js';
import { planVariant } from '../src/native/load-addon.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TINY_BERT = path.join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-bert');
export const CLI = path.join(REPO_ROOT, 'src', 'cli.ts');

/** Every variant built here that this CPU can run: each one is tested. */
export function runnableVariants(): CpuVariant[] {
  const plan = planVariant();
  return plan.cpu.supported.filter((v) => plan.available.includes(v));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

export function readTinyTokenizerJson(): string {
  return readFileSync(path.join(TINY_BERT, 'tokenizer.json'), 'utf8');
}

/** Deterministic pseudo-random numbers for test data (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TINY_SST2 = path.join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-distilbert-sst2');
export const TINY_MODELS = { embedding: TINY_BERT, sentiment: TINY_SST2 };
export const TINY_BART = path.join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-bart');

/**
 * Sets process.env entries (undefined deletes) for one test; the teardown puts back what was
 * there before, whatever the test sets in between.
 */
export function withEnv(t: Test, vars: Record<string, string | undefined>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  t.teardown(() => {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  });
}

