/**
 * First use: a hub id becomes a loadable model folder in the cache, pulled when it is missing,
 * incomplete or corrupt (and downloads are allowed), never loaded half-written.
 */
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';
import { type HubSettings, offlineReason } from './hub/hub-client.js';
import { type CacheState, inspectCachedModel } from './hub/inspect-cache.js';
import { defaultProgress, type ProgressReporter, SILENT_PROGRESS } from './hub/progress.js';
import { cachedModelDir, pullModel } from './hub/pull-model.js';
import type { Dtype } from './model-folder.js';
import { modelCacheDir, type ModelLocation } from './model-location.js';
import { layoutOfRole, type ModelLayout, type ModelRole, modelFiles, parseModelSpec, pinnedRevision } from './registry.js';

export interface EnsureModelOptions {
  role: ModelRole;
  dtype: Dtype;
  /** default: MODEL_CACHE_DIR */
  cacheDir?: string;
  /** may download; default true (offline always wins) */
  pull?: boolean;
  /** when pull is false: why, for the error message (default: "downloading was not allowed (pull: false)") */
  noPullReason?: string;
  /** never download (HF_HUB_OFFLINE / TICKET_PROCESSOR_OFFLINE also say so, and always win) */
  offline?: boolean;
  /** default: bars on a terminal, lines otherwise, on stderr; false: nothing */
  progress?: ProgressReporter | false;
  hub?: Partial<HubSettings>;
  env?: NodeJS.ProcessEnv;
}

function requiredList(id: string, layout: ModelLayout, dtype: Dtype): string {
  return modelFiles(id, layout, dtype)
    .filter((f) => f.required)
    .map((f) => f.path)
    .join(', ');
}

/** How to get a model into the cache without the hub (said by every error about a missing model). */
export function copyByHandHint(spec: string, dir: string, layout: ModelLayout, dtype: Dtype): string {
  const { id } = parseModelSpec(spec);
  return (
    `to copy it in by hand, run \`ticket-processor models pull ${spec}${dtype === 'q8' ? ' --dtype q8' : ''}\` on a machine that reaches the hub ` +
    `and copy the ${id} folder of its MODEL_CACHE_DIR to ${dir} (or put the model's Hugging Face files there: ${requiredList(id, layout, dtype)}); ` +
    `or set MODEL_CACHE_DIR to a folder that holds ${id}, or pass a model folder in the models option`
  );
}

function describeState(state: CacheState): string {
  switch (state.state) {
    case 'incomplete':
    case 'corrupt':
      return state.problems.join('; ');
    case 'other-revision':
      return `it holds revision ${state.have}`;
    default:
      return '';
  }
}

/** "is not in the model cache (dir)" or "in the model cache (dir) is incomplete: ..." */
function whatIsWrong(role: ModelRole, id: string, dir: string, state: CacheState): string {
  const model = `${role} model ${id}`;
  if (state.state === 'missing') return `${model} is not in the model cache (${dir})`;
  const what = state.state === 'corrupt' ? 'is partial or corrupt' : state.state === 'incomplete' ? 'is incomplete' : 'is another revision';
  return `${model} in the model cache (${dir}) ${what} (${describeState(state)})`;
}

function codeFor(state: CacheState): 'MODEL_NOT_FOUND' | 'MODEL_INVALID' {
  return state.state === 'corrupt' ? 'MODEL_INVALID' : 'MODEL_NOT_FOUND';
}

/**
 * The cached folder of a hub id (`org/name` or `org/name@revision`), pulled first when it is
 * missing, incomplete, corrupt or another revision. Without downloads (offline, or pull: false)
 * that is an error naming the model, the folder and how to copy the model in by hand.
 */
export async function ensureModel(spec: string, options: EnsureModelOptions): Promise<ModelLocation> {
  const env = options.env ?? process.env;
  const parsed = parseModelSpec(spec);
  const { id } = parsed;
  const cacheDir = path.resolve(options.cacheDir ?? modelCacheDir(env));
  const dir = cachedModelDir(cacheDir, id);
  const layout = layoutOfRole(options.role);
  const want = { id, layout, dtype: options.dtype, revision: pinnedRevision(parsed) };

  const before = await inspectCachedModel(dir, want);
  if (before.state === 'ok') return { id, dir, source: 'cache', ...(before.commit && { revision: before.commit }) };

  const hint = copyByHandHint(spec, dir, layout, options.dtype);
  const offline = offlineReason(env) ?? (options.offline ? 'offline: true' : undefined);
  if (offline) {
    throw new TicketProcessorError(codeFor(before), `${whatIsWrong(options.role, id, dir, before)} and downloads are off (${offline}): ${hint}`);
  }
  if (options.pull === false) {
    throw new TicketProcessorError(
      codeFor(before),
      `${whatIsWrong(options.role, id, dir, before)} and ${options.noPullReason ?? 'downloading was not allowed (pull: false)'}: pull it with \`ticket-processor models pull ${spec}\`; ${hint}`,
    );
  }
  const progress = options.progress === false ? SILENT_PROGRESS : (options.progress ?? defaultProgress(process.stderr, env));
  try {
    await pullModel(spec, { cacheDir, dtype: options.dtype, role: options.role, check: 'quick', reportPresent: false, progress, env, ...(options.hub && { hub: options.hub }) });
  } catch (e) {
    const inner = e instanceof TicketProcessorError ? e : new TicketProcessorError('MODEL_NOT_FOUND', (e as Error).message, { cause: e });
    throw new TicketProcessorError(
      inner.code,
      `${whatIsWrong(options.role, id, dir, before)} and could not be downloaded: ${inner.message}; ${hint}`,
      { cause: e },
    );
  }
  const after = await inspectCachedModel(dir, want);
  if (after.state !== 'ok') {
    throw new TicketProcessorError(codeFor(after), `${whatIsWrong(options.role, id, dir, after)} after pulling it: run \`ticket-processor models pull --force ${spec}\``);
  }
  return { id, dir, source: 'cache', ...(after.commit && { revision: after.commit }) };
}

/**
 * A hub id in a folder of models the user gave (laid out like the cache): never downloaded into,
 * but checked the same way (a copied cache keeps its manifest). Undefined when it is not there.
 */
export async function findInModelsFolder(root: string, spec: string, role: ModelRole, dtype: Dtype): Promise<ModelLocation | undefined> {
  const parsed = parseModelSpec(spec);
  const dir = cachedModelDir(root, parsed.id);
  const state = await inspectCachedModel(dir, { id: parsed.id, layout: layoutOfRole(role), dtype, revision: pinnedRevision(parsed) });
  if (state.state === 'ok') return { id: parsed.id, dir, source: 'cache', ...(state.commit && { revision: state.commit }) };
  if (state.state === 'missing') return undefined;
  const what = state.state === 'corrupt' ? 'is partial or corrupt' : state.state === 'incomplete' ? 'is incomplete' : 'is another revision';
  throw new TicketProcessorError(codeFor(state), `${role} model ${parsed.id} in ${dir} ${what} (${describeState(state)})`);
}

export function notInModelsFolder(root: string, spec: string, role: ModelRole): string {
  const { id } = parseModelSpec(spec);
  return `${role} model ${id} is not in the models folder ${root} (no ${cachedModelDir(root, id)})`;
}
