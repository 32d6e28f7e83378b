import { callNative, TicketProcessorError } from '../errors.js';
import type { NativeAddon, RuntimeInfo } from './addon-types.js';
import { addonFolder } from './load-addon.js';
import { resolveOrtLibrary } from './ort-library.js';
import { physicalCores } from './physical-cores.js';

/**
 * The process has one ONNX Runtime environment and one intra-op thread pool, shared by every
 * session of every enricher (and every variant addon loaded). The first enricher fixes the
 * library and the pool size; later ones must agree.
 */
let chosen: { libraryPath: string; threads: number } | undefined;

export function validateThreads(threads: unknown): number | undefined {
  if (threads === undefined) return undefined;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new TicketProcessorError('CONFIG_INVALID', `threads must be an integer from 1 to 1024, got ${String(threads)}`);
  }
  return threads;
}

export async function ensureRuntime(addon: NativeAddon, requestedThreads: number | undefined): Promise<RuntimeInfo> {
  if (!chosen) {
    chosen = { libraryPath: resolveOrtLibrary(process.env, addonFolder(addon)), threads: requestedThreads ?? threadsFromEnv() ?? physicalCores() };
  } else if (requestedThreads !== undefined && requestedThreads !== chosen.threads) {
    throw new TicketProcessorError(
      'CONFIG_INVALID',
      `this process's ONNX Runtime thread pool already has ${chosen.threads} threads; all enrichers share it, so threads: ${requestedThreads} cannot be used. Pass the same value or omit it.`,
    );
  }
  const { libraryPath, threads } = chosen;
  return callNative(() => addon.initRuntime({ libraryPath, threads }));
}

function threadsFromEnv(): number | undefined {
  const raw = process.env.TICKET_PROCESSOR_THREADS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new TicketProcessorError('CONFIG_INVALID', `TICKET_PROCESSOR_THREADS must be an integer from 1 to 1024, got "${raw}"`);
  }
  return n;
}
