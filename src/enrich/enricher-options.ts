import { z } from 'zod';

import { CPU_VARIANTS } from '../native/addon-types.js';
import { parseOrThrow } from '../validation.js';

const modelSpec = z.string().trim().min(1, 'must be a folder path or a hub id');

export const EnricherOptionsSchema = z
  .object({
    /**
     * A model folder (the embedding model), a folder of models laid out like the model cache
     * (<org>/<name>/...), a hub id, or per-role folders / hub ids.
     */
    models: z
      .union([modelSpec, z.object({ embedding: modelSpec.optional(), sentiment: modelSpec.optional(), summarizer: modelSpec.optional() }).strict()])
      .optional(),
    /**
     * Download missing hub models into MODEL_CACHE_DIR (src/models/resolve-models.ts): default,
     * the models named by hub id and the embedding model; true, also the optional defaults
     * (sentiment, summarizer); false, never. HF_HUB_OFFLINE=1 / TICKET_PROCESSOR_OFFLINE=1 win.
     */
    pull: z.boolean().optional(),
    /** ONNX Runtime intra-op threads for the whole process; default: physical cores */
    threads: z.number().int().min(1).max(1024).optional(),
    /** addon CPU variant; default: the best this CPU supports */
    cpu: z.enum(CPU_VARIANTS as unknown as [string, ...string[]]).optional(),
    dtype: z.enum(['fp32', 'q8']).optional(),
    /** tokens per text for the embedding model, [CLS]/[SEP] included; default from the model */
    maxLength: z.number().int().min(2).max(1_048_576).optional(),
    /** max batch size x padded length of one inference call */
    tokenBudget: z.number().int().min(1).max(16_777_216).optional(),
    /** max texts in one inference call */
    maxBatch: z.number().int().min(1).max(65_536).optional(),
    /** intents and urgency levels: a .json/.yaml/.yml file or an object; default: built in */
    taxonomy: z.union([z.string().trim().min(1), z.record(z.string(), z.unknown())]).optional(),
    /** sentiment is NEUTRAL when the top probability is below this (Python system: 0.55) */
    neutralBelow: z.number().min(0).max(1).optional(),
    /** MAX_SUMMARY_LENGTH: max tokens of a generated summary (words for extractive ones); default 50 */
    maxSummaryLength: z.number().int().min(2).max(1024).optional(),
  })
  .strict();

export type EnricherOptions = Omit<z.input<typeof EnricherOptionsSchema>, 'taxonomy'> & {
  taxonomy?: string | import('./taxonomy/taxonomy-schema.js').TaxonomyInput;
};

export function parseEnricherOptions(options: unknown): z.output<typeof EnricherOptionsSchema> {
  return parseOrThrow(EnricherOptionsSchema, options ?? {}, 'options', 'CONFIG_INVALID');
}
