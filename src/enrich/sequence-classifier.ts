import { callNative, TicketProcessorError } from '../errors.js';
import type { ClassifierModelFiles } from '../models/classifier-model-files.js';
import { tokenizerMismatch } from '../models/model-folder.js';
import { encoderGraph } from '../models/fused-graph.js';
import type { NativeAddon, NativeClassifierModel } from '../native/addon-types.js';
import type { BatchSettings } from './embedder.js';

/** A sequence classifier (e.g. DistilBERT SST-2) through the native pipeline. */
export class SequenceClassifier {
  private constructor(
    private native: NativeClassifierModel | undefined,
    readonly files: ClassifierModelFiles,
  ) {}

  static async load(addon: NativeAddon, files: ClassifierModelFiles, batch: BatchSettings): Promise<SequenceClassifier> {
    const graph = await encoderGraph(files.onnxPath, addon.variant);
    const native = await callNative(() =>
      addon.loadClassifierModel({
        modelPath: files.onnxPath,
        ...(graph.modelBytes && { modelBytes: graph.modelBytes }),
        tokenizerJson: files.tokenizerJson,
        maxLength: files.maxLength,
        tokenBudget: batch.tokenBudget,
        maxBatch: batch.maxBatch,
      }),
    );
    const info = native.info();
    const problem =
      tokenizerMismatch(files, info.maxTokenId) ??
      (info.labels !== 0 && info.labels !== files.labels.length
        ? `the graph outputs ${info.labels} logits per text but config.json id2label names ${files.labels.length} labels`
        : undefined);
    if (problem) {
      native.close();
      throw new TicketProcessorError('MODEL_INVALID', `${files.role} model ${files.location.dir}: ${problem}`);
    }
    return new SequenceClassifier(native, files);
  }

  /** Probabilities per text: rows of files.labels.length, in input order. */
  async classify(texts: readonly string[]): Promise<{ logits: Float32Array; probs: Float32Array; labels: number }> {
    const native = this.nativeModel();
    return callNative(() => native.classify(texts as string[]));
  }

  /** Identifies the tokenizer's behaviour: equal for models that tokenize identically. */
  get tokenizerFingerprint(): string {
    return this.nativeModel().info().tokenizerFingerprint;
  }

  nativeModel(): NativeClassifierModel {
    if (!this.native) throw new TicketProcessorError('ENRICHER_CLOSED', `the ${this.files.role} model was closed`);
    return this.native;
  }

  close(): void {
    this.native?.close();
    this.native = undefined;
  }
}
