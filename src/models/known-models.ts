/**
 * Defaults and per-model settings that the model files do not say themselves.
 * (sentence-transformers keeps max_seq_length in sentence_bert_config.json, which the ONNX
 * repositories on the hub do not carry.)
 */
export const DEFAULT_MODELS = {
  embedding: 'Xenova/all-MiniLM-L6-v2',
  sentiment: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
  summarizer: 'Xenova/distilbart-cnn-6-6',
} as const;

export type ModelRole = keyof typeof DEFAULT_MODELS;

/** Environment variables naming each role's model (kept from the Python system). */
export const MODEL_ENV: Record<ModelRole, string> = {
  embedding: 'EMBEDDING_MODEL',
  sentiment: 'CLASSIFIER_MODEL',
  summarizer: 'SUMMARIZER_MODEL',
};

export interface KnownModelSettings {
  /** tokens per text including special tokens; longer texts are truncated */
  maxLength?: number;
  /** sentence encoders: L2-normalize the pooled embedding */
  normalize?: boolean;
}

export const KNOWN_MODEL_SETTINGS: Record<string, KnownModelSettings> = {
  // sentence-transformers/all-MiniLM-L6-v2: max_seq_length 256, mean pooling, Normalize module
  'Xenova/all-MiniLM-L6-v2': { maxLength: 256, normalize: true },
  'sentence-transformers/all-MiniLM-L6-v2': { maxLength: 256, normalize: true },
  'Xenova/distilbert-base-uncased-finetuned-sst-2-english': { maxLength: 512 },
  'distilbert/distilbert-base-uncased-finetuned-sst-2-english': { maxLength: 512 },
};
