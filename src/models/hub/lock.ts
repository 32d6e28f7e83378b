/**
 * One writer per model folder, across processes: a lock file created with O_EXCL holding the
 * owner's pid, host and start time. The owner touches it every few seconds; it is stale when its
 * pid is dead (same host) or it has not been touched for `staleMs`, and a waiter then breaks it.
 * Others wait, then see the files the owner verified.
 */
import { unlinkSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { TicketProcessorError } from '../../errors.js';

export const LOCK_FILE = '.ticket-processor.lock';

export interface LockHolder {
  pid: number;
  hostname: string;
  created_at: string;
  nonce: string;
}

export interface LockOptions {
  /** a lock not touched for this long is stale (the owner touches it every staleMs / 6) */
  staleMs: number;
  /** how often a waiter looks again */
  pollMs: number;
  /** give up waiting after this long */
  maxWaitMs: number;
  /** called once when the lock is held by someone else and we start waiting */
  onWait?: (holder: LockHolder | undefined, lockPath: string) => void;
}

const DEFAULTS: LockOptions = { staleMs: 60_000, pollMs: 200, maxWaitMs: 60 * 60_000 };

export interface Lock {
  path: string;
  release(): Promise<void>;
}

const held = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const file of held) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(file: string): Promise<{ holder: LockHolder | undefined; text: string; mtimeMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let holder: LockHolder | undefined;
    try {
      holder = JSON.parse(text) as LockHolder;
    } catch {
      holder = undefined; // being written, or garbage: judged by age alone
    }
    return { holder, text, mtimeMs: info.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function isStale(found: { holder: LockHolder | undefined; mtimeMs: number }, staleMs: number): boolean {
  const { holder } = found;
  if (holder && typeof holder.pid === 'number' && holder.hostname === os.hostname() && !pidAlive(holder.pid)) return true;
  return Date.now() - found.mtimeMs > staleMs;
}

/** Removes a stale lock unless it changed since it was judged (another waiter broke it and took it). */
async function breakStale(file: string, judged: string): Promise<void> {
  const grave = `${file}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await rename(file, grave);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = await readFile(grave, 'utf8').catch(() => judged);
  if (moved !== judged) {
    // We moved a live lock that replaced the stale one meanwhile: put it back.
    await link(grave, file).catch(() => undefined);
  }
  await unlink(grave).catch(() => undefined);
}

async function create(file: string, staleMs: number): Promise<Lock | undefined> {
  const holder: LockHolder = { pid: process.pid, hostname: os.hostname(), created_at: new Date().toISOString(), nonce: Math.random().toString(36).slice(2) };
  const text = JSON.stringify(holder);
  // Written aside, then linked into place (link fails if the lock exists): a waiter never reads
  // a lock file that exists but does not yet name its holder.
  const draft = `${file}.${process.pid}.${holder.nonce}`;
  const writeDraft = async () => {
    const handle = await open(draft, 'wx');
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  };
  try {
    await writeDraft().catch(async (e: NodeJS.ErrnoException) => {
      // The folder was removed meanwhile (a failed pull cleans up after itself): make it again.
      if (e.code !== 'ENOENT') throw e;
      await mkdir(path.dirname(file), { recursive: true });
      await writeDraft();
    });
    await link(draft, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw new TicketProcessorError('MODEL_NOT_FOUND', `cannot create ${file}: ${(e as Error).message} (is the model cache writable?)`, { cause: e });
  } finally {
    await unlink(draft).catch(() => undefined);
  }
  held.add(file);
  installExitHook();
  return lockFor(file, text, staleMs);
}

function lockFor(file: string, text: string, staleMs: number): Lock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => undefined);
  }, Math.max(50, Math.floor(staleMs / 6)));
  heartbeat.unref();
  let released = false;
  return {
    path: file,
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      held.delete(file);
      // Remove it only if it is still ours.
      const current = await readFile(file, 'utf8').catch(() => undefined);
      if (current === text) await unlink(file).catch(() => undefined);
    },
  };
}

/** Takes the lock of a model folder if it is free (or stale); undefined if someone holds it. */
export async function tryLock(dir: string, options: Partial<LockOptions> = {}): Promise<Lock | undefined> {
  const opts = { ...DEFAULTS, ...options };
  const file = path.join(dir, LOCK_FILE);
  const lock = await create(file, opts.staleMs);
  if (lock) return lock;
  const found = await readHolder(file);
  if (!found) return create(file, opts.staleMs);
  if (isStale(found, opts.staleMs)) {
    await breakStale(file, found.text);
    return create(file, opts.staleMs);
  }
  return undefined;
}

/** Waits for the lock of a model folder (the folder must exist). */
export async function acquireLock(dir: string, options: Partial<LockOptions> = {}): Promise<Lock> {
  const opts = { ...DEFAULTS, ...options };
  const file = path.join(dir, LOCK_FILE);
  const started = Date.now();
  let told = false;
  for (;;) {
    const lock = await tryLock(dir, opts);
    if (lock) return lock;
    const found = await readHolder(file);
    if (!told) {
      told = true;
      opts.onWait?.(found?.holder, file);
    }
    if (Date.now() - started > opts.maxWaitMs) {
      const who = found?.holder ? `process ${found.holder.pid} on ${found.holder.hostname}` : 'another process';
      throw new TicketProcessorError(
        'MODEL_NOT_FOUND',
        `${who} has held ${file} for more than ${Math.round(opts.maxWaitMs / 1000)} s; if no ticket-processor is downloading into ${dir}, delete that file`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs));
  }
}
