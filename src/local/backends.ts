/**
 * The two emulators behind the front proxy, each on its own ephemeral loopback port: fauxqs
 * (S3 + SQS, in memory) and dynalite (DynamoDB, in memory or LevelDB in a folder).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';

export interface Backend {
  /** the loopback port it listens on */
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/**
 * fauxqs's Fastify app, listening on loopback only (its `startFauxqs()` binds 0.0.0.0, which a
 * development endpoint has no reason to do). Queue URLs take the port from the request's Host
 * header, which the front proxy passes through, so they name the public port.
 */
export async function startFauxqsBackend(region: string): Promise<Backend> {
  const app = buildApp({ logger: false, defaultRegion: region });
  await app.listen({ port: 0, host: LOOPBACK });
  const port = (app.server.address() as AddressInfo).port;
  return { port, close: () => app.close() };
}

/**
 * dynalite; `path` keeps tables and items in a LevelDB folder. Tables stay CREATING for a short
 * while, as on AWS, so clients that forget to wait for ACTIVE fail here too, just sooner.
 */
export async function startDynaliteBackend(path: string | undefined): Promise<Backend> {
  const server: Server = dynalite({ ...(path && { path }), createTableMs: 100, deleteTableMs: 100, updateTableMs: 100 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // dynalite's close waits for the HTTP server, then flushes and closes LevelDB
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
