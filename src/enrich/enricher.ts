import { TicketProcessorError } from '../errors.js';
import { readEmbeddingModelFiles, type Dtype } from '../models/embedding-model-files.js';
import { DEFAULT_MODELS } from '../models/known-models.js';
import { locateFromModelsOption, locateModel, type ModelLocation } from '../models/model-location.js';
import type { CpuReport, CpuVariant, RuntimeInfo } from '../native/addon-types.js';
import { type LoadedAddon, loadAddon } from '../native/load-addon.js';
import { ensureRuntime } from '../native/runtime.js';
import { PACKAGE_VERSION } from '../package-info.js';
import { DEFAULT_BATCH_SETTINGS, Embedder } from './embedder.js';
import { type EnricherOptions, parseEnricherOptions } from './enricher-options.js';

export type { EnricherOptions } from './enricher-options.js';

export interface EnricherInfo {
  version: string;
  variant: CpuVariant;
  /** which implementation of the addon's own kernels this variant runs */
  simd: string;
  addonPath: string;
  cpu: CpuReport & { available: CpuVariant[] };
  onnxruntime: RuntimeInfo;
  models: {
    embedding: {
      id: string;
      path: string;
      source: ModelLocation['source'];
      dtype: Dtype;
      file: string;
      dim: number;
      maxLength: number;
      normalize: boolean;
    };
  };
  batching: { tokenBudget: number; maxBatch: number };
}

function embeddingLocation(models: EnricherOptions['models']): ModelLocation {
  const id = process.env.EMBEDDING_MODEL || DEFAULT_MODELS.embedding;
  if (typeof models === 'string') return locateFromModelsOption(models, 'embedding', id);
  return locateModel(models?.embedding ?? id, 'embedding');
}

/** Enriches support tickets; for now: sentence embeddings. Create with createEnricher(). */
export class Enricher {
  #embedder: Embedder | undefined;
  readonly #addon: LoadedAddon;
  readonly #runtime: RuntimeInfo;
  readonly #batching: { tokenBudget: number; maxBatch: number };
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  /** @internal use createEnricher() */
  constructor(addon: LoadedAddon, runtime: RuntimeInfo, embedder: Embedder, batching: { tokenBudget: number; maxBatch: number }) {
    this.#addon = addon;
    this.#runtime = runtime;
    this.#embedder = embedder;
    this.#batching = batching;
  }

  /**
   * One Float32Array per text, in input order, of the model's hidden size and unit length.
   * Runs on the libuv thread pool: the event loop stays free while it works.
   */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return this.#track(async () => {
      validateTexts(texts);
      return this.#open().embed(texts);
    });
  }

  info(): EnricherInfo {
    const embedder = this.#open();
    const { files } = embedder;
    return {
      version: PACKAGE_VERSION,
      variant: this.#addon.variant,
      simd: this.#addon.addon.kernels.simd,
      addonPath: this.#addon.file,
      cpu: { ...this.#addon.cpu, available: this.#addon.available },
      onnxruntime: { ...this.#runtime },
      models: {
        embedding: {
          id: files.location.id,
          path: files.location.dir,
          source: files.location.source,
          dtype: files.dtype,
          file: files.onnxPath,
          dim: embedder.dim,
          maxLength: files.maxLength,
          normalize: files.normalize,
        },
      },
      batching: { ...this.#batching },
    };
  }

  /** Waits for calls in flight, then frees the models. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      this.#embedder?.close();
      this.#embedder = undefined;
    })();
    return this.#closing;
  }

  #open(): Embedder {
    if (this.#closing || !this.#embedder) {
      throw new TicketProcessorError('ENRICHER_CLOSED', 'this enricher was closed; create a new one with createEnricher()');
    }
    return this.#embedder;
  }

  #track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function validateTexts(texts: unknown): asserts texts is string[] {
  if (!Array.isArray(texts)) {
    const hint = typeof texts === 'string' ? ' (wrap a single text: embed([text]))' : '';
    throw new TicketProcessorError('INPUT_INVALID', `embed(texts) takes an array of strings, got ${describe(texts)}${hint}`);
  }
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') {
      throw new TicketProcessorError('INPUT_INVALID', `texts[${i}] is ${describe(texts[i])}; every text must be a string`);
    }
  }
}

/** Loads the addon variant, ONNX Runtime and the models. */
export async function createEnricher(options: EnricherOptions = {}): Promise<Enricher> {
  const opts = parseEnricherOptions(options);
  const addon = loadAddon(opts.cpu);
  const runtime = await ensureRuntime(addon.addon, opts.threads);
  const files = await readEmbeddingModelFiles(embeddingLocation(opts.models), {
    dtype: opts.dtype ?? 'fp32',
    ...(opts.maxLength !== undefined && { maxLength: opts.maxLength }),
  });
  const batching = {
    tokenBudget: opts.tokenBudget ?? DEFAULT_BATCH_SETTINGS.tokenBudget,
    maxBatch: opts.maxBatch ?? DEFAULT_BATCH_SETTINGS.maxBatch,
  };
  const embedder = await Embedder.load(addon.addon, files, batching);
  return new Enricher(addon, runtime, embedder, batching);
}
