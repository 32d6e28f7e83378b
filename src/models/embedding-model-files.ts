import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';
import { KNOWN_EMBEDDING_SETTINGS } from './known-models.js';
import type { ModelLocation } from './model-location.js';

export type Dtype = 'fp32' | 'q8';

export const ONNX_FILE_BY_DTYPE: Record<Dtype, string> = {
  fp32: 'onnx/model.onnx',
  q8: 'onnx/model_quantized.onnx',
};

export interface EmbeddingModelFiles {
  location: ModelLocation;
  dtype: Dtype;
  onnxPath: string;
  tokenizerJson: string;
  maxLength: number;
  normalize: boolean;
  modelType: string | undefined;
  /** config.json vocab_size: rows of the embedding table */
  vocabSize: number | undefined;
}

async function readJson(file: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TicketProcessorError('MODEL_NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new TicketProcessorError('MODEL_INVALID', `${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Checks that a folder holds a usable sentence encoder in the Hugging Face layout and reads what
 * the native side needs. maxLength: explicit option > known model setting >
 * sentence_bert_config.json max_seq_length > tokenizer_config.json model_max_length >
 * config.json max_position_embeddings; never above max_position_embeddings.
 */
export async function readEmbeddingModelFiles(
  location: ModelLocation,
  options: { dtype: Dtype; maxLength?: number },
): Promise<EmbeddingModelFiles> {
  const { dir } = location;
  const onnxRel = ONNX_FILE_BY_DTYPE[options.dtype];
  const required = ['config.json', 'tokenizer.json', onnxRel];
  const missing = required.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new TicketProcessorError(
      'MODEL_NOT_FOUND',
      `embedding model folder ${dir} is missing ${missing.join(', ')} (an embedding model needs ${required.join(', ')})`,
    );
  }
  const [config, tokenizerConfig, sbertConfig, tokenizerJson] = await Promise.all([
    readJson(path.join(dir, 'config.json'), true),
    readJson(path.join(dir, 'tokenizer_config.json'), false),
    readJson(path.join(dir, 'sentence_bert_config.json'), false),
    readFile(path.join(dir, 'tokenizer.json'), 'utf8'),
  ]);
  const known = KNOWN_EMBEDDING_SETTINGS[location.id];
  const positions = positiveInt(config?.max_position_embeddings);
  const sbertMax = positiveInt(sbertConfig?.max_seq_length);
  const tokenizerMax = positiveInt(tokenizerConfig?.model_max_length);
  // transformers writes a huge sentinel (1e30) as model_max_length when a tokenizer has no limit
  const fromFiles = sbertMax ?? (tokenizerMax !== undefined && tokenizerMax <= 1_000_000 ? tokenizerMax : undefined);
  let maxLength = options.maxLength ?? known?.maxLength ?? fromFiles ?? positions ?? 512;
  if (positions !== undefined && maxLength > positions) {
    if (options.maxLength !== undefined) {
      throw new TicketProcessorError(
        'CONFIG_INVALID',
        `maxLength ${options.maxLength} exceeds the model's ${positions} position embeddings (${dir}/config.json)`,
      );
    }
    maxLength = positions;
  }
  return {
    location,
    dtype: options.dtype,
    onnxPath: path.join(dir, onnxRel),
    tokenizerJson,
    maxLength,
    normalize: known?.normalize ?? true,
    modelType: typeof config?.model_type === 'string' ? config.model_type : undefined,
    vocabSize: positiveInt(config?.vocab_size),
  };
}
