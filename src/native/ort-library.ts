import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';
import { PACKAGE_ROOT } from './package-root.js';

const require = createRequire(import.meta.url);

const LIBRARY_NAMES: Record<string, string[]> = {
  linux: ['libonnxruntime.so.1', 'libonnxruntime.so'],
  darwin: ['libonnxruntime.1.dylib', 'libonnxruntime.dylib'],
  win32: ['onnxruntime.dll'],
};

/**
 * The ONNX Runtime shared library the addon will dlopen, first found of:
 * 1. ORT_LIBRARY_PATH (a file, or a folder holding the library: Nix, system installs);
 * 2. the library beside the addon that was loaded: prebuilds/<platform>-<arch>/ ships ORT's CPU
 *    library next to the addons, as sharp ships libvips, so an installed package needs nothing else;
 * 3. the CPU library inside the onnxruntime-node package (a devDependency: builds from source in
 *    this repository, and the tests' independent reference);
 * 4. the shipped prebuilds folder, for an addon built from source on a platform that has one.
 */
export function resolveOrtLibrary(env: NodeJS.ProcessEnv = process.env, addonDir?: string): string {
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
  const inFolder = (dir: string): string | undefined => {
    for (const name of names) {
      const file = path.join(dir, name);
      if (existsSync(file)) return file;
      tried.push(file);
    }
    return undefined;
  };
  if (addonDir) {
    const beside = inFolder(addonDir);
    if (beside) return beside;
  }
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
  const prebuilds = path.join(PACKAGE_ROOT, 'prebuilds', `${process.platform}-${process.arch}`);
  if (prebuilds !== addonDir) {
    const shipped = inFolder(prebuilds);
    if (shipped) return shipped;
  }
  throw new TicketProcessorError(
    'NATIVE_LOAD_FAILED',
    `ONNX Runtime's shared library was not found. Tried:\n${tried.map((t) => `  - ${t}`).join('\n')}\n` +
      `No prebuilt library ships for ${process.platform}-${process.arch}: set ORT_LIBRARY_PATH to an ONNX Runtime shared library ` +
      '(1.21 or newer; e.g. from your package manager), or install onnxruntime-node beside ticket-processor ' +
      '(ONNXRUNTIME_NODE_INSTALL=skip avoids its CUDA download).',
  );
}
