/**
 * What the model cache holds: whether a model folder can be loaded as it is (first use), the
 * installed models (`models list`), and a full re-hash (`models verify`).
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import type { Dtype } from '../model-folder.js';
import { graphFiles, type ModelLayout, modelFiles } from '../registry.js';
import { tryLock } from './lock.js';
import { checkFile, type Manifest, MANIFEST_FILE, readManifest, sameRevision, writeManifest } from './manifest.js';

export type CacheState =
  /** loadable as it is; `manifest` false for a folder copied by hand (nothing to verify against) */
  | { state: 'ok'; commit: string | undefined; manifest: boolean }
  /** no such folder, or nothing of the model in it */
  | { state: 'missing' }
  /** required files are not there */
  | { state: 'incomplete'; problems: string[] }
  /** files do not match the manifest: partial or corrupt */
  | { state: 'corrupt'; problems: string[] }
  /** the folder holds another revision than the one asked for */
  | { state: 'other-revision'; have: string };

/** The seq2seq reader also takes onnx/decoder_model.onnx when the merged decoder is absent (folders copied by hand). */
function alternativeOf(rel: string): string | undefined {
  return rel.includes('decoder_model_merged') ? rel.replace('decoder_model_merged', 'decoder_model') : undefined;
}

/**
 * Whether a model folder can be loaded for a dtype: required files present and, when it has a
 * manifest, every file of that dtype matching it (size; sha256 when modified since it was
 * verified). Files that were re-hashed and matched get their new time recorded (when the folder's
 * lock is free), so the next load does not hash them again.
 */
export async function inspectCachedModel(
  dir: string,
  want: { id: string; layout: ModelLayout; dtype: Dtype; revision: string | undefined },
): Promise<CacheState> {
  if (!existsSync(dir)) return { state: 'missing' };
  const manifest = await readManifest(dir);
  if (manifest && !sameRevision(manifest, want.revision)) {
    return { state: 'other-revision', have: manifest.commit ?? manifest.revision };
  }
  const required = modelFiles(want.id, want.layout, want.dtype).filter((f) => f.required);
  const absent = required.filter((f) => !existsSync(path.join(dir, f.path)) && !(alternativeOf(f.path) && !manifest && existsSync(path.join(dir, alternativeOf(f.path)!))));
  if (!manifest && absent.length === required.length) return { state: 'missing' };
  if (absent.length > 0) return { state: 'incomplete', problems: absent.map((f) => `${f.path}: missing`) };
  if (!manifest) return { state: 'ok', commit: undefined, manifest: false };

  const problems: string[] = [];
  const refreshed: [string, number][] = [];
  for (const [rel, entry] of Object.entries(manifest.files)) {
    if (entry.dtype !== 'all' && entry.dtype !== want.dtype) continue;
    const state = await checkFile(dir, rel, entry, 'quick');
    if (!state.ok) problems.push(`${rel}: ${state.problem}`);
    else if (state.rehashed) refreshed.push([rel, state.mtimeMs]);
  }
  // Required files the manifest does not list were copied in by hand: used as they are, like a
  // folder without a manifest.
  if (problems.length > 0) return { state: 'corrupt', problems };
  if (refreshed.length > 0) await recordTimes(dir, refreshed);
  return { state: 'ok', commit: manifest.commit ?? undefined, manifest: true };
}

async function recordTimes(dir: string, refreshed: [string, number][]): Promise<void> {
  const lock = await tryLock(dir).catch(() => undefined);
  if (!lock) return;
  try {
    const manifest = await readManifest(dir);
    if (!manifest) return;
    for (const [rel, mtimeMs] of refreshed) if (manifest.files[rel]) manifest.files[rel].mtime_ms = mtimeMs;
    await writeManifest(dir, manifest);
  } catch {
    // a read-only cache: the files are hashed again next time
  } finally {
    await lock.release();
  }
}

export interface InstalledModel {
  id: string;
  dir: string;
  manifest: Manifest | undefined;
  /** "main" or a commit; undefined for a folder copied by hand */
  revision: string | undefined;
  dtypes: Dtype[];
  /** bytes of the model's files (partial downloads not counted) */
  size: number;
  /** verified: the manifest lists every file and each has its verified size and time */
  verified: boolean;
  /** why not verified */
  reason: string | undefined;
}

const IGNORED = (name: string) => name.startsWith('.') || name.endsWith('.part') || name.endsWith('.tmp');

async function folderFiles(dir: string, prefix = ''): Promise<{ rel: string; size: number; mtimeMs: number }[]> {
  const out: { rel: string; size: number; mtimeMs: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (IGNORED(entry.name)) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await folderFiles(path.join(dir, entry.name), rel)));
    else if (entry.isFile()) {
      const info = await stat(path.join(dir, entry.name));
      out.push({ rel, size: info.size, mtimeMs: info.mtimeMs });
    }
  }
  return out;
}

function dtypesOf(rels: string[]): Dtype[] {
  const dtypes: Dtype[] = [];
  for (const dtype of ['fp32', 'q8'] as const) {
    if (graphFiles('encoder', dtype).every((f) => rels.includes(f)) || graphFiles('seq2seq', dtype).every((f) => rels.includes(f))) dtypes.push(dtype);
  }
  return dtypes;
}

/** A model folder: quick status (sizes and times against the manifest; no hashing). */
export async function describeInstalled(dir: string, id: string): Promise<InstalledModel> {
  const manifest = await readManifest(dir);
  const files = await folderFiles(dir);
  const size = files.reduce((sum, f) => sum + f.size, 0);
  const parts = (await readdir(dir, { recursive: true })).filter((n) => String(n).endsWith('.part'));
  let reason: string | undefined;
  if (!manifest) reason = 'no manifest: copied by hand';
  else {
    for (const [rel, entry] of Object.entries(manifest.files)) {
      const f = files.find((x) => x.rel === rel);
      if (!f) reason ??= `${rel} missing`;
      else if (f.size !== entry.size) reason ??= `${rel} is ${f.size} bytes, the manifest says ${entry.size}`;
      else if (f.mtimeMs !== entry.mtime_ms) reason ??= `${rel} changed since it was verified`;
    }
  }
  if (!reason && parts.length > 0) reason = `partial download: ${parts.join(', ')}`;
  const present = files.map((f) => f.rel);
  const dtypes = manifest ? dtypesOf(Object.keys(manifest.files).filter((rel) => present.includes(rel))) : dtypesOf(present);
  if (!reason && dtypes.length === 0) reason = 'no complete ONNX graph';
  return {
    id,
    dir,
    manifest,
    revision: manifest ? (manifest.commit ?? manifest.revision) : undefined,
    dtypes,
    size,
    verified: reason === undefined,
    reason,
  };
}

/** Every model folder <org>/<name>/ in a cache (with a manifest, a config.json or an onnx/ folder). */
export async function listInstalled(cacheDir: string): Promise<InstalledModel[]> {
  if (!existsSync(cacheDir)) return [];
  const out: InstalledModel[] = [];
  for (const org of (await readdir(cacheDir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.'))) {
    for (const name of (await readdir(path.join(cacheDir, org.name), { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.'))) {
      const dir = path.join(cacheDir, org.name, name.name);
      if (![MANIFEST_FILE, 'config.json', 'onnx'].some((f) => existsSync(path.join(dir, f)))) continue;
      out.push(await describeInstalled(dir, `${org.name}/${name.name}`));
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export interface VerifyReport {
  id: string;
  dir: string;
  /** false: no manifest (copied by hand): nothing to verify against */
  verifiable: boolean;
  files: number;
  size: number;
  bad: { path: string; problem: string }[];
}

/** Re-hashes every file the manifest lists (sha256 against the manifest, which was checked against the hub). */
export async function verifyInstalled(dir: string, id: string): Promise<VerifyReport> {
  const manifest = await readManifest(dir);
  if (!manifest) return { id, dir, verifiable: false, files: 0, size: 0, bad: [] };
  const bad: { path: string; problem: string }[] = [];
  const refreshed: [string, number][] = [];
  let size = 0;
  for (const [rel, entry] of Object.entries(manifest.files)) {
    const state = await checkFile(dir, rel, entry, 'hash');
    if (!state.ok) bad.push({ path: rel, problem: state.problem });
    else {
      size += state.size;
      if (state.mtimeMs !== entry.mtime_ms) refreshed.push([rel, state.mtimeMs]);
    }
  }
  if (refreshed.length > 0) await recordTimes(dir, refreshed);
  return { id, dir, verifiable: true, files: Object.keys(manifest.files).length, size, bad };
}
