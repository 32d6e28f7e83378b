/**
 * Hashes and what the hub publishes about a file's content.
 *
 * The hub's resolve endpoint says what a file should be: for LFS files `X-Linked-Etag` is the
 * sha256 of the content; for small files kept in git (config.json, tokenizer.json) `ETag` is
 * the git blob id, sha1("blob <size>\0" + content), not a sha256. Both are checked; the sha256 of
 * every file is computed here either way and recorded in the cache manifest.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** How a file was checked against the hub: its sha256, its git blob sha1, or (no hash published) its size. */
export type VerificationMethod = 'sha256' | 'git-sha1' | 'size';

export interface PublishedContent {
  /** from X-Linked-Etag (LFS files), or an ETag that is 64 hex digits */
  sha256?: string;
  /** from ETag when it is 40 hex digits: the git blob id */
  gitSha1?: string;
  /** X-Linked-Size, Content-Length or Content-Range's total */
  size?: number;
}

/** An ETag as the hub sends it ("abc", W/"abc") without quotes and weakness, lower case. */
export function normalizeEtag(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const value = raw.trim().replace(/^W\//i, '').replace(/^"(.*)"$/, '$1').trim().toLowerCase();
  return value === '' ? undefined : value;
}

/** What an X-Linked-Etag / ETag pair tells about the content. */
export function publishedHashes(linkedEtag: string | undefined, etag: string | undefined): Pick<PublishedContent, 'sha256' | 'gitSha1'> {
  const linked = normalizeEtag(linkedEtag);
  const plain = normalizeEtag(etag);
  if (linked && /^[0-9a-f]{64}$/.test(linked)) return { sha256: linked };
  if (plain && /^[0-9a-f]{64}$/.test(plain)) return { sha256: plain };
  if (!linked && plain && /^[0-9a-f]{40}$/.test(plain)) return { gitSha1: plain };
  return {};
}

/** sha256 of a stream of chunks, and its git blob sha1 when the total size is known up front. */
export class ContentHasher {
  readonly #sha256: Hash = createHash('sha256');
  readonly #gitSha1: Hash | undefined;
  bytes = 0;

  constructor(gitBlobSize?: number) {
    if (gitBlobSize !== undefined) {
      this.#gitSha1 = createHash('sha1');
      this.#gitSha1.update(`blob ${gitBlobSize}\0`);
    }
  }

  update(chunk: Buffer): void {
    this.#sha256.update(chunk);
    this.#gitSha1?.update(chunk);
    this.bytes += chunk.length;
  }

  digest(): { size: number; sha256: string; gitSha1: string | undefined } {
    return { size: this.bytes, sha256: this.#sha256.digest('hex'), gitSha1: this.#gitSha1?.digest('hex') };
  }
}

/** Feeds the first `length` bytes of a file (all of it when undefined) to a hasher. */
export async function hashFileInto(file: string, hasher: ContentHasher, length?: number): Promise<void> {
  if (length === 0) return;
  const stream = createReadStream(file, length === undefined ? {} : { start: 0, end: length - 1 });
  for await (const chunk of stream) hasher.update(chunk as Buffer);
}

export async function sha256File(file: string): Promise<{ size: number; sha256: string }> {
  const hasher = new ContentHasher();
  await hashFileInto(file, hasher);
  const { size, sha256 } = hasher.digest();
  return { size, sha256 };
}

export interface ContentCheck {
  verified: VerificationMethod;
  /** set when the content does not match what the hub published */
  mismatch?: { what: 'size' | 'sha256' | 'git sha1'; expected: string; actual: string };
}

/** Compares downloaded content with what the hub published: size, then sha256 or git sha1. */
export function checkContent(actual: { size: number; sha256: string; gitSha1: string | undefined }, published: PublishedContent): ContentCheck {
  const verified: VerificationMethod = published.sha256 ? 'sha256' : published.gitSha1 ? 'git-sha1' : 'size';
  if (published.size !== undefined && actual.size !== published.size) {
    return { verified, mismatch: { what: 'size', expected: `${published.size} bytes`, actual: `${actual.size} bytes` } };
  }
  if (published.sha256 && actual.sha256 !== published.sha256) {
    return { verified, mismatch: { what: 'sha256', expected: published.sha256, actual: actual.sha256 } };
  }
  if (!published.sha256 && published.gitSha1 && actual.gitSha1 !== published.gitSha1) {
    return { verified, mismatch: { what: 'git sha1', expected: published.gitSha1, actual: actual.gitSha1 ?? '(size unknown)' } };
  }
  return { verified };
}
