import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';
import type { ModelLocation } from './model-location.js';

export type Dtype = 'fp32' | 'q8';

export const ONNX_FILE_BY_DTYPE: Record<Dtype, string> = {
  fp32: 'onnx/model.onnx',
  q8: 'onnx/model_quantized.onnx',
};

/** What every single-graph model folder (encoder, classifier) gives the native side. */
export interface ModelFolder {
  location: ModelLocation;
  /** "embedding", "sentiment": used in messages */
  role: string;
  dtype: Dtype;
  onnxPath: string;
  tokenizerJson: string;
  config: Record<string, unknown>;
  /** tokens per text including special tokens */
  maxLength: number;
  modelType: string | undefined;
  /** config.json vocab_size: rows of the embedding table */
  vocabSize: number | undefined;
}

/**
 * For a missing `*_quantized.onnx` (dtype q8): where the quantized export comes from. The hub id
 * is the location's; a folder given by path names it in config.json `_name_or_path` at best.
 */
export function quantizedHint(location: ModelLocation, dtype: Dtype, missing: readonly string[]): string {
  const quantized = missing.filter((f) => f.endsWith('_quantized.onnx'));
  if (dtype !== 'q8' || quantized.length === 0) return '';
  const id = location.source === 'cache' ? location.id : '<hub id>';
  const what = quantized.length === 1 ? `${quantized[0]} is the int8 graph` : `${quantized.join(' and ')} are the int8 graphs`;
  return (
    `: ${what} that dtype q8 loads; get the model's quantized export with \`ticket-processor models pull ${id} --dtype q8\`` +
    `${location.source === 'cache' ? '' : ` (and pass the pulled folder), or copy ${quantized.join(', ')} of the same model into ${location.dir}`}, or use dtype fp32`
  );
}

export async function readJsonFile(file: string, required: boolean): Promise<Record<string, unknown> | undefined> {
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

export function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

export interface ReadModelFolderOptions {
  role: string;
  dtype: Dtype;
  /** explicit setting: wins, but may not exceed the position embeddings */
  maxLength?: number;
  /** a setting the files do not carry (known model, sentence_bert_config.json) */
  preferredMaxLength?: number;
}

/**
 * Checks that a folder holds config.json, tokenizer.json and the ONNX graph for the dtype, and
 * reads them. maxLength: explicit > preferred > tokenizer_config.json model_max_length >
 * config.json max_position_embeddings; never above max_position_embeddings.
 */
export async function readModelFolder(location: ModelLocation, options: ReadModelFolderOptions): Promise<ModelFolder> {
  const { dir } = location;
  const onnxRel = ONNX_FILE_BY_DTYPE[options.dtype];
  const required = ['config.json', 'tokenizer.json', onnxRel];
  const missing = required.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new TicketProcessorError(
      'MODEL_NOT_FOUND',
      `${options.role} model folder ${dir} is missing ${missing.join(', ')} (it needs ${required.join(', ')})${quantizedHint(location, options.dtype, missing)}`,
    );
  }
  const [config, tokenizerConfig, tokenizerJson] = await Promise.all([
    readJsonFile(path.join(dir, 'config.json'), true) as Promise<Record<string, unknown>>,
    readJsonFile(path.join(dir, 'tokenizer_config.json'), false),
    readFile(path.join(dir, 'tokenizer.json'), 'utf8'),
  ]);
  const positions = positiveInt(config.max_position_embeddings);
  const tokenizerMax = positiveInt(tokenizerConfig?.model_max_length);
  // transformers writes a huge sentinel (1e30) as model_max_length when a tokenizer has no limit
  const fromFiles = tokenizerMax !== undefined && tokenizerMax <= 1_000_000 ? tokenizerMax : undefined;
  let maxLength = options.maxLength ?? options.preferredMaxLength ?? fromFiles ?? positions ?? 512;
  if (positions !== undefined && maxLength > positions) {
    if (options.maxLength !== undefined) {
      throw new TicketProcessorError(
        'CONFIG_INVALID',
        `maxLength ${options.maxLength} exceeds the ${options.role} model's ${positions} position embeddings (${dir}/config.json)`,
      );
    }
    maxLength = positions;
  }
  return {
    location,
    role: options.role,
    dtype: options.dtype,
    onnxPath: path.join(dir, onnxRel),
    tokenizerJson,
    config,
    maxLength,
    modelType: typeof config.model_type === 'string' ? config.model_type : undefined,
    vocabSize: positiveInt(config.vocab_size),
  };
}

/** Why a tokenizer cannot belong to a model: it produces ids past the embedding table. */
export function tokenizerMismatch(folder: { vocabSize: number | undefined }, maxTokenId: number): string | undefined {
  if (folder.vocabSize === undefined || maxTokenId < folder.vocabSize) return undefined;
  return `tokenizer.json produces token ids up to ${maxTokenId}, but config.json says the model has ${folder.vocabSize} (vocab_size): the tokenizer does not belong to this model`;
}
