/**
 * One endpoint per data folder: LevelDB allows a single process, and two endpoints writing one
 * notification file would lose each other's changes. The lock is a file holding the owner's
 * pid; a lock whose process is gone is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';

const LOCK_FILE = 'ticket-processor-local.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `dir` if needed and locks it; returns the unlock function. */
export function lockDataDir(dir: string): () => void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new TicketProcessorError('CONFIG_INVALID', `cannot create the data folder ${dir}: ${(e as Error).message}. Pass a writable folder to --data.`, { cause: e });
  }
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TicketProcessorError('CONFIG_INVALID', `cannot lock the data folder ${dir}: ${(e as Error).message}. Pass a writable folder to --data.`, { cause: e });
      }
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new TicketProcessorError('CONFIG_INVALID', `the data folder ${dir} is in use by another \`ticket-processor local\` (pid ${owner}): stop it, or pass another folder to --data.`);
      }
      if (owner === process.pid) {
        throw new TicketProcessorError('CONFIG_INVALID', `the data folder ${dir} is in use by another endpoint in this process: close that one first, or pass another folder.`);
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new TicketProcessorError('CONFIG_INVALID', `cannot lock the data folder ${dir}: another process keeps taking it.`);
}
