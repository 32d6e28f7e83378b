/**
 * The hub's resolve endpoint over plain node:http(s): URL building, settings from the
 * environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_DOWNLOAD_TIMEOUT, HF_HUB_OFFLINE /
 * TICKET_PROCESSOR_OFFLINE), redirects, what the hub says about a file, and which failures are
 * worth another try.
 *
 * Redirects are followed here rather than by the HTTP library because the hub answers an LFS
 * file with a redirect to a CDN host, and the headers that describe the file (X-Repo-Commit,
 * X-Linked-Etag, X-Linked-Size) are on that redirect, not on the CDN's answer. The token is sent
 * only to the hub's own origin, never to the CDN or any other host.
 */
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';

import { TicketProcessorError } from '../../errors.js';
import { PACKAGE_VERSION } from '../../package-info.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface HubSettings {
  /** HF_ENDPOINT, without a trailing slash */
  endpoint: string;
  /** HF_TOKEN: sent as `Authorization: Bearer` to the endpoint's origin only */
  token: string | undefined;
  /** a request with no data for this long fails (and is retried): HF_HUB_DOWNLOAD_TIMEOUT seconds, default 10 */
  timeoutMs: number;
  /** further attempts after a transient failure (5xx, 429, connection reset, timeout) */
  retries: number;
  /** wait before the first retry; doubles each time (with jitter), at most 30 s */
  retryDelayMs: number;
  /** files of one model downloaded in parallel */
  concurrency: number;
}

const TRUE_VALUES = new Set(['1', 'true', 'yes', 'on']);

/** Why downloads are off ("HF_HUB_OFFLINE=1"), or undefined when they are allowed. */
export function offlineReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ['HF_HUB_OFFLINE', 'TICKET_PROCESSOR_OFFLINE']) {
    const value = env[name];
    if (value !== undefined && TRUE_VALUES.has(value.trim().toLowerCase())) return `${name}=${value}`;
  }
  return undefined;
}

export function hubSettings(overrides: Partial<HubSettings> = {}, env: NodeJS.ProcessEnv = process.env): HubSettings {
  const rawEndpoint = overrides.endpoint ?? (env.HF_ENDPOINT?.trim() || DEFAULT_ENDPOINT);
  let endpoint: URL;
  try {
    endpoint = new URL(rawEndpoint);
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new TicketProcessorError('CONFIG_INVALID', `HF_ENDPOINT must be an http(s) URL such as ${DEFAULT_ENDPOINT}, got "${rawEndpoint}"`);
  }
  let timeoutMs = overrides.timeoutMs;
  if (timeoutMs === undefined) {
    const raw = env.HF_HUB_DOWNLOAD_TIMEOUT?.trim();
    const seconds = raw ? Number(raw) : 10;
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new TicketProcessorError('CONFIG_INVALID', `HF_HUB_DOWNLOAD_TIMEOUT must be a number of seconds above 0, got "${raw}"`);
    }
    timeoutMs = seconds * 1000;
  }
  const token = overrides.token ?? (env.HF_TOKEN?.trim() || undefined);
  return {
    endpoint: endpoint.href.replace(/\/+$/, ''),
    token,
    timeoutMs,
    retries: overrides.retries ?? 4,
    retryDelayMs: overrides.retryDelayMs ?? 1000,
    concurrency: overrides.concurrency ?? 4,
  };
}

/** `{endpoint}/{id}/resolve/{revision}/{file}` */
export function resolveUrl(endpoint: string, id: string, revision: string, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${id}/resolve/${encodeURIComponent(revision)}/${path}`;
}

/** What the hub said about a file, from its own responses (never from the CDN's). */
export interface HubFileMeta {
  /** X-Repo-Commit: the commit the revision resolved to */
  commit?: string;
  /** X-Linked-Etag: sha256 of an LFS file */
  linkedEtag?: string;
  /** X-Linked-Size: size of an LFS file */
  linkedSize?: number;
  /** ETag of the hub's own response: the git blob sha1 for a file kept in git */
  etag?: string;
  /** X-Error-Code / X-Error-Message on an error (RepoNotFound, GatedRepo, EntryNotFound, RevisionNotFound) */
  errorCode?: string;
  errorMessage?: string;
}

export interface HubResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** the URL that answered (after redirects) */
  url: string;
  meta: HubFileMeta;
  /** true once the request was ended for lack of data (timeoutMs) */
  timedOut(): boolean;
  /** drops the connection (e.g. on an error while writing) */
  abort(): void;
}

/** An HTTP error status from the hub or the CDN. */
export class HubHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly meta: HubFileMeta,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}${meta.errorCode ? ` (${meta.errorCode})` : ''} from ${new URL(url).host}`);
  }
}

/** A failure below HTTP: no connection, a reset, a timeout, a body cut short. */
export class HubNetworkError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly host: string,
  ) {
    super(message);
  }
}

/** The host is not there at all: not retried (a first use without network fails at once). */
// (EAI_AGAIN too: it is what a machine without DNS answers, and retrying it would only delay the error.)
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL']);
const TRANSIENT = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE', 'EPROTO']);

export function isUnreachable(e: unknown): boolean {
  return e instanceof HubNetworkError && UNREACHABLE.has(e.code);
}

/** Worth another try: 5xx, 408, 429, and connection resets, timeouts, cut bodies. */
export function isTransient(e: unknown): boolean {
  if (e instanceof HubHttpError) return e.status >= 500 || e.status === 408 || e.status === 429;
  if (e instanceof HubNetworkError) return TRANSIENT.has(e.code);
  return false;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function retryAfterMs(headers: IncomingHttpHeaders): number | undefined {
  const raw = headerValue(headers, 'retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function networkError(e: unknown, url: URL, timedOut: boolean, timeoutMs: number): HubNetworkError {
  if (e instanceof HubNetworkError) return e;
  if (timedOut) return new HubNetworkError('ETIMEDOUT', `no data from ${url.host} for ${timeoutMs / 1000} s`, url.host);
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? 'ECONNRESET';
  const message = code === 'ENOTFOUND' ? `getaddrinfo ENOTFOUND ${url.hostname}` : err.message || code;
  return new HubNetworkError(code, message, url.host);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function requestOnce(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<{ res: IncomingMessage; req: ClientRequest; timedOut: () => boolean }> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const req = mod.request(url, { method: 'GET', headers, timeout: timeoutMs });
    req.on('timeout', () => {
      timedOut = true;
      req.destroy(new HubNetworkError('ETIMEDOUT', `no data from ${url.host} for ${timeoutMs / 1000} s`, url.host));
    });
    req.on('error', (e) => reject(networkError(e, url, timedOut, timeoutMs)));
    req.on('response', (res) => resolve({ res, req, timedOut: () => timedOut }));
    req.end();
  });
}

/**
 * GET a URL, following redirects (relative ones on the hub, absolute ones to a CDN). The
 * Authorization header goes only to the endpoint's origin. Error statuses are returned, not
 * thrown: the caller decides (a 404 for an optional file is not an error).
 */
export async function hubGet(url: string, settings: HubSettings, extraHeaders: Record<string, string> = {}): Promise<HubResponse> {
  const hubOrigin = new URL(settings.endpoint).origin;
  let current = new URL(url);
  const meta: HubFileMeta = {};
  for (let hop = 0; hop <= 10; hop++) {
    const headers: Record<string, string> = {
      'user-agent': `ticket-processor/${PACKAGE_VERSION}; node/${process.versions.node}`,
      'accept-encoding': 'identity',
      ...extraHeaders,
    };
    if (settings.token && current.origin === hubOrigin) headers.authorization = `Bearer ${settings.token}`;
    const { res, req, timedOut } = await requestOnce(current, headers, settings.timeoutMs);
    const status = res.statusCode ?? 0;
    if (current.origin === hubOrigin) {
      const h = res.headers;
      meta.commit = headerValue(h, 'x-repo-commit') ?? meta.commit;
      meta.linkedEtag = headerValue(h, 'x-linked-etag') ?? meta.linkedEtag;
      const linkedSize = Number(headerValue(h, 'x-linked-size'));
      if (Number.isSafeInteger(linkedSize) && linkedSize >= 0 && headerValue(h, 'x-linked-size') !== undefined) meta.linkedSize = linkedSize;
      meta.etag = headerValue(h, 'etag') ?? meta.etag;
      meta.errorCode = headerValue(h, 'x-error-code') ?? meta.errorCode;
      meta.errorMessage = headerValue(h, 'x-error-message') ?? meta.errorMessage;
    }
    const location = headerValue(res.headers, 'location');
    if (REDIRECTS.has(status) && location) {
      res.resume();
      current = new URL(location, current);
      continue;
    }
    return {
      status,
      headers: res.headers,
      body: res,
      url: current.href,
      meta,
      timedOut,
      abort: () => req.destroy(),
    };
  }
  throw new HubNetworkError('ETOOMANYREDIRECTS', `more than 10 redirects from ${url}`, current.host);
}

/** The HubHttpError for a response with an error status (its body is drained). */
export function httpError(res: HubResponse): HubHttpError {
  res.body.resume();
  return new HubHttpError(res.status, res.url, res.meta, retryAfterMs(res.headers));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` until it succeeds, a failure is not transient, or the retries are used up. The
 * wait doubles from retryDelayMs (±25% jitter, at most 30 s; a 429/503 Retry-After wins).
 */
export async function withRetries<T>(
  work: (attempt: number) => Promise<T>,
  settings: Pick<HubSettings, 'retries' | 'retryDelayMs'>,
  onRetry?: (error: Error, attempt: number, attempts: number, delayMs: number) => void,
): Promise<T> {
  const attempts = settings.retries + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (e) {
      if (!isTransient(e) || attempt >= attempts) throw e;
      const backoff = Math.min(30_000, settings.retryDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
      const delay = e instanceof HubHttpError && e.retryAfterMs !== undefined ? Math.min(60_000, e.retryAfterMs) : backoff;
      onRetry?.(e as Error, attempt, attempts, delay);
      await sleep(delay);
    }
  }
}
