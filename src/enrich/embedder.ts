import { callNative, TicketProcessorError } from '../errors.js';
import type { EmbeddingModelFiles } from '../models/embedding-model-files.js';
import type { EncodedBatch, NativeAddon, NativeEmbeddingModel } from '../native/addon-types.js';

export interface BatchSettings {
  /** max batch size x padded length per ONNX Runtime call */
  tokenBudget: number;
  /** max texts per ONNX Runtime call */
  maxBatch: number;
}

// Small batches win on CPU: at 1-2k tokens per call the activations stay in cache; 8k-token
// batches ran ~25% slower in `npm run bench` (see README, Benchmarks).
export const DEFAULT_BATCH_SETTINGS: BatchSettings = { tokenBudget: 1024, maxBatch: 32 };

/** Sentence embeddings from one ONNX encoder, through the native pipeline. */
export class Embedder {
  private constructor(
    private native: NativeEmbeddingModel | undefined,
    readonly files: EmbeddingModelFiles,
    readonly dim: number,
  ) {}

  static async load(addon: NativeAddon, files: EmbeddingModelFiles, batch: BatchSettings): Promise<Embedder> {
    const native = await callNative(() =>
      addon.loadEmbeddingModel({
        modelPath: files.onnxPath,
        tokenizerJson: files.tokenizerJson,
        maxLength: files.maxLength,
        tokenBudget: batch.tokenBudget,
        maxBatch: batch.maxBatch,
        normalize: files.normalize,
      }),
    );
    const info = native.info();
    if (files.vocabSize !== undefined && info.maxTokenId >= files.vocabSize) {
      native.close();
      throw new TicketProcessorError(
        'MODEL_INVALID',
        `tokenizer.json in ${files.location.dir} produces token ids up to ${info.maxTokenId}, but config.json says the model has ${files.vocabSize} (vocab_size): the tokenizer does not belong to this model`,
      );
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
    const native = this.open();
    if (texts.length === 0) return [];
    const { data, dim } = await callNative(() => native.embed(texts as string[]));
    const rows: Float32Array[] = new Array(texts.length);
    for (let i = 0; i < texts.length; i++) rows[i] = data.slice(i * dim, (i + 1) * dim);
    return rows;
  }

  /** The exact batches embed() feeds ONNX Runtime (for benchmarks and tests). */
  encode(texts: readonly string[]): EncodedBatch[] {
    return this.open().encode(texts as string[]);
  }

  nativeInfo() {
    return this.open().info();
  }

  close(): void {
    this.native?.close();
    this.native = undefined;
  }

  private open(): NativeEmbeddingModel {
    if (!this.native) throw new TicketProcessorError('ENRICHER_CLOSED', 'the embedding model was closed');
    return this.native;
  }
}
