import { z } from 'zod';

import { callNative, TicketProcessorError } from '../errors.js';
import { tokenizerMismatch } from '../models/model-folder.js';
import type { SummarizerModelFiles } from '../models/summarizer-model-files.js';
import type { NativeAddon, NativeGenerationOptions, NativeSeq2SeqModel } from '../native/addon-types.js';
import { parseOrThrow } from '../validation.js';
import type { BatchSettings } from './embedder.js';

/** Per-call generation settings; unset ones come from the model's generation_config.json. */
export const GenerationOptionsSchema = z
  .object({
    /** decoder length including the start token (transformers' max_length) */
    maxLength: z.number().int().min(2).max(65_536).optional(),
    /** new tokens; wins over maxLength (maxLength = 1 + maxNewTokens) */
    maxNewTokens: z.number().int().min(1).max(65_535).optional(),
    minLength: z.number().int().min(0).max(65_536).optional(),
    minNewTokens: z.number().int().min(0).max(65_535).optional(),
    /** 1 = greedy */
    numBeams: z.number().int().min(1).max(64).optional(),
    lengthPenalty: z.number().min(-100).max(100).optional(),
    earlyStopping: z.union([z.boolean(), z.literal('never')]).optional(),
    noRepeatNgramSize: z.number().int().min(0).max(1024).optional(),
    decoderStartTokenId: z.number().int().min(0).optional(),
    /** null turns the processor off */
    forcedBosTokenId: z.number().int().min(0).nullable().optional(),
    forcedEosTokenId: z.number().int().min(0).nullable().optional(),
  })
  .strict();

export type GenerationOptions = z.input<typeof GenerationOptionsSchema>;

/** An encoder-decoder model (BART) generating text through the native beam/greedy search. */
export class Seq2SeqGenerator {
  private constructor(
    private native: NativeSeq2SeqModel | undefined,
    readonly files: SummarizerModelFiles,
  ) {}

  static async load(addon: NativeAddon, files: SummarizerModelFiles, batch: BatchSettings): Promise<Seq2SeqGenerator> {
    const native = await callNative(() =>
      addon.loadSeq2SeqModel({
        encoderPath: files.encoderPath,
        decoderPath: files.decoderPath,
        tokenizerJson: files.tokenizerJson,
        maxInputLength: files.maxInputLength,
        tokenBudget: batch.tokenBudget,
        maxBatch: batch.maxBatch,
        numHeads: files.numHeads,
        headDim: files.headDim,
        cleanUpTokenizationSpaces: files.cleanUpTokenizationSpaces,
        vocabSize: files.vocabSize ?? 0,
      }),
    );
    // Special ids past the embedding table (BART's <mask>) are replaced by the addon at run time;
    // any other id past it means the tokenizer belongs to another model.
    const mismatch = tokenizerMismatch(files, native.info().maxTextTokenId);
    if (mismatch) {
      native.close();
      throw new TicketProcessorError('MODEL_INVALID', `summarizer model ${files.location.dir}: ${mismatch}`);
    }
    return new Seq2SeqGenerator(native, files);
  }

  /** The settings a call runs with: the model's defaults under the call's overrides. */
  resolve(options: GenerationOptions = {}): NativeGenerationOptions {
    const o = parseOrThrow(GenerationOptionsSchema, options, 'generation', 'INPUT_INVALID', 'generation options');
    const g = this.files.generation;
    const early = o.earlyStopping ?? g.early_stopping;
    const forcedBos = o.forcedBosTokenId === null ? undefined : (o.forcedBosTokenId ?? g.forced_bos_token_id);
    const forcedEos = o.forcedEosTokenId === null ? undefined : (o.forcedEosTokenId ?? g.forced_eos_token_id);
    return {
      maxLength: o.maxNewTokens !== undefined ? 1 + o.maxNewTokens : (o.maxLength ?? g.max_length),
      minLength: o.minLength ?? g.min_length,
      minNewTokens: o.minNewTokens ?? 0,
      numBeams: o.numBeams ?? g.num_beams,
      lengthPenalty: o.lengthPenalty ?? g.length_penalty,
      earlyStopping: String(early) as 'true' | 'false' | 'never',
      noRepeatNgramSize: o.noRepeatNgramSize ?? g.no_repeat_ngram_size,
      decoderStartTokenId: o.decoderStartTokenId ?? g.decoder_start_token_id,
      eosTokenId: g.eos_token_id,
      padTokenId: g.pad_token_id,
      forcedBosTokenId: forcedBos ?? -1,
      forcedEosTokenId: forcedEos ?? -1,
    };
  }

  /** Texts are fed as transformers' summarization pipeline feeds them: config.json's prefix first. */
  async generate(
    texts: readonly string[],
    options: GenerationOptions = {},
  ): Promise<{ ids: Int32Array[]; texts: string[]; timings: { tokenize: number; encode: number; generate: number } }> {
    const native = this.nativeModel();
    const resolved = this.resolve(options);
    if (texts.length === 0) return { ids: [], texts: [], timings: { tokenize: 0, encode: 0, generate: 0 } };
    const prefix = this.files.prefix;
    return callNative(() => native.generate(prefix ? texts.map((t) => prefix + t) : (texts as string[]), resolved));
  }

  nativeModel(): NativeSeq2SeqModel {
    if (!this.native) throw new TicketProcessorError('ENRICHER_CLOSED', 'the summarizer model was closed');
    return this.native;
  }

  close(): void {
    this.native?.close();
    this.native = undefined;
  }
}
