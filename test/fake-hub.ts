// A local imitation of the Hugging Face hub's resolve endpoint, for test/18-models-hub.test.ts:
// /{org}/{name}/resolve/{revision}/{file}. Files kept in git (json) are answered directly with
// their git blob sha1 as ETag (tokenizer.json through a relative redirect to /api/resolve-cache,
// as the hub does); LFS files (*.onnx) are answered with a 302 to a "CDN" server on another port,
// carrying X-Linked-Etag (sha256) and X-Linked-Size. Every answer carries X-Repo-Commit. Gated
// repositories answer 401 without the right token. Faults (cut connections, wrong bodies, slow
// answers, error statuses, servers that ignore Range) are injected per file.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface FakeRepo {
  /** a folder in the Hugging Face layout whose files the hub serves */
  dir?: string;
  /** more files (or replacements), by path */
  files?: Record<string, Buffer>;
  /** files of `dir` not to serve */
  exclude?: string[];
  commit?: string;
  /** 401 (GatedRepo) unless `Authorization: Bearer <token>` */
  gated?: boolean;
}

export interface Fault {
  /** send this many body bytes, then cut the connection */
  cutAfter?: number;
  /** send this many body bytes, then nothing (the client must time out) */
  stallAfter?: number;
  /** flip one byte of the body */
  corrupt?: boolean;
  /** wait this long before answering */
  delayMs?: number;
  /** answer with this status instead */
  status?: number;
  /** answer 200 with the whole file even when asked for a Range */
  ignoreRange?: boolean;
  /** send the body slowly: this many bytes per 50 ms */
  throttle?: number;
  /** requests it applies to (default 1) */
  times?: number;
}

export interface SeenRequest {
  server: 'hub' | 'cdn';
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

interface Served {
  body: Buffer;
  sha256: string;
  gitSha1: string;
  lfs: boolean;
}

function filesOf(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(path.join(dir, name)).isDirectory()) out.push(...filesOf(path.join(dir, name), rel));
    else out.push(rel);
  }
  return out;
}

export const sha256Of = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const gitSha1Of = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

export class FakeHub {
  readonly token = 'hf_test_token_123';
  readonly requests: SeenRequest[] = [];
  readonly connections = { hub: 0, cdn: 0 };
  readonly #repos = new Map<string, { commit: string; gated: boolean; files: Map<string, Served> }>();
  readonly #faults = new Map<string, Fault[]>();
  readonly #hub = http.createServer((req, res) => void this.#onHub(req, res));
  readonly #cdn = http.createServer((req, res) => void this.#onCdn(req, res));
  readonly #sockets = new Set<import('node:net').Socket>();
  hubUrl = '';
  cdnUrl = '';

  constructor(repos: Record<string, FakeRepo>) {
    let n = 0;
    for (const [id, repo] of Object.entries(repos)) {
      const files = new Map<string, Served>();
      const add = (rel: string, body: Buffer) => files.set(rel, { body, sha256: sha256Of(body), gitSha1: gitSha1Of(body), lfs: rel.endsWith('.onnx') });
      if (repo.dir) for (const rel of filesOf(repo.dir)) if (rel !== 'fixture-manifest.json' && !repo.exclude?.includes(rel)) add(rel, readFileSync(path.join(repo.dir, rel)));
      for (const [rel, body] of Object.entries(repo.files ?? {})) add(rel, body);
      const commit = repo.commit ?? createHash('sha1').update(`${id}:${n++}`).digest('hex');
      this.#repos.set(id, { commit, gated: repo.gated ?? false, files });
    }
    for (const server of [this.#hub, this.#cdn]) {
      server.on('connection', (socket) => {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        if (server === this.#hub) this.connections.hub++;
        else this.connections.cdn++;
      });
    }
  }

  async start(): Promise<this> {
    const listen = (s: http.Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
    this.hubUrl = `http://127.0.0.1:${await listen(this.#hub)}`;
    this.cdnUrl = `http://127.0.0.1:${await listen(this.#cdn)}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all([this.#hub, this.#cdn].map((s) => new Promise((resolve) => s.close(resolve))));
  }

  commitOf(id: string): string {
    return this.#repos.get(id)!.commit;
  }

  file(id: string, rel: string): Served {
    return this.#repos.get(id)!.files.get(rel)!;
  }

  /** Faults for `<id>/<file>`, applied to the requests that serve its bytes, in order. */
  fault(name: string, ...faults: Fault[]): void {
    this.#faults.set(name, [...(this.#faults.get(name) ?? []), ...faults]);
  }

  /** Requests for a file's bytes (the CDN for LFS files, the hub for the others). */
  downloads(id: string, rel: string): SeenRequest[] {
    const f = this.file(id, rel);
    if (f.lfs) return this.requests.filter((r) => r.server === 'cdn' && r.path.startsWith(`/blobs/${f.sha256}`));
    const via = rel === 'tokenizer.json' ? `/api/resolve-cache/models/${id}/` : `/${id}/resolve/`;
    return this.requests.filter((r) => r.server === 'hub' && r.path.startsWith(via) && r.path.endsWith(`/${rel}`));
  }

  resetLog(): void {
    this.requests.length = 0;
    this.connections.hub = 0;
    this.connections.cdn = 0;
  }

  #takeFault(name: string): Fault | undefined {
    const list = this.#faults.get(name);
    if (!list || list.length === 0) return undefined;
    const fault = list[0]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) list.shift();
    return fault;
  }

  #seen(server: 'hub' | 'cdn', req: http.IncomingMessage): void {
    this.requests.push({ server, path: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization });
  }

  async #onHub(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.#seen('hub', req);
    const url = new URL(req.url ?? '/', 'http://hub');
    const cached = /^\/api\/resolve-cache\/models\/([^/]+\/[^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const m = cached ?? resolve;
    if (!m) return void res.writeHead(404).end('not found');
    const [, id, revisionRaw, fileRaw] = m as unknown as [string, string, string, string];
    const revision = decodeURIComponent(revisionRaw);
    const rel = fileRaw.split('/').map(decodeURIComponent).join('/');
    const repo = this.#repos.get(id);
    if (!repo) {
      return void res.writeHead(401, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' }).end('Repository not found');
    }
    if (repo.gated && req.headers.authorization !== `Bearer ${this.token}`) {
      return void res
        .writeHead(401, { 'x-error-code': 'GatedRepo', 'x-error-message': `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.` })
        .end('gated');
    }
    if (revision !== 'main' && revision !== repo.commit) {
      return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound', 'x-error-message': `Invalid rev id: ${revision}` }).end('no such revision');
    }
    const common = { 'x-repo-commit': repo.commit };
    const served = repo.files.get(rel);
    if (!served) return void res.writeHead(404, { ...common, 'x-error-code': 'EntryNotFound', 'x-error-message': 'Entry not found' }).end('Entry not found');
    const name = `${id}/${rel}`;
    const early = this.#faults.get(name)?.[0];
    if (early?.status !== undefined) {
      this.#takeFault(name);
      return void res.writeHead(early.status, common).end(`status ${early.status}`);
    }
    if (served.lfs) {
      return void res
        .writeHead(302, {
          ...common,
          location: `${this.cdnUrl}/blobs/${served.sha256}?file=${encodeURIComponent(rel)}`,
          'x-linked-etag': `"${served.sha256}"`,
          'x-linked-size': String(served.body.length),
          etag: `"${served.sha256}"`,
        })
        .end();
    }
    if (!cached && rel === 'tokenizer.json') {
      // The hub answers some small files with a relative redirect to its resolve cache.
      return void res.writeHead(307, { ...common, location: `/api/resolve-cache/models/${id}/${repo.commit}/${fileRaw}` }).end();
    }
    await this.#sendBody(req, res, served, name, { ...common, etag: `"${served.gitSha1}"` });
  }

  async #onCdn(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.#seen('cdn', req);
    const m = /^\/blobs\/([0-9a-f]{64})\?file=(.+)$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    for (const [id, repo] of this.#repos) {
      for (const [rel, served] of repo.files) {
        if (served.sha256 === m[1] && rel === decodeURIComponent(m[2]!)) return this.#sendBody(req, res, served, `${id}/${rel}`, { etag: '"cdn-etag-not-a-hash"' });
      }
    }
    res.writeHead(404).end();
  }

  async #sendBody(req: http.IncomingMessage, res: http.ServerResponse, served: Served, name: string, headers: Record<string, string>): Promise<void> {
    const fault = this.#takeFault(name) ?? {};
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.status !== undefined) return void res.writeHead(fault.status, headers).end();
    let body = served.body;
    if (fault.corrupt) {
      body = Buffer.from(body);
      body[Math.floor(body.length / 2)]! ^= 0xff;
    }
    const size = body.length;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    let status = 200;
    const out: Record<string, string> = { ...headers, 'accept-ranges': 'bytes' };
    if (range && !fault.ignoreRange) {
      start = Number(range[1]);
      if (start >= size) return void res.writeHead(416, { ...out, 'content-range': `bytes */${size}` }).end();
      status = 206;
      out['content-range'] = `bytes ${start}-${size - 1}/${size}`;
    }
    out['content-length'] = String(size - start);
    res.writeHead(status, out);
    const rest = body.subarray(start);
    if (fault.cutAfter !== undefined) {
      return void res.write(rest.subarray(0, fault.cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
    }
    if (fault.stallAfter !== undefined) return void res.write(rest.subarray(0, fault.stallAfter));
    if (fault.throttle) {
      for (let i = 0; i < rest.length; i += fault.throttle) {
        if (res.destroyed) return;
        res.write(rest.subarray(i, i + fault.throttle));
        await new Promise((r) => setTimeout(r, 50));
      }
      return void res.end();
    }
    res.end(rest);
  }
}
