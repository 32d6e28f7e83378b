/**
 * The models ticket-processor knows: the three defaults (the ONNX exports of the Python system's
 * models), the files each needs per dtype, the revision to pull, and the settings their files do
 * not carry. Any other hub id works too: its files follow from its role (or, for `models pull`,
 * from its config.json), and its settings from its files.
 */
import { TicketProcessorError } from '../errors.js';
import type { Dtype } from './model-folder.js';

export type { Dtype } from './model-folder.js';

export type ModelRole = 'embedding' | 'sentiment' | 'summarizer';

/** "encoder": one graph (onnx/model.onnx); "seq2seq": encoder + merged decoder (optimum's layout) */
export type ModelLayout = 'encoder' | 'seq2seq';

export interface ModelSettings {
  /** tokens per text including special tokens; longer texts are truncated */
  maxLength?: number;
  /** sentence encoders: L2-normalize the pooled embedding */
  normalize?: boolean;
  /** sentence encoders: how token embeddings become one vector (the embedder does masked mean pooling) */
  pooling?: 'mean';
  /** classifiers: the labels config.json id2label is expected to name (config.json is what is loaded) */
  labels?: readonly string[];
}

export interface RegistryModel {
  id: string;
  role: ModelRole;
  layout: ModelLayout;
  /**
   * The commit to pull. Unknown here (these machines cannot reach the hub): undefined means the
   * hub's `main` at pull time. A pull records the commit the hub reports (X-Repo-Commit) in the
   * cache manifest; pin that commit here after a real pull so every machine gets the same bytes.
   */
  revision: string | undefined;
  /** optional files the repository carries besides the required ones (a 404 does not fail a pull) */
  optionalFiles: readonly string[];
  settings: ModelSettings;
  /** other ids (the PyTorch originals) that share these settings; not pulled */
  settingsAliases: readonly string[];
}

export const REGISTRY: readonly RegistryModel[] = [
  {
    id: 'Xenova/all-MiniLM-L6-v2',
    role: 'embedding',
    layout: 'encoder',
    revision: undefined, // pin the X-Repo-Commit of a real pull
    optionalFiles: ['tokenizer_config.json', 'special_tokens_map.json'],
    // sentence-transformers/all-MiniLM-L6-v2: max_seq_length 256, mean pooling, Normalize module
    // (sentence_bert_config.json, which the ONNX repository does not carry)
    settings: { maxLength: 256, normalize: true, pooling: 'mean' },
    settingsAliases: ['sentence-transformers/all-MiniLM-L6-v2'],
  },
  {
    id: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
    role: 'sentiment',
    layout: 'encoder',
    revision: undefined, // pin the X-Repo-Commit of a real pull
    optionalFiles: ['tokenizer_config.json', 'special_tokens_map.json'],
    settings: { maxLength: 512, labels: ['NEGATIVE', 'POSITIVE'] },
    settingsAliases: ['distilbert/distilbert-base-uncased-finetuned-sst-2-english', 'distilbert-base-uncased-finetuned-sst-2-english'],
  },
  {
    id: 'Xenova/distilbart-cnn-6-6',
    role: 'summarizer',
    layout: 'seq2seq',
    revision: undefined, // pin the X-Repo-Commit of a real pull
    optionalFiles: ['tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json'],
    settings: {},
    settingsAliases: ['sshleifer/distilbart-cnn-6-6'],
  },
];

/** The default model of each role (the Python system's models, as ONNX exports). */
export const DEFAULT_MODELS = {
  embedding: 'Xenova/all-MiniLM-L6-v2',
  sentiment: 'Xenova/distilbert-base-uncased-finetuned-sst-2-english',
  summarizer: 'Xenova/distilbart-cnn-6-6',
} as const satisfies Record<ModelRole, string>;

/** Environment variables naming each role's model (kept from the Python system). */
export const MODEL_ENV: Record<ModelRole, string> = {
  embedding: 'EMBEDDING_MODEL',
  sentiment: 'CLASSIFIER_MODEL',
  summarizer: 'SUMMARIZER_MODEL',
};

export const MODEL_ROLES: readonly ModelRole[] = ['embedding', 'sentiment', 'summarizer'];

export function layoutOfRole(role: ModelRole): ModelLayout {
  return role === 'summarizer' ? 'seq2seq' : 'encoder';
}

export function registryModel(id: string): RegistryModel | undefined {
  return REGISTRY.find((m) => m.id === id);
}

/** Settings by id, aliases included (what KNOWN_MODEL_SETTINGS exposes). */
export function modelSettings(id: string): ModelSettings | undefined {
  return REGISTRY.find((m) => m.id === id || m.settingsAliases.includes(id))?.settings;
}

const ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const REVISION = /^[\w.-]+$/;

export interface ModelSpec {
  id: string;
  /** from `id@revision`; undefined when not given */
  revision: string | undefined;
}

/** "org/name" or "org/name@revision" (a branch, tag or commit). */
export function isHubId(spec: string): boolean {
  const at = spec.indexOf('@');
  const id = at < 0 ? spec : spec.slice(0, at);
  return ID.test(id) && (at < 0 || REVISION.test(spec.slice(at + 1)));
}

export function parseModelSpec(spec: string): ModelSpec {
  if (!isHubId(spec)) {
    throw new TicketProcessorError('CONFIG_INVALID', `"${spec}" is not a hub model id: expected org/name or org/name@revision (e.g. ${DEFAULT_MODELS.embedding})`);
  }
  const at = spec.indexOf('@');
  return at < 0 ? { id: spec, revision: undefined } : { id: spec.slice(0, at), revision: spec.slice(at + 1) };
}

/** The revision a pull asks for: the one in the id, else the registry's pin, else undefined (main). */
export function pinnedRevision(spec: ModelSpec): string | undefined {
  return spec.revision ?? registryModel(spec.id)?.revision;
}

export interface ModelFile {
  /** path inside the repository, "/"-separated */
  path: string;
  /** a required file missing on the hub fails the pull; an optional one is skipped */
  required: boolean;
  /** "all": needed whatever the dtype (config, tokenizer) */
  dtype: Dtype | 'all';
}

const suffix = (dtype: Dtype) => (dtype === 'q8' ? '_quantized' : '');

/** The ONNX graphs of a layout for one dtype (what model-folder.ts and summarizer-model-files.ts load). */
export function graphFiles(layout: ModelLayout, dtype: Dtype): string[] {
  const s = suffix(dtype);
  return layout === 'seq2seq' ? [`onnx/encoder_model${s}.onnx`, `onnx/decoder_model_merged${s}.onnx`] : [`onnx/model${s}.onnx`];
}

const DEFAULT_OPTIONAL: Record<ModelLayout, readonly string[]> = {
  encoder: ['tokenizer_config.json', 'special_tokens_map.json'],
  seq2seq: ['tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json'],
};

/** Every file a model needs (and may have) for a dtype; config.json first. */
export function modelFiles(id: string, layout: ModelLayout, dtype: Dtype): ModelFile[] {
  const optional = registryModel(id)?.optionalFiles ?? DEFAULT_OPTIONAL[layout];
  return [
    { path: 'config.json', required: true, dtype: 'all' },
    { path: 'tokenizer.json', required: true, dtype: 'all' },
    ...optional.map((path): ModelFile => ({ path, required: false, dtype: 'all' })),
    ...graphFiles(layout, dtype).map((path): ModelFile => ({ path, required: true, dtype })),
  ];
}
