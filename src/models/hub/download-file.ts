/**
 * One file from the hub into the model folder: to `<file>.part`, resumed with `Range` when a
 * part is there, hashed while it streams, checked against what the hub published, then renamed
 * into place (atomic on one filesystem). A file that does not match is removed, never kept.
 */
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

import { checkContent, ContentHasher, hashFileInto, normalizeEtag, type PublishedContent, publishedHashes, type VerificationMethod } from './hashing.js';
import { httpError, hubGet, HubNetworkError, type HubResponse, type HubSettings } from './hub-client.js';

export interface DownloadRequest {
  /** the resolve URL */
  url: string;
  /** the final path; the download goes to `${dest}.part` */
  dest: string;
  settings: HubSettings;
  /** once the size is known: total bytes (when the server says) and the bytes already there */
  onStart?: (info: { total: number | undefined; offset: number }) => void;
  /** bytes received (counting from the resume offset) */
  onBytes?: (bytes: number) => void;
}

export interface DownloadResult {
  size: number;
  sha256: string;
  verified: VerificationMethod;
  /** the hub's X-Linked-Etag or ETag, without quotes */
  etag: string | undefined;
  /** X-Repo-Commit */
  commit: string | undefined;
  /** bytes that were already in the .part file and not downloaded again */
  resumedFrom: number;
}

/** The content does not match the hub's published size or hash; the .part file has been removed. */
export class ContentMismatchError extends Error {
  /** the bad content began with bytes from an earlier, resumed download */
  resumed = false;

  constructor(
    readonly what: 'size' | 'sha256' | 'git sha1',
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${what} ${actual} does not match the hub's ${expected}`);
  }
}

export function partPath(dest: string): string {
  return `${dest}.part`;
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

async function removeIfThere(file: string): Promise<void> {
  await unlink(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

function parseContentRange(value: string | undefined): { start: number; total: number | undefined } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value?.trim() ?? '');
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

function unsatisfiedTotal(value: string | undefined): number | undefined {
  const m = /^bytes\s+\*\/(\d+)$/i.exec(value?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

function published(res: HubResponse, total: number | undefined): PublishedContent {
  return { ...publishedHashes(res.meta.linkedEtag, res.meta.etag), ...(total !== undefined && { size: total }) };
}

/**
 * Downloads one file (one attempt; the caller retries transient failures, and each retry resumes
 * from what reached the disk). A part that turns out not to match after a resume is discarded and
 * the file downloaded once more from the start.
 */
export async function downloadFile(request: DownloadRequest): Promise<DownloadResult> {
  try {
    return await attempt(request, false);
  } catch (e) {
    if (e instanceof ContentMismatchError && e.resumed) return attempt(request, true);
    throw e;
  }
}

async function attempt(request: DownloadRequest, fresh: boolean): Promise<DownloadResult> {
  const { dest, settings } = request;
  const part = partPath(dest);
  await mkdir(path.dirname(dest), { recursive: true });
  if (fresh) await removeIfThere(part);
  let offset = await sizeOf(part);
  const res = await hubGet(request.url, settings, offset > 0 ? { range: `bytes=${offset}-` } : {});
  const linkedSize = res.meta.linkedSize;

  if (res.status === 416) {
    // The part is as long as the file (or longer): check it as it is, or start again.
    res.body.resume();
    const total = linkedSize ?? unsatisfiedTotal(res.headers['content-range']);
    if (total !== undefined && offset === total) return finish(request, res, part, new ContentHasher(total), offset, total, offset, true);
    await removeIfThere(part);
    return attempt(request, true);
  }
  if (res.status < 200 || res.status >= 300) throw httpError(res);

  let total: number | undefined;
  const contentLength = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
  if (res.status === 206 && offset > 0) {
    const range = parseContentRange(res.headers['content-range']);
    if (!range || range.start !== offset) {
      // Not the range asked for: start again without one.
      res.abort();
      await removeIfThere(part);
      return attempt(request, true);
    }
    total = linkedSize ?? range.total ?? (contentLength !== undefined ? offset + contentLength : undefined);
  } else {
    // 200: the whole file (a server that ignores Range sends it all: the part is replaced).
    offset = 0;
    total = linkedSize ?? contentLength;
  }
  const resumedFrom = offset;
  const hashes = publishedHashes(res.meta.linkedEtag, res.meta.etag);
  const hasher = new ContentHasher(hashes.gitSha1 && total !== undefined ? total : undefined);
  if (offset > 0) await hashFileInto(part, hasher, offset);
  request.onStart?.({ total, offset });

  const handle = await open(part, offset > 0 ? 'a' : 'w');
  let received = 0;
  try {
    try {
      for await (const chunk of res.body) {
        const buffer = chunk as Buffer;
        await handle.write(buffer);
        hasher.update(buffer);
        received += buffer.length;
        request.onBytes?.(buffer.length);
      }
    } catch (e) {
      const host = new URL(res.url).host;
      if (res.timedOut()) throw new HubNetworkError('ETIMEDOUT', `no data from ${host} for ${settings.timeoutMs / 1000} s`, host);
      if (e instanceof HubNetworkError) throw e;
      throw new HubNetworkError('ECONNRESET', `connection to ${host} closed after ${offset + received} of ${total ?? '?'} bytes`, host);
    }
    if (res.timedOut()) {
      const host = new URL(res.url).host;
      throw new HubNetworkError('ETIMEDOUT', `no data from ${host} for ${settings.timeoutMs / 1000} s`, host);
    }
    const expectedBody = res.status === 206 ? (total !== undefined ? total - offset : undefined) : contentLength;
    if (expectedBody !== undefined && received < expectedBody) {
      const host = new URL(res.url).host;
      throw new HubNetworkError('ECONNRESET', `connection to ${host} closed after ${offset + received} of ${total ?? '?'} bytes`, host);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return finish(request, res, part, hasher, resumedFrom, total, offset, false);
}

async function finish(
  request: DownloadRequest,
  res: HubResponse,
  part: string,
  hasher: ContentHasher,
  resumedFrom: number,
  total: number | undefined,
  offset: number,
  wholePartOnDisk: boolean,
): Promise<DownloadResult> {
  if (wholePartOnDisk) {
    // 416 with a complete part: hash it all (git sha1 needs the size first, which is `total`).
    request.onStart?.({ total, offset });
    await hashFileInto(part, hasher);
  }
  const actual = hasher.digest();
  const check = checkContent(actual, published(res, total));
  if (check.mismatch) {
    await removeIfThere(part);
    const error = new ContentMismatchError(check.mismatch.what, check.mismatch.expected, check.mismatch.actual);
    error.resumed = resumedFrom > 0;
    throw error;
  }
  await rename(part, request.dest);
  return {
    size: actual.size,
    sha256: actual.sha256,
    verified: check.verified,
    etag: normalizeEtag(res.meta.linkedEtag ?? res.meta.etag),
    commit: res.meta.commit,
    resumedFrom,
  };
}
