import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';
import type { Dtype } from './model-folder.js';
import { positiveInt, quantizedHint, readJsonFile } from './model-folder.js';
import type { ModelLocation } from './model-location.js';

/** Generation settings as Hugging Face names them (generation_config.json). */
export interface GenerationDefaults {
  max_length: number;
  min_length: number;
  num_beams: number;
  length_penalty: number;
  early_stopping: boolean | 'never';
  no_repeat_ngram_size: number;
  decoder_start_token_id: number;
  bos_token_id: number | undefined;
  eos_token_id: number;
  pad_token_id: number;
  forced_bos_token_id: number | undefined;
  forced_eos_token_id: number | undefined;
}

export interface SummarizerModelFiles {
  location: ModelLocation;
  role: 'summarizer';
  dtype: Dtype;
  encoderPath: string;
  decoderPath: string;
  /** decoder_model_merged.onnx (key/value cache) or decoder_model.onnx (recomputes the prefix) */
  decoderKind: 'merged' | 'uncached';
  tokenizerJson: string;
  /** encoder tokens per text, special tokens included */
  maxInputLength: number;
  numHeads: number;
  headDim: number;
  /** tokenizer_config.json clean_up_tokenization_spaces (transformers' default: true) */
  cleanUpTokenizationSpaces: boolean;
  /** config.json prefix, which transformers' summarization pipeline puts before every input (" " for BART) */
  prefix: string;
  vocabSize: number | undefined;
  generation: GenerationDefaults;
}

const suffix = (dtype: Dtype) => (dtype === 'q8' ? '_quantized' : '');

/** transformers' GenerationConfig defaults, for fields no file sets. */
const HF_DEFAULTS = { max_length: 20, min_length: 0, num_beams: 1, length_penalty: 1.0, early_stopping: false, no_repeat_ngram_size: 0 };

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/**
 * An encoder-decoder folder in optimum's layout: onnx/encoder_model.onnx plus
 * onnx/decoder_model_merged.onnx (preferred) or onnx/decoder_model.onnx. Generation settings:
 * transformers' defaults < config.json < config.json task_specific_params.summarization <
 * generation_config.json.
 */
export async function readSummarizerModelFiles(location: ModelLocation, options: { dtype: Dtype }): Promise<SummarizerModelFiles> {
  const { dir } = location;
  const s = suffix(options.dtype);
  const encoderRel = `onnx/encoder_model${s}.onnx`;
  const mergedRel = `onnx/decoder_model_merged${s}.onnx`;
  const plainRel = `onnx/decoder_model${s}.onnx`;
  const decoderKind = existsSync(path.join(dir, mergedRel)) ? 'merged' : 'uncached';
  const decoderRel = decoderKind === 'merged' ? mergedRel : plainRel;
  const missing = ['config.json', 'tokenizer.json', encoderRel, decoderRel].filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new TicketProcessorError(
      'MODEL_NOT_FOUND',
      `summarizer model folder ${dir} is missing ${missing.join(', ')} (it needs config.json, tokenizer.json, ${encoderRel} and ${mergedRel} or ${plainRel})${quantizedHint(location, options.dtype, missing)}`,
    );
  }
  const [config, generationConfig, tokenizerConfig, tokenizerJson] = await Promise.all([
    readJsonFile(path.join(dir, 'config.json'), true) as Promise<Record<string, unknown>>,
    readJsonFile(path.join(dir, 'generation_config.json'), false),
    readJsonFile(path.join(dir, 'tokenizer_config.json'), false),
    readFile(path.join(dir, 'tokenizer.json'), 'utf8'),
  ]);
  const task = (config.task_specific_params as Record<string, Record<string, unknown>> | undefined)?.summarization ?? {};
  const pick = (key: string): unknown => generationConfig?.[key] ?? task[key] ?? config[key];

  const dModel = positiveInt(config.d_model);
  const heads = positiveInt(config.decoder_attention_heads);
  if (!dModel || !heads || dModel % heads !== 0) {
    throw new TicketProcessorError('MODEL_INVALID', `${dir}/config.json must give d_model and decoder_attention_heads (d_model divisible by heads)`);
  }
  const eos = int(pick('eos_token_id'));
  const decoderStart = int(pick('decoder_start_token_id')) ?? eos;
  const pad = int(pick('pad_token_id')) ?? eos;
  if (eos === undefined || decoderStart === undefined || pad === undefined) {
    throw new TicketProcessorError('MODEL_INVALID', `${dir}: generation_config.json or config.json must give eos_token_id (and decoder_start_token_id, pad_token_id)`);
  }
  const early = pick('early_stopping');
  const positions = positiveInt(config.max_position_embeddings);
  const tokenizerMax = positiveInt(tokenizerConfig?.model_max_length);
  const maxInputLength = Math.min(positions ?? 1024, tokenizerMax !== undefined && tokenizerMax <= 1_000_000 ? tokenizerMax : Infinity);

  return {
    location,
    role: 'summarizer',
    dtype: options.dtype,
    encoderPath: path.join(dir, encoderRel),
    decoderPath: path.join(dir, decoderRel),
    decoderKind,
    tokenizerJson,
    maxInputLength,
    numHeads: heads,
    headDim: dModel / heads,
    cleanUpTokenizationSpaces: tokenizerConfig?.clean_up_tokenization_spaces !== false,
    prefix: typeof config.prefix === 'string' ? config.prefix : '',
    vocabSize: positiveInt(config.vocab_size),
    generation: {
      max_length: positiveInt(pick('max_length')) ?? HF_DEFAULTS.max_length,
      min_length: int(pick('min_length')) ?? HF_DEFAULTS.min_length,
      num_beams: positiveInt(pick('num_beams')) ?? HF_DEFAULTS.num_beams,
      length_penalty: num(pick('length_penalty')) ?? HF_DEFAULTS.length_penalty,
      early_stopping: early === true || early === 'never' ? early : HF_DEFAULTS.early_stopping,
      no_repeat_ngram_size: int(pick('no_repeat_ngram_size')) ?? HF_DEFAULTS.no_repeat_ngram_size,
      decoder_start_token_id: decoderStart,
      bos_token_id: int(pick('bos_token_id')),
      eos_token_id: eos,
      pad_token_id: pad,
      forced_bos_token_id: int(pick('forced_bos_token_id')),
      forced_eos_token_id: int(pick('forced_eos_token_id')),
    },
  };
}
