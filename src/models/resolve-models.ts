import { TicketProcessorError } from '../errors.js';
import { ensureModel, findInModelsFolder, notInModelsFolder } from './ensure-model.js';
import type { HubSettings } from './hub/hub-client.js';
import { offlineReason } from './hub/hub-client.js';
import type { ProgressReporter } from './hub/progress.js';
import { cachedModelDir } from './hub/pull-model.js';
import type { Dtype } from './model-folder.js';
import { isDirectory, isModelFolder, looksLikePath, modelCacheDir, type ModelLocation, resolveUserPath } from './model-location.js';
import { DEFAULT_MODELS, MODEL_ENV, type ModelRole, parseModelSpec } from './registry.js';

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

export interface ResolveOptions {
  dtype?: Dtype;
  /**
   * Downloads into MODEL_CACHE_DIR (never into a folder the caller gave, never when offline):
   * - undefined (default): the models named by hub id (in `models` or EMBEDDING_MODEL /
   *   CLASSIFIER_MODEL / SUMMARIZER_MODEL) and the embedding model, which is required; an
   *   optional default (sentiment, summarizer) nobody named is used if installed, not downloaded
   * - true: also the optional defaults (what the worker wants: all three)
   * - false: nothing
   */
  pull?: boolean;
  /** default: bars on a terminal, lines otherwise, on stderr */
  progress?: ProgressReporter | false;
  hub?: Partial<HubSettings>;
  env?: NodeJS.ProcessEnv;
}

const OPTIONAL_ROLES = ['sentiment', 'summarizer'] as const;

/** Where one role's model comes from. */
type Plan =
  | { kind: 'folder'; dir: string }
  /** a hub id in the model cache (may be pulled) */
  | { kind: 'cache'; spec: string; explicit: boolean }
  /** a hub id in a folder of models the caller gave (never pulled) */
  | { kind: 'models-folder'; root: string; spec: string; explicit: boolean };

function folderPlan(spec: string, role: ModelRole): Plan {
  const dir = resolveUserPath(spec);
  if (!isDirectory(dir)) throw new TicketProcessorError('MODEL_NOT_FOUND', `${role} model folder ${dir} does not exist`);
  return { kind: 'folder', dir };
}

/** A spec someone named (option or environment variable): a folder path or a hub id in the cache. */
function namedPlan(spec: string, role: ModelRole): Plan {
  return looksLikePath(spec) ? folderPlan(spec, role) : { kind: 'cache', spec, explicit: true };
}

/**
 * Which model folder serves each role, pulling missing hub models into the cache as `pull` allows
 * (see ResolveOptions). The embedding model is required. Other roles named explicitly (option or
 * environment variable) are required too; not named, their default is used if it is installed
 * (or pulled, with pull: true) and left out otherwise.
 */
export async function resolveModelLocations(models: ModelsOption, options: ResolveOptions = {}): Promise<ResolvedModels> {
  const env = options.env ?? process.env;
  const dtype = options.dtype ?? 'fp32';
  const cache = modelCacheDir(env);
  const offline = offlineReason(env);
  const fromEnv = (role: ModelRole) => env[MODEL_ENV[role]]?.trim() || undefined;
  const plans: Partial<Record<ModelRole, Plan>> = {};

  let modelsFolder: string | undefined;
  if (typeof models === 'string') {
    if (!looksLikePath(models)) plans.embedding = { kind: 'cache', spec: models, explicit: true };
    else {
      const dir = resolveUserPath(models);
      if (!isDirectory(dir)) throw new TicketProcessorError('MODEL_NOT_FOUND', `models folder ${dir} does not exist`);
      if (isModelFolder(dir)) plans.embedding = { kind: 'folder', dir };
      else modelsFolder = dir;
    }
  } else if (models) {
    for (const role of ['embedding', ...OPTIONAL_ROLES] as const) {
      const spec = models[role];
      if (spec) plans[role] = namedPlan(spec, role);
    }
  }
  for (const role of ['embedding', ...OPTIONAL_ROLES] as const) {
    if (plans[role]) continue;
    const named = fromEnv(role);
    if (modelsFolder) {
      // A folder of models: the environment only says which id to look for in it (a path is a folder).
      plans[role] = named && looksLikePath(named) ? folderPlan(named, role) : { kind: 'models-folder', root: modelsFolder, spec: named ?? DEFAULT_MODELS[role], explicit: false };
    } else {
      plans[role] = named ? namedPlan(named, role) : { kind: 'cache', spec: DEFAULT_MODELS[role], explicit: false };
    }
  }

  const missing: Partial<Record<ModelRole, string>> = {};
  const located: Partial<Record<ModelRole, ModelLocation>> = {};
  for (const role of ['embedding', ...OPTIONAL_ROLES] as const) {
    const plan = plans[role]!;
    const required = role === 'embedding' || plan.kind === 'folder' || plan.explicit;
    if (plan.kind === 'folder') {
      located[role] = { id: plan.dir, dir: plan.dir, source: 'folder' };
    } else if (plan.kind === 'models-folder') {
      const found = await findInModelsFolder(plan.root, plan.spec, role, dtype);
      if (found) located[role] = found;
      else if (required) throw new TicketProcessorError('MODEL_NOT_FOUND', notInModelsFolder(plan.root, plan.spec, role));
      else missing[role] = notInModelsFolder(plan.root, plan.spec, role);
    } else {
      const allowPull = !offline && options.pull !== false && (options.pull === true || required);
      const { id } = parseModelSpec(plan.spec);
      if (!required && !allowPull && !isDirectory(cachedModelDir(cache, id))) {
        missing[role] = `${role} model ${id} is not in the model cache (${cachedModelDir(cache, id)}): run \`ticket-processor models pull ${plan.spec}\`, or pass pull: true to createEnricher() to download it`;
        continue;
      }
      located[role] = await ensureModel(plan.spec, {
        role,
        dtype,
        cacheDir: cache,
        pull: allowPull,
        ...(options.pull !== false && { noPullReason: `it is an optional default that is downloaded only with pull: true` }),
        env,
        ...(options.progress !== undefined && { progress: options.progress }),
        ...(options.hub && { hub: options.hub }),
      });
    }
  }
  return { embedding: located.embedding!, sentiment: located.sentiment, summarizer: located.summarizer, missing };
}
