import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Physical cores this process may use: ONNX Runtime's intra-op pool gains nothing from
 * hyper-threads (they share the core's vector units) and loses to oversubscription.
 * Linux: distinct (physical id, core id) pairs of /proc/cpuinfo, capped by the CPUs this
 * process may run on. Elsewhere: os.availableParallelism().
 */
export function physicalCores(): number {
  const usable = os.availableParallelism();
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const cores = new Set<string>();
    for (const block of info.split(/\n\s*\n/)) {
      const pkg = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
      const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
      if (pkg !== undefined && core !== undefined) cores.add(`${pkg}:${core}`);
    }
    if (cores.size > 0) return Math.max(1, Math.min(cores.size, usable));
  } catch {
    // not Linux, or /proc is not mounted
  }
  return Math.max(1, usable);
}
