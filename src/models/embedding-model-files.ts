import path from 'node:path';

import { KNOWN_MODEL_SETTINGS } from './known-models.js';
import { type Dtype, type ModelFolder, positiveInt, readJsonFile, readModelFolder } from './model-folder.js';
import type { ModelLocation } from './model-location.js';

export type { Dtype } from './model-folder.js';

export interface EmbeddingModelFiles extends ModelFolder {
  normalize: boolean;
}

/**
 * A sentence encoder's folder. Its maxLength also honours sentence-transformers'
 * sentence_bert_config.json (max_seq_length), which is what sentence-transformers truncates at.
 */
export async function readEmbeddingModelFiles(
  location: ModelLocation,
  options: { dtype: Dtype; maxLength?: number },
): Promise<EmbeddingModelFiles> {
  const known = KNOWN_MODEL_SETTINGS[location.id];
  const sbert = await readJsonFile(path.join(location.dir, 'sentence_bert_config.json'), false);
  const preferred = known?.maxLength ?? positiveInt(sbert?.max_seq_length);
  const folder = await readModelFolder(location, {
    role: 'embedding',
    dtype: options.dtype,
    ...(options.maxLength !== undefined && { maxLength: options.maxLength }),
    ...(preferred !== undefined && { preferredMaxLength: preferred }),
  });
  return { ...folder, normalize: known?.normalize ?? true };
}
