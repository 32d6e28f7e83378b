import { TicketProcessorError } from '../errors.js';
import { DEFAULT_MODELS, MODEL_ENV, type ModelRole } from './known-models.js';
import { isModelFolder, locateFromModelsOption, locateInModelsFolder, locateModel, looksLikePath, modelCacheDir, type ModelLocation, resolveUserPath } from './model-location.js';

export type ModelsOption = string | Partial<Record<ModelRole, string>> | undefined;

export interface ResolvedModels {
  embedding: ModelLocation;
  /** absent when not configured and the default is not installed */
  sentiment: ModelLocation | undefined;
  /** absent when not configured and the default is not installed (summaries are then extractive) */
  summarizer: ModelLocation | undefined;
  /** where an absent optional model was looked for, for error messages */
  missing: Partial<Record<ModelRole, string>>;
}

const OPTIONAL_ROLES = ['sentiment', 'summarizer'] as const;

function defaultId(role: ModelRole): string {
  return process.env[MODEL_ENV[role]] || DEFAULT_MODELS[role];
}

/**
 * Which model folder serves each role. The embedding model is required. Other roles given
 * explicitly are required too; not given, they are taken from the folder of models (the cache,
 * or `models` when it is a folder of models) if their default is there, and left out otherwise.
 */
export function resolveModelLocations(models: ModelsOption): ResolvedModels {
  const missing: Partial<Record<ModelRole, string>> = {};
  let root = modelCacheDir();
  let embedding: ModelLocation;
  const optional: Partial<Record<(typeof OPTIONAL_ROLES)[number], ModelLocation>> = {};

  if (typeof models === 'string') {
    embedding = locateFromModelsOption(models, 'embedding', defaultId('embedding'));
    if (looksLikePath(models) && !isModelFolder(resolveUserPath(models))) root = resolveUserPath(models);
  } else {
    embedding = models?.embedding ? locateModel(models.embedding, 'embedding') : locateInModelsFolder(root, defaultId('embedding'), 'embedding');
    for (const role of OPTIONAL_ROLES) {
      const spec = models?.[role];
      if (spec) optional[role] = locateModel(spec, role);
    }
  }
  for (const role of OPTIONAL_ROLES) {
    if (optional[role]) continue;
    try {
      optional[role] = locateInModelsFolder(root, defaultId(role), role);
    } catch (e) {
      if (!(e instanceof TicketProcessorError) || e.code !== 'MODEL_NOT_FOUND') throw e;
      missing[role] = e.message;
    }
  }
  return { embedding, sentiment: optional.sentiment, summarizer: optional.summarizer, missing };
}
