/**
 * The public port: a plain node:http reverse proxy that sends each request to one loopback
 * backend, streaming bodies both ways. A route may instead answer a request itself, or look at
 * the backend's response before the client gets it (the notification shim does both).
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** the whole body; only collected when `observe` asks for it (small S3 responses) */
  body: Buffer;
}

export interface Route {
  /** the loopback port of the backend */
  port: number;
  /** answers the request itself (the request body is not forwarded) */
  answer?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /**
   * Runs after the backend answered and before the client sees the answer; the client waits
   * for it, so its effects (a queued S3 event) are visible once the client's call returns.
   */
  observe?: (response: UpstreamResponse) => Promise<void>;
}

export interface FrontProxyOptions {
  route(req: IncomingMessage): Route;
  onError?(error: Error, req: IncomingMessage): void;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'expect', 'te', 'trailer'];

function forwardedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  for (const h of HOP_BY_HOP) delete out[h];
  return out;
}

function fail(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}

export function createFrontProxy(options: FrontProxyOptions): { server: http.Server; agent: http.Agent } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const forward = (req: IncomingMessage, res: ServerResponse, route: Route) => {
    const upstream = http.request({ host: '127.0.0.1', port: route.port, method: req.method, path: req.url, headers: forwardedHeaders(req.headers), agent });
    upstream.on('error', (e) => {
      options.onError?.(e, req);
      fail(res, 502, `ticket-processor local: backend failed: ${e.message}`);
    });
    upstream.on('response', (up) => {
      const headers = forwardedHeaders(up.headers);
      if (!route.observe) {
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        const status = up.statusCode ?? 502;
        route
          .observe!({ status, headers: up.headers, body })
          .catch((e: Error) => options.onError?.(e, req))
          .finally(() => {
            res.writeHead(status, { ...headers, 'content-length': String(body.length) });
            res.end(body);
          });
      });
    });
    req.pipe(upstream);
    // a client that goes away (e.g. an SQS long poll cancelled) ends the backend call too
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  };

  const server = http.createServer((req, res) => {
    let route: Route;
    try {
      route = options.route(req);
    } catch (e) {
      options.onError?.(e as Error, req);
      fail(res, 500, `ticket-processor local: ${(e as Error).message}`);
      return;
    }
    if (route.answer) {
      route.answer(req, res).catch((e: Error) => {
        options.onError?.(e, req);
        fail(res, 500, `ticket-processor local: ${e.message}`);
      });
      return;
    }
    forward(req, res, route);
  });
  // S3 multipart parts and SQS long polls (20 s) must not hit Node's default request timeouts
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;
  return { server, agent };
}
