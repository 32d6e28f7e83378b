// An HTTP proxy in front of the local AWS endpoint that fails chosen requests with a 500, for the
// worker's write-failure tests and the chaos run. Requests are read whole (they are small JSON
// or ticket bodies) so a rule can look at the body.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** X-Amz-Target (DynamoDB, SQS JSON protocol) or '' */
  target: string;
  body: string;
}

export interface FaultProxy {
  url: string;
  /** requests failed so far */
  failed: number;
  /** return true to answer this request with a 500 instead of forwarding it */
  shouldFail: (req: ProxiedRequest) => boolean;
  /** milliseconds to hold this request before forwarding it (a slow backend) */
  delayMs: (req: ProxiedRequest) => number;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const proxy: FaultProxy = { url: '', failed: 0, shouldFail: () => false, delayMs: () => 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const info: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', target: String(req.headers['x-amz-target'] ?? ''), body: body.toString('utf8') };
      if (proxy.shouldFail(info)) {
        proxy.failed++;
        const json = info.target !== '';
        res.writeHead(500, { 'content-type': json ? 'application/x-amz-json-1.0' : 'application/xml', connection: 'close' });
        res.end(json ? '{"__type":"InternalServerError","message":"injected failure"}' : '<Error><Code>InternalError</Code><Message>injected failure</Message></Error>');
        return;
      }
      const forward = () => {
      const upstreamReq = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstreamReq.on('error', (e) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
      upstreamReq.end(body);
      };
      const delay = proxy.delayMs(info);
      if (delay > 0) setTimeout(forward, delay);
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      agent.destroy();
    });
  return proxy;
}
