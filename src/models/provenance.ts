/**
 * Provenance of a loaded model: which id, revision and dtype, and the sha256 of every ONNX file
 * it runs, so that a later re-embedding migration knows what produced each vector (issue 5).
 *
 * Computed once at load. A pulled folder's cache manifest already holds each file's sha256 with
 * the size and modification time it had when verified: when both still match, the recorded hash
 * is used; otherwise (a folder given by path, a file replaced since) the file is hashed, streamed.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';

import { sha256File } from './hub/hashing.js';
import { type Manifest, readManifest } from './hub/manifest.js';
import type { Dtype } from './model-folder.js';
import type { ModelLocation } from './model-location.js';

export interface ModelProvenance {
  /** hub id, or the folder's absolute path for a model given as a folder */
  id: string;
  /** the commit the files come from (the cache manifest of a pull); undefined for a plain folder */
  revision: string | undefined;
  dtype: Dtype;
  /** sha256 (hex) of each ONNX file loaded, by path relative to the model folder ('onnx/model.onnx') */
  sha256: Record<string, string>;
}

/** Relative, '/'-separated path of a file inside the model folder. */
function relativeToFolder(dir: string, file: string): string {
  return path.relative(dir, file).split(path.sep).join('/');
}

async function fileSha256(dir: string, file: string, manifest: Manifest | undefined): Promise<string> {
  const entry = manifest?.files[relativeToFolder(dir, file)];
  if (entry) {
    const info = await stat(file);
    if (info.size === entry.size && info.mtimeMs === entry.mtime_ms && /^[0-9a-f]{64}$/.test(entry.sha256)) return entry.sha256;
  }
  return (await sha256File(file)).sha256;
}

/** Provenance of the ONNX files `onnxFiles` (absolute paths inside location.dir) of one model. */
export async function modelProvenance(location: ModelLocation, dtype: Dtype, onnxFiles: readonly string[]): Promise<ModelProvenance> {
  const manifest = await readManifest(location.dir).catch(() => undefined);
  const revision = location.revision ?? manifest?.commit ?? undefined;
  const hashes = await Promise.all(onnxFiles.map((f) => fileSha256(location.dir, f, manifest)));
  const sha256: Record<string, string> = {};
  onnxFiles.forEach((f, i) => {
    sha256[relativeToFolder(location.dir, f)] = hashes[i]!;
  });
  return { id: location.id, revision, dtype, sha256 };
}
