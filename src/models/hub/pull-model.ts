/**
 * `models pull` and first use: every file a model needs for a dtype, from the hub into
 * MODEL_CACHE_DIR/<org>/<name>/, under the folder's lock, files in parallel, each verified and
 * recorded in the manifest as soon as it is in place.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

import { TicketProcessorError } from '../../errors.js';
import type { Dtype } from '../model-folder.js';
import { modelCacheDir } from '../model-location.js';
import { layoutOfRole, type ModelFile, modelFiles, type ModelLayout, type ModelRole, parseModelSpec, pinnedRevision, registryModel } from '../registry.js';
import { ContentMismatchError, downloadFile, partPath } from './download-file.js';
import { HubHttpError, HubNetworkError, type HubSettings, hubSettings, isUnreachable, offlineReason, resolveUrl, withRetries } from './hub-client.js';
import { acquireLock, type LockOptions } from './lock.js';
import { checkFile, type Manifest, newManifest, readManifest, sameRevision, writeManifest } from './manifest.js';
import { defaultProgress, type ProgressReporter } from './progress.js';

export interface PullOptions {
  /** default: MODEL_CACHE_DIR (modelCacheDir()) */
  cacheDir?: string;
  /** default fp32 */
  dtype?: Dtype;
  /** which files a model outside the registry needs; default: from its config.json (is_encoder_decoder) */
  role?: ModelRole;
  /** download every file again, even verified ones (and ignore partial downloads) */
  force?: boolean;
  /**
   * how files already in the folder are checked before they are kept: "hash" re-hashes them
   * (models pull), "quick" trusts size + modification time and hashes only modified files (first use)
   */
  check?: 'hash' | 'quick';
  progress?: ProgressReporter;
  /** report files already there (default true; first use reports only what it downloads) */
  reportPresent?: boolean;
  hub?: Partial<HubSettings>;
  lock?: Partial<LockOptions>;
  env?: NodeJS.ProcessEnv;
}

export interface PulledFile {
  path: string;
  /** downloaded now; already there and verified; optional and not in the repository */
  status: 'downloaded' | 'present' | 'absent';
  size: number;
}

export interface PullResult {
  id: string;
  dir: string;
  dtype: Dtype;
  revision: string;
  commit: string | null;
  files: PulledFile[];
  /** bytes that came over the network */
  downloadedBytes: number;
  seconds: number;
}

/** MODEL_CACHE_DIR/<org>/<name> */
export function cachedModelDir(cacheDir: string, id: string): string {
  return path.join(cacheDir, ...id.split('/'));
}

/** Runs tasks with at most `limit` at a time; every task runs, the first error (in order) is thrown. */
async function bounded<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const errors: { index: number; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        await task(items[index]!);
      } catch (error) {
        errors.push({ index, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors.sort((a, b) => a.index - b.index)[0]!.error;
}

function describeHubError(e: unknown, id: string, file: string, revision: string, settings: HubSettings, attempts: number): TicketProcessorError {
  if (e instanceof TicketProcessorError) return e;
  const where = `${id}/${file}`;
  if (e instanceof ContentMismatchError) {
    return new TicketProcessorError(
      'MODEL_INVALID',
      `${where}: the downloaded file does not match what the hub published (${e.what} ${e.actual}, expected ${e.expected}); ` +
        'it was removed and nothing was installed. Pull again; if it keeps happening, a proxy or mirror (HF_ENDPOINT) is altering the file',
      { cause: e },
    );
  }
  if (e instanceof HubHttpError) {
    const code = e.meta.errorCode;
    const hubSays = e.meta.errorMessage ? ` The hub says: ${e.meta.errorMessage}` : '';
    if (e.status === 401 || e.status === 403) {
      if (code === 'RepoNotFound') {
        return new TicketProcessorError('MODEL_NOT_FOUND', `${id} was not found on ${settings.endpoint} (HTTP ${e.status}, RepoNotFound): check the id; a private repository needs HF_TOKEN.${hubSays}`, { cause: e });
      }
      const fix = settings.token
        ? 'HF_TOKEN was sent but does not give access: accept the model\'s conditions on its hub page with that account, or use a token that can read it'
        : 'the repository is gated or private: set HF_TOKEN to a Hugging Face access token that can read it (and accept the model\'s conditions on its hub page)';
      return new TicketProcessorError('MODEL_NOT_FOUND', `${where}: ${settings.endpoint} refused access (HTTP ${e.status}${code ? `, ${code}` : ''}); ${fix}.${hubSays}`, { cause: e });
    }
    if (e.status === 404) {
      if (code === 'RevisionNotFound') {
        return new TicketProcessorError('MODEL_NOT_FOUND', `${id} has no revision "${revision}" on ${settings.endpoint} (HTTP 404, RevisionNotFound).${hubSays}`, { cause: e });
      }
      if (code === 'RepoNotFound') {
        return new TicketProcessorError('MODEL_NOT_FOUND', `${id} was not found on ${settings.endpoint} (HTTP 404, RepoNotFound): check the id.${hubSays}`, { cause: e });
      }
      return new TicketProcessorError(
        'MODEL_NOT_FOUND',
        `${id} has no ${file} at revision ${revision} on ${settings.endpoint} (HTTP 404): ticket-processor needs ONNX exports in the Hugging Face layout (onnx/model.onnx, or onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx; _quantized for q8)`,
        { cause: e },
      );
    }
    const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
    return new TicketProcessorError('MODEL_NOT_FOUND', `${where}: the hub answered HTTP ${e.status}${tries}; try again later.${hubSays}`, { cause: e });
  }
  if (e instanceof HubNetworkError) {
    if (isUnreachable(e)) {
      return new TicketProcessorError('MODEL_NOT_FOUND', `cannot reach the hub at ${settings.endpoint} (${e.message})`, { cause: e });
    }
    const tries = attempts > 1 ? `, ${attempts} attempts` : '';
    const hint = e.code === 'ETIMEDOUT' ? ' (HF_HUB_DOWNLOAD_TIMEOUT sets the limit in seconds)' : '';
    return new TicketProcessorError('MODEL_NOT_FOUND', `${where}: download failed: ${e.message}${tries}${hint}; pull again to resume`, { cause: e });
  }
  return new TicketProcessorError('MODEL_NOT_FOUND', `${where}: download failed: ${(e as Error).message}`, { cause: e });
}

async function removeEmptyFolders(dir: string, cacheDir: string): Promise<void> {
  for (let d = dir; d.startsWith(cacheDir) && d !== cacheDir; d = path.dirname(d)) {
    try {
      if ((await readdir(d)).length > 0) return;
      await rmdir(d);
    } catch {
      return;
    }
  }
}

async function layoutFromConfig(dir: string): Promise<ModelLayout> {
  try {
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { is_encoder_decoder?: unknown };
    return config.is_encoder_decoder === true ? 'seq2seq' : 'encoder';
  } catch {
    return 'encoder';
  }
}

/**
 * Downloads what is missing (or everything, with force) of one model. Waits while another process
 * pulls the same model, then keeps what that process verified.
 */
export async function pullModel(spec: string, options: PullOptions = {}): Promise<PullResult> {
  const env = options.env ?? process.env;
  const { id, revision: specRevision } = parseModelSpec(spec);
  const offline = offlineReason(env);
  if (offline) {
    throw new TicketProcessorError('MODEL_NOT_FOUND', `cannot pull ${id}: downloads are off (${offline}); unset it to download from the hub`);
  }
  const settings = hubSettings(options.hub, env);
  const cacheDir = path.resolve(options.cacheDir ?? modelCacheDir(env));
  const dir = cachedModelDir(cacheDir, id);
  const dtype = options.dtype ?? 'fp32';
  const progress = options.progress ?? defaultProgress();
  const started = performance.now();
  const wanted = pinnedRevision({ id, revision: specRevision });

  await mkdir(dir, { recursive: true });
  const lock = await acquireLock(dir, {
    onWait: (holder) => progress.log(`waiting for ${holder ? `process ${holder.pid}` : 'another process'} to finish pulling ${id} into ${dir}`),
    ...options.lock,
  });
  const files: PulledFile[] = [];
  let downloadedBytes = 0;
  try {
    const existing = await readManifest(dir);
    // Files added to a folder come from the commit its other files came from. --force, or another
    // revision, starts a new manifest; the old one's other files are kept if the commit is the same.
    const keep = existing !== undefined && !options.force && sameRevision(existing, wanted);
    const previous = keep ? undefined : existing;
    const current: Manifest = keep ? existing : newManifest(id, wanted ?? 'main', settings.endpoint);
    let fetchAt = keep ? (existing.commit ?? existing.revision) : (wanted ?? 'main');
    let saving = Promise.resolve();
    const save = () => (saving = saving.then(() => writeManifest(dir, current)));

    const one = async (file: ModelFile) => {
      const name = `${id}/${file.path}`;
      const dest = path.join(dir, file.path);
      const entry = current.files[file.path];
      if (entry && !options.force) {
        const state = await checkFile(dir, file.path, entry, options.check ?? 'hash');
        if (state.ok) {
          if (state.rehashed && state.mtimeMs !== entry.mtime_ms) {
            entry.mtime_ms = state.mtimeMs;
            await save();
          }
          files.push({ path: file.path, status: 'present', size: state.size });
          if (options.reportPresent !== false) progress.skipped(name, 'already pulled and verified');
          return;
        }
        progress.log(`${name}: ${state.problem}: fetching it again`);
        delete current.files[file.path];
      }
      if (!file.required && !options.force && current.absent.includes(file.path)) {
        files.push({ path: file.path, status: 'absent', size: 0 });
        return;
      }
      if (options.force) await unlink(partPath(dest)).catch(() => undefined);
      const t0 = performance.now();
      let attempts = 1;
      try {
        const result = await withRetries(
          (attempt) => {
            attempts = attempt;
            return downloadFile({
              url: resolveUrl(settings.endpoint, id, fetchAt, file.path),
              dest,
              settings,
              onStart: ({ total, offset }) => progress.start(name, total, offset),
              onBytes: (bytes) => {
                downloadedBytes += bytes;
                progress.advance(name, bytes);
              },
            });
          },
          settings,
          (error, attempt, total, delayMs) => progress.retry(name, attempt, total, delayMs, error),
        );
        const info = await stat(dest);
        if (result.commit && current.commit === null) {
          current.commit = result.commit;
          // The rest of this pull comes from exactly that commit, even if the branch moves meanwhile.
          fetchAt = result.commit;
        }
        current.files[file.path] = {
          size: result.size,
          sha256: result.sha256,
          verified: result.verified,
          ...(result.etag !== undefined && { etag: result.etag }),
          dtype: file.dtype,
          mtime_ms: info.mtimeMs,
          pulled_at: new Date().toISOString(),
        };
        current.absent = current.absent.filter((p) => p !== file.path);
        await save();
        files.push({ path: file.path, status: 'downloaded', size: result.size });
        progress.done(name, { bytes: result.size, seconds: (performance.now() - t0) / 1000, verified: result.verified, resumedFrom: result.resumedFrom });
      } catch (e) {
        if (e instanceof HubHttpError && e.status === 404 && !file.required && e.meta.errorCode !== 'RepoNotFound' && e.meta.errorCode !== 'RevisionNotFound') {
          if (!current.absent.includes(file.path)) current.absent.push(file.path);
          await save();
          files.push({ path: file.path, status: 'absent', size: 0 });
          progress.skipped(name, 'not in the repository (optional)');
          return;
        }
        const error = describeHubError(e, id, file.path, fetchAt, settings, attempts);
        progress.failed(name, error.message);
        throw error;
      }
    };

    // config.json first: it fixes the commit for the other files and tells a seq2seq model apart.
    const config: ModelFile = { path: 'config.json', required: true, dtype: 'all' };
    await one(config);
    const layout = options.role ? layoutOfRole(options.role) : (registryModel(id)?.layout ?? (await layoutFromConfig(dir)));
    const rest = modelFiles(id, layout, dtype).filter((f) => f.path !== 'config.json');
    await bounded(rest, settings.concurrency, one);

    if (previous) {
      const sameCommit = previous.commit !== null && previous.commit === current.commit;
      for (const [rel, entry] of Object.entries(previous.files)) {
        if (current.files[rel]) continue;
        // Same commit (e.g. --force for one dtype): the other dtype's files are still those bytes.
        if (sameCommit) current.files[rel] = entry;
        else await unlink(path.join(dir, rel)).catch(() => undefined);
      }
      if (sameCommit) current.absent = [...new Set([...current.absent, ...previous.absent])];
    }
    current.pulled_at = new Date().toISOString();
    await save();
    await saving;
    const order = new Map([config, ...rest].map((f, i) => [f.path, i]));
    files.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
    return { id, dir, dtype, revision: current.revision, commit: current.commit, files, downloadedBytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    progress.close();
    await lock.release();
    if (!existsSync(path.join(dir, 'config.json'))) await removeEmptyFolders(dir, cacheDir);
  }
}
