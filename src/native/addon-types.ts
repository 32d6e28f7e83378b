/**
 * Everything the .node files export, typed in one place (node-llama-cpp's AddonTypes pattern).
 * native/napi/*.cc is the other side of this file: change both together.
 */

export type CpuVariant = 'generic' | 'avx2' | 'avx512' | 'neon';
export const CPU_VARIANTS: readonly CpuVariant[] = ['generic', 'avx2', 'avx512', 'neon'];

/** cpu_features.node: built with no ISA flags, loaded before any variant. */
export interface CpuFeaturesAddon {
  detect(): CpuReport;
}

export interface CpuReport {
  arch: 'x64' | 'arm64' | 'other';
  /** e.g. ["sse4.2", "avx", "avx2", "fma", ..., "avx512f"] */
  features: string[];
  /** variants this CPU can run, best first; always ends with "generic" */
  supported: CpuVariant[];
}

export interface RuntimeInfo {
  libraryPath: string;
  /** ONNX Runtime's own version string, e.g. "1.30.0" */
  version: string;
  /** C API version the addon was compiled against and asked for */
  apiVersion: number;
  /** size of the process-wide intra-op thread pool */
  threads: number;
  /** false when another library created ORT's environment first (sessions then own pools) */
  globalThreadPool: boolean;
}

export interface TensorSpec {
  name: string;
  type: string;
  /** -1 for symbolic dimensions */
  dims: number[];
}

export interface EmbeddingModelOptions {
  modelPath: string;
  /** The graph of modelPath rewritten at load (src/models/fused-graph.ts); modelPath then only names it. */
  modelBytes?: Uint8Array;
  tokenizerJson: string;
  maxLength: number;
  tokenBudget: number;
  maxBatch: number;
  normalize: boolean;
}

export interface NativeEmbeddingInfo {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  outputName: string;
  pooledOutput: boolean;
  /** 0 when the graph does not declare it */
  dim: number;
  maxLength: number;
  tokenBudget: number;
  maxBatch: number;
  normalize: boolean;
  vocabSize: number;
  /** largest id the tokenizer can produce */
  maxTokenId: number;
  /** hex; equal for tokenizers that produce the same ids */
  tokenizerFingerprint: string;
}

/** One ORT call's inputs, exactly as embed() builds them. */
export interface EncodedBatch {
  members: Uint32Array;
  batch: number;
  seq: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
}

export interface NativeEmbeddingModel {
  /** rows of `dim` floats, in input order */
  embed(texts: string[]): Promise<{ data: Float32Array; dim: number }>;
  encode(texts: string[]): EncodedBatch[];
  info(): NativeEmbeddingInfo;
  close(): void;
}

export interface NativeTokenizer {
  encode(text: string, maxLength?: number): { ids: Int32Array; typeIds: Int32Array };
  /** Hugging Face's decode(ids, skip_special_tokens); defaults: skip special tokens, no clean-up */
  decode(ids: Int32Array, skipSpecialTokens?: boolean, cleanUpTokenizationSpaces?: boolean): string;
  readonly vocabSize: number;
  /** hex; equal for two tokenizers that produce the same ids */
  readonly fingerprint: string;
}

export interface NativeKernels {
  simd: 'scalar' | 'avx2' | 'avx512' | 'neon';
  meanPool(hidden: Float32Array, mask: BigInt64Array, batch: number, seq: number, dim: number, out: Float32Array, repeat?: number): void;
  l2Normalize(rows: Float32Array, dim: number, repeat?: number): void;
  dot(a: Float32Array, b: Float32Array, repeat?: number): number;
  dotRows(query: Float32Array, matrix: Float32Array, out: Float32Array, repeat?: number): void;
  softmax(x: Float32Array, out: Float32Array, repeat?: number): void;
  logSoftmax(x: Float32Array, out: Float32Array, repeat?: number): void;
  /** the k largest values, best first (lower index first on ties) */
  topK(x: Float32Array, k: number, repeat?: number): { scores: Float32Array; indices: Int32Array };
  /**
   * The fused attention op's math (native/kernels/attention.h) on one thread; k, v: [batch, seq,
   * hidden]; q, out: [batch, queries, hidden], queries taken from q's length (seq for self-attention).
   */
  attention(q: Float32Array, k: Float32Array, v: Float32Array, bias: Float32Array, mask: BigInt64Array, batch: number, seq: number, heads: number, scale: number, out: Float32Array, repeat?: number): void;
  /** act(x . w + bias) + residual for x [m, k], w [k, n] (row-major); the fused Dense op's math on one thread */
  dense(x: Float32Array, w: Float32Array, bias: Float32Array | null, residual: Float32Array | null, activation: 'none' | 'gelu', m: number, k: number, n: number, out: Float32Array, repeat?: number): void;
}

export interface ClassifierModelOptions {
  modelPath: string;
  /** The graph of modelPath rewritten at load (src/models/fused-graph.ts); modelPath then only names it. */
  modelBytes?: Uint8Array;
  tokenizerJson: string;
  maxLength: number;
  tokenBudget: number;
  maxBatch: number;
}

export interface NativeClassifierInfo {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** 0 when the graph leaves it symbolic */
  labels: number;
  maxLength: number;
  tokenBudget: number;
  maxBatch: number;
  vocabSize: number;
  maxTokenId: number;
  tokenizerFingerprint: string;
}

export interface ClassificationOutput {
  /** [count, labels] */
  logits: Float32Array;
  /** softmax of each row of logits */
  probs: Float32Array;
  labels: number;
}

export interface NativeClassifierModel {
  classify(texts: string[]): Promise<ClassificationOutput>;
  encode(texts: string[]): EncodedBatch[];
  info(): NativeClassifierInfo;
  close(): void;
}

export interface AnalysisOutput {
  embeddings?: { data: Float32Array; dim: number };
  classification?: ClassificationOutput;
  /** true when the models' tokenizers were identical, so each text was tokenized once */
  sharedTokenization: boolean;
  /** wall-clock seconds: tokenization (and batching), model runs */
  timings: { tokenize: number; encode: number };
}

export interface Seq2SeqModelOptions {
  encoderPath: string;
  decoderPath: string;
  tokenizerJson: string;
  maxInputLength: number;
  tokenBudget: number;
  maxBatch: number;
  /** decoder heads and head size (0 = from the graph) */
  numHeads: number;
  headDim: number;
  /** transformers' clean-up of decoded text, as tokenizer_config.json asks */
  cleanUpTokenizationSpaces: boolean;
  /** config.json vocab_size, 0 when unknown: encoder ids at or above it become the unknown token */
  vocabSize: number;
}

/** Resolved generation settings (transformers' meaning; lengths count the start token). */
export interface NativeGenerationOptions {
  maxLength: number;
  minLength: number;
  minNewTokens: number;
  numBeams: number;
  lengthPenalty: number;
  earlyStopping: 'true' | 'false' | 'never';
  noRepeatNgramSize: number;
  decoderStartTokenId: number;
  eosTokenId: number;
  padTokenId: number;
  /** -1 = none */
  forcedBosTokenId: number;
  forcedEosTokenId: number;
}

export interface NativeSeq2SeqInfo {
  encoderInputs: TensorSpec[];
  decoderInputs: TensorSpec[];
  decoderOutputs: TensorSpec[];
  usesCache: boolean;
  layers: number;
  maxInputLength: number;
  vocabSize: number;
  maxTokenId: number;
  /** largest id of ordinary text: special added tokens left out */
  maxTextTokenId: number;
  tokenizerFingerprint: string;
}

export interface NativeSeq2SeqModel {
  /** generated ids (no start token, no final EOS) and their text, per input */
  generate(
    texts: string[],
    options: NativeGenerationOptions,
  ): Promise<{ ids: Int32Array[]; texts: string[]; timings: { tokenize: number; encode: number; generate: number } }>;
  info(): NativeSeq2SeqInfo;
  close(): void;
}

/** ticket_processor_<variant>.node */
export interface NativeAddon {
  variant: CpuVariant;
  initRuntime(options: { libraryPath: string; threads: number }): RuntimeInfo;
  runtimeInfo(): RuntimeInfo | null;
  Tokenizer: new (tokenizerJson: string) => NativeTokenizer;
  loadEmbeddingModel(options: EmbeddingModelOptions): Promise<NativeEmbeddingModel>;
  loadClassifierModel(options: ClassifierModelOptions): Promise<NativeClassifierModel>;
  loadSeq2SeqModel(options: Seq2SeqModelOptions): Promise<NativeSeq2SeqModel>;
  /** Runs the given models over the same texts in one call, tokenizing once when they can share. */
  analyzeTexts(texts: string[], models: { embedding?: NativeEmbeddingModel; classifier?: NativeClassifierModel }): Promise<AnalysisOutput>;
  kernels: NativeKernels;
}
