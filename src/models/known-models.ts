/**
 * Defaults and per-model settings that the model files do not say themselves.
 * (sentence-transformers keeps max_seq_length in sentence_bert_config.json, which the ONNX
 * repositories on the hub do not carry.)
 */
export const DEFAULT_MODELS = {
  embedding: 'Xenova/all-MiniLM-L6-v2',
} as const;

export interface EmbeddingSettings {
  /** tokens per text including [CLS]/[SEP]; longer texts are truncated */
  maxLength?: number;
  pooling: 'mean';
  normalize: boolean;
}

export const KNOWN_EMBEDDING_SETTINGS: Record<string, EmbeddingSettings> = {
  // sentence-transformers/all-MiniLM-L6-v2: max_seq_length 256, mean pooling, Normalize module
  'Xenova/all-MiniLM-L6-v2': { maxLength: 256, pooling: 'mean', normalize: true },
  'sentence-transformers/all-MiniLM-L6-v2': { maxLength: 256, pooling: 'mean', normalize: true },
};
