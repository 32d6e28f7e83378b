/**
 * `startLocalEndpoint()`: S3, SQS and DynamoDB for development behind one loopback URL, like
 * LocalStack's port 4566. fauxqs serves S3 and SQS, dynalite serves DynamoDB, a front proxy
 * picks one per request (DynamoDB requests carry `X-Amz-Target: DynamoDB_20120810.*`), and a
 * shim adds S3 → SQS event notifications.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';
import { type Backend, startDynaliteBackend, startFauxqsBackend } from './backends.js';
import { lockDataDir } from './data-dir-lock.js';
import { createFrontProxy } from './front-proxy.js';
import { NotificationStore } from './notification-store.js';
import { classifyS3Request, isDynamoDbRequest } from './s3-request.js';
import { type LocalLogger, S3NotificationShim } from './s3-notifications.js';

export type { LocalLogger } from './s3-notifications.js';

export const DEFAULT_LOCAL_PORT = 4566;

export interface LocalEndpointOptions {
  /** default 4566; 0 picks a free port */
  port?: number;
  /** default 127.0.0.1; keep it on loopback (there is no authentication) */
  host?: string;
  /** keeps DynamoDB tables and bucket notification configurations here between runs */
  dataDir?: string;
  /** region of ARNs and events when a request does not name one (default us-east-1) */
  region?: string;
  logger?: LocalLogger;
}

export interface LocalEndpoint {
  /** e.g. http://127.0.0.1:4566: give it to AWS_ENDPOINT_URL */
  url: string;
  port: number;
  /** stops accepting, ends open connections (long polls too), flushes DynamoDB; idempotent */
  close(): Promise<void>;
}

const SILENT: LocalLogger = { info() {}, warn() {} };

export async function startLocalEndpoint(options: LocalEndpointOptions = {}): Promise<LocalEndpoint> {
  const port = options.port ?? DEFAULT_LOCAL_PORT;
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const logger = options.logger ?? SILENT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TicketProcessorError('CONFIG_INVALID', `port must be an integer from 0 to 65535 (0 = any free port), got ${port}`);
  }
  const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);

  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (e) {
        logger.warn(`while stopping: ${(e as Error).message}`);
      }
    }
  };

  try {
    if (dataDir) {
      const unlock = lockDataDir(dataDir);
      cleanups.push(unlock);
    }
    const store = new NotificationStore(dataDir);
    const fauxqs: Backend = await startFauxqsBackend(region);
    cleanups.push(() => fauxqs.close());
    const dynamo: Backend = await startDynaliteBackend(dataDir && path.join(dataDir, 'dynamodb'));
    cleanups.push(() => dynamo.close());
    const shim = new S3NotificationShim(fauxqs.port, store, region, logger);
    cleanups.push(() => shim.close());

    const { server, agent } = createFrontProxy({
      route(req) {
        if (isDynamoDbRequest(req)) return { port: dynamo.port };
        const op = classifyS3Request(req);
        if (op.kind === 'put-notification') return { port: fauxqs.port, answer: (q, s) => shim.putConfiguration(q, s, op.bucket) };
        if (op.kind === 'get-notification') return { port: fauxqs.port, answer: (_q, s) => shim.getConfiguration(s, op.bucket) };
        const observe = shim.observerFor(req, op);
        return observe ? { port: fauxqs.port, observe } : { port: fauxqs.port };
      },
      onError(e, req) {
        logger.warn(`${req.method} ${req.url}: ${e.message}`);
      },
    });
    cleanups.push(() => agent.destroy());

    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') {
          reject(new TicketProcessorError('CONFIG_INVALID', `port ${port} on ${host} is in use (LocalStack or another \`ticket-processor local\`?): stop it, or pass --port with another port (0 = any free port).`, { cause: e }));
        } else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') {
          reject(new TicketProcessorError('CONFIG_INVALID', `cannot listen on ${host}: ${e.message}. Use a local address such as 127.0.0.1.`, { cause: e }));
        } else reject(e);
      });
      server.listen(port, host, () => resolve());
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );

    const actualPort = (server.address() as AddressInfo).port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      port: actualPort,
      close: () => (closing ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
