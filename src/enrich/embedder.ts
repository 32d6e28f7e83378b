import { callNative, TicketProcessorError } from '../errors.js';
import type { EmbeddingModelFiles } from '../models/embedding-model-files.js';
import { encoderGraph } from '../models/fused-graph.js';
import { tokenizerMismatch } from '../models/model-folder.js';
import type { EncodedBatch, NativeAddon, NativeEmbeddingModel } from '../native/addon-types.js';

export interface BatchSettings {
  /** max batch size x padded length per ONNX Runtime call */
  tokenBudget: number;
  /** max texts per ONNX Runtime call */
  maxBatch: number;
}

// Small batches win on CPU: at 1-2k tokens per call the activations stay in cache; 8k-token
// batches ran ~25% slower in `npm run bench` (see README, Benchmarks).
/** Splits [count, dim] floats into one Float32Array per row, each with its own memory. */
export function rowsOf(data: Float32Array, dim: number, count: number): Float32Array[] {
  const rows: Float32Array[] = new Array(count);
  for (let i = 0; i < count; i++) rows[i] = data.slice(i * dim, (i + 1) * dim);
  return rows;
}

export const DEFAULT_BATCH_SETTINGS: BatchSettings = { tokenBudget: 1024, maxBatch: 32 };

/** Sentence embeddings from one ONNX encoder, through the native pipeline. */
export class Embedder {
  private constructor(
    private native: NativeEmbeddingModel | undefined,
    readonly files: EmbeddingModelFiles,
    readonly dim: number,
  ) {}

  static async load(addon: NativeAddon, files: EmbeddingModelFiles, batch: BatchSettings): Promise<Embedder> {
    const graph = await encoderGraph(files.onnxPath, addon.variant);
    const native = await callNative(() =>
      addon.loadEmbeddingModel({
        modelPath: files.onnxPath,
        ...(graph.modelBytes && { modelBytes: graph.modelBytes }),
        tokenizerJson: files.tokenizerJson,
        maxLength: files.maxLength,
        tokenBudget: batch.tokenBudget,
        maxBatch: batch.maxBatch,
        normalize: files.normalize,
      }),
    );
    const info = native.info();
    const mismatch = tokenizerMismatch(files, info.maxTokenId);
    if (mismatch) {
      native.close();
      throw new TicketProcessorError('MODEL_INVALID', `${files.role} model ${files.location.dir}: ${mismatch}`);
    }
    let dim = info.dim;
    if (dim === 0) {
      // The graph leaves the width symbolic: learn it from one tiny run.
      dim = (await callNative(() => native.embed(['']))).dim;
    }
    return new Embedder(native, files, dim);
  }

  /** One unit-length Float32Array per text (normalize on), in input order. */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const native = this.nativeModel();
    if (texts.length === 0) return [];
    const { data, dim } = await callNative(() => native.embed(texts as string[]));
    return rowsOf(data, dim, texts.length);
  }

  /** Identifies the tokenizer's behaviour: equal for models that tokenize identically. */
  get tokenizerFingerprint(): string {
    return this.nativeModel().info().tokenizerFingerprint;
  }

  /** The exact batches embed() feeds ONNX Runtime (for benchmarks and tests). */
  encode(texts: readonly string[]): EncodedBatch[] {
    return this.nativeModel().encode(texts as string[]);
  }

  nativeInfo() {
    return this.nativeModel().info();
  }

  close(): void {
    this.native?.close();
    this.native = undefined;
  }

  nativeModel(): NativeEmbeddingModel {
    if (!this.native) throw new TicketProcessorError('ENRICHER_CLOSED', 'the embedding model was closed');
    return this.native;
  }
}
