import { TicketProcessorError } from '../errors.js';
import { DEFAULT_MODELS, MODEL_ENV, type ModelRole } from './known-models.js';
import { isModelFolder, locateFromModelsOption, locateInModelsFolder, locateModel, looksLikePath, modelCacheDir, type ModelLocation, resolveUserPath } from './model-location.js';

export type ModelsOption = string | Partial<Record<ModelRole, string>> | undefined;

export interface ResolvedModels {
  embedding: ModelLocation;
  /** absent when not configured and the default is not installed */
  sentiment: ModelLocation | undefined;
  /** where an absent optional model was looked for, for error messages */
  missing: Partial<Record<ModelRole, string>>;
}

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
  let sentiment: ModelLocation | undefined;

  if (typeof models === 'string') {
    embedding = locateFromModelsOption(models, 'embedding', defaultId('embedding'));
    if (looksLikePath(models) && !isModelFolder(resolveUserPath(models))) root = resolveUserPath(models);
  } else {
    embedding = models?.embedding ? locateModel(models.embedding, 'embedding') : locateInModelsFolder(root, defaultId('embedding'), 'embedding');
    if (models?.sentiment) sentiment = locateModel(models.sentiment, 'sentiment');
  }
  if (!sentiment) {
    try {
      sentiment = locateInModelsFolder(root, defaultId('sentiment'), 'sentiment');
    } catch (e) {
      if (!(e instanceof TicketProcessorError) || e.code !== 'MODEL_NOT_FOUND') throw e;
      missing.sentiment = e.message;
    }
  }
  return { embedding, sentiment, missing };
}
