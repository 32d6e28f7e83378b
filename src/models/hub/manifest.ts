/**
 * The cache manifest, `.ticket-processor-manifest.json` in each pulled model folder: which
 * revision the files come from and, per file, its size, sha256, how it was verified against the
 * hub, its dtype, and its modification time when verified. A file that no longer matches it
 * (size, or sha256 when it was modified since) is partial or corrupt: fetched again, never loaded.
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Dtype } from '../model-folder.js';
import { sha256File, type VerificationMethod } from './hashing.js';

export const MANIFEST_FILE = '.ticket-processor-manifest.json';

export interface ManifestFile {
  size: number;
  /** computed here while downloading (for every file, whatever the hub published) */
  sha256: string;
  /**
   * how the download was checked against the hub: "sha256" (the LFS sha256 in X-Linked-Etag),
   * "git-sha1" (the git blob id in ETag, for small files kept in git; the sha256 above is ours),
   * "size" (the hub published no hash: only the size was checked)
   */
  verified: VerificationMethod;
  /** the hub's X-Linked-Etag or ETag, without quotes */
  etag?: string;
  /** "all": needed whatever the dtype (config, tokenizer) */
  dtype: Dtype | 'all';
  /** modification time when last verified: a file modified since is hashed again before use */
  mtime_ms: number;
  pulled_at: string;
}

export interface Manifest {
  format: 1;
  id: string;
  /** the revision asked for: "main", a branch, a tag or a commit */
  revision: string;
  /** the commit the hub resolved it to (X-Repo-Commit); null when the hub did not say */
  commit: string | null;
  endpoint: string;
  pulled_at: string;
  files: Record<string, ManifestFile>;
  /** optional files the hub does not have (404): not asked for again */
  absent: string[];
}

export function newManifest(id: string, revision: string, endpoint: string): Manifest {
  return { format: 1, id, revision, commit: null, endpoint, pulled_at: new Date().toISOString(), files: {}, absent: [] };
}

function isManifest(value: unknown): value is Manifest {
  const m = value as Manifest;
  return typeof m === 'object' && m !== null && m.format === 1 && typeof m.id === 'string' && typeof m.revision === 'string' && typeof m.files === 'object' && m.files !== null;
}

/** The folder's manifest; undefined when there is none (a folder copied by hand) or it is unreadable. */
export async function readManifest(dir: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!isManifest(value)) return undefined;
    return { ...value, absent: Array.isArray(value.absent) ? value.absent : [] };
  } catch {
    return undefined;
  }
}

/** The revision in a manifest is the one asked for (no revision asked: any is). */
export function sameRevision(manifest: Pick<Manifest, 'revision' | 'commit'>, wanted: string | undefined): boolean {
  if (wanted === undefined) return true;
  if (wanted === manifest.revision || wanted === manifest.commit) return true;
  return manifest.commit !== null && /^[0-9a-f]{7,40}$/.test(wanted) && manifest.commit.startsWith(wanted);
}

/** Written to a temporary file and renamed: readers see the old or the new manifest, never half. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const file = path.join(dir, MANIFEST_FILE);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, file);
}

export type FileState =
  | { ok: true; size: number; mtimeMs: number; rehashed: boolean }
  | { ok: false; problem: string; missing: boolean };

/**
 * A file against its manifest entry. "quick": size, and sha256 only if it was modified since it
 * was verified (what loading does); "hash": size and sha256 always (`models verify`, `models pull`).
 */
export async function checkFile(dir: string, rel: string, entry: ManifestFile, mode: 'quick' | 'hash'): Promise<FileState> {
  const file = path.join(dir, rel);
  let info;
  try {
    info = await stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, problem: 'missing', missing: true };
    throw e;
  }
  if (info.size !== entry.size) {
    return { ok: false, problem: `${info.size} bytes, the manifest says ${entry.size} (a partial or replaced file)`, missing: false };
  }
  if (mode === 'quick' && info.mtimeMs === entry.mtime_ms) return { ok: true, size: info.size, mtimeMs: info.mtimeMs, rehashed: false };
  const { sha256 } = await sha256File(file);
  if (sha256 !== entry.sha256) {
    return { ok: false, problem: `sha256 ${sha256} differs from the manifest's ${entry.sha256} (a corrupt or replaced file)`, missing: false };
  }
  return { ok: true, size: info.size, mtimeMs: info.mtimeMs, rehashed: true };
}
