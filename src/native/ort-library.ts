import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';

const require = createRequire(import.meta.url);

const LIBRARY_NAMES: Record<string, string[]> = {
  linux: ['libonnxruntime.so.1', 'libonnxruntime.so'],
  darwin: ['libonnxruntime.1.dylib', 'libonnxruntime.dylib'],
  win32: ['onnxruntime.dll'],
};

/**
 * The ONNX Runtime shared library the addon will dlopen:
 * ORT_LIBRARY_PATH (a file, or a folder holding the library: Nix, system installs) wins;
 * otherwise the CPU library that the onnxruntime-node npm package ships.
 */
export function resolveOrtLibrary(env: NodeJS.ProcessEnv = process.env): string {
  const names = LIBRARY_NAMES[process.platform] ?? LIBRARY_NAMES.linux!;
  const override = env.ORT_LIBRARY_PATH;
  if (override) {
    const candidate = path.resolve(override);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) {
      for (const name of names) if (existsSync(path.join(candidate, name))) return path.join(candidate, name);
      throw new TicketProcessorError('NATIVE_LOAD_FAILED', `ORT_LIBRARY_PATH=${override} is a folder without ${names.join(' or ')}`);
    }
    if (!existsSync(candidate)) throw new TicketProcessorError('NATIVE_LOAD_FAILED', `ORT_LIBRARY_PATH=${override} does not exist`);
    return candidate;
  }

  const tried: string[] = [];
  let packageDir: string | undefined;
  try {
    packageDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    tried.push('the onnxruntime-node package (not installed)');
  }
  if (packageDir) {
    const binDir = path.join(packageDir, 'bin');
    const napiDirs = existsSync(binDir) ? readdirSync(binDir).filter((d) => d.startsWith('napi-v')).sort().reverse() : [];
    for (const napi of napiDirs) {
      const dir = path.join(binDir, napi, process.platform, process.arch);
      for (const name of names) {
        const file = path.join(dir, name);
        if (existsSync(file)) return file;
        tried.push(file);
      }
    }
    if (napiDirs.length === 0) tried.push(`${binDir}/napi-v*/${process.platform}/${process.arch}`);
  }
  throw new TicketProcessorError(
    'NATIVE_LOAD_FAILED',
    `ONNX Runtime's shared library was not found. Tried:\n${tried.map((t) => `  - ${t}`).join('\n')}\n` +
      'Install onnxruntime-node (npm install onnxruntime-node) or set ORT_LIBRARY_PATH to libonnxruntime.so (1.21 or newer).',
  );
}
