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
}

/** ticket_processor_<variant>.node */
export interface NativeAddon {
  variant: CpuVariant;
  initRuntime(options: { libraryPath: string; threads: number }): RuntimeInfo;
  runtimeInfo(): RuntimeInfo | null;
  Tokenizer: new (tokenizerJson: string) => NativeTokenizer;
  loadEmbeddingModel(options: EmbeddingModelOptions): Promise<NativeEmbeddingModel>;
  kernels: NativeKernels;
}
