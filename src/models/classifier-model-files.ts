import { TicketProcessorError } from '../errors.js';
import { KNOWN_MODEL_SETTINGS } from './known-models.js';
import { type Dtype, type ModelFolder, readModelFolder } from './model-folder.js';
import type { ModelLocation } from './model-location.js';

export interface ClassifierModelFiles extends ModelFolder {
  /** label names by output index, from config.json id2label */
  labels: string[];
}

/** A sequence classifier's folder (the DistilBERT SST-2 contract): labels from config.json id2label. */
export async function readClassifierModelFiles(
  location: ModelLocation,
  options: { role: string; dtype: Dtype; maxLength?: number },
): Promise<ClassifierModelFiles> {
  const known = KNOWN_MODEL_SETTINGS[location.id];
  const folder = await readModelFolder(location, {
    role: options.role,
    dtype: options.dtype,
    ...(options.maxLength !== undefined && { maxLength: options.maxLength }),
    ...(known?.maxLength !== undefined && { preferredMaxLength: known.maxLength }),
  });
  const id2label = folder.config.id2label;
  const file = `${location.dir}/config.json`;
  if (typeof id2label !== 'object' || id2label === null || Array.isArray(id2label)) {
    throw new TicketProcessorError('MODEL_INVALID', `${file}: id2label must be an object of label names by index`);
  }
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels: string[] = new Array(entries.length);
  for (const [key, name] of entries) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= entries.length || typeof name !== 'string' || name === '') {
      throw new TicketProcessorError('MODEL_INVALID', `${file}: id2label must map 0..${entries.length - 1} to label names; got ${JSON.stringify(key)}: ${JSON.stringify(name)}`);
    }
    labels[index] = name;
  }
  if (labels.some((l) => l === undefined) || labels.length < 2) {
    throw new TicketProcessorError('MODEL_INVALID', `${file}: id2label must name at least two labels, indexed from 0 without gaps`);
  }
  return { ...folder, labels };
}
