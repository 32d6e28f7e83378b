/**
 * Defaults and per-model settings that the model files do not say themselves, read from the
 * registry (src/models/registry.ts). (sentence-transformers keeps max_seq_length in
 * sentence_bert_config.json, which the ONNX repositories on the hub do not carry.)
 */
import { type ModelSettings, REGISTRY } from './registry.js';

export { DEFAULT_MODELS, MODEL_ENV, type ModelRole } from './registry.js';

export type KnownModelSettings = ModelSettings;

export const KNOWN_MODEL_SETTINGS: Record<string, KnownModelSettings> = Object.fromEntries(
  REGISTRY.flatMap((m) => [m.id, ...m.settingsAliases].map((id) => [id, m.settings] as const)),
);
