#!/usr/bin/env node
// Install step: use the prebuilt addons when the package ships them for this platform, otherwise
// build from source (fetching the ONNX Runtime and nlohmann/json headers first).
//   node scripts/install.mjs           # what `npm install` runs
//   node scripts/install.mjs --force   # always rebuild (npm run build:native)
// TICKET_PROCESSOR_BUILD_FROM_SOURCE=1 also forces a build.
// Prebuilds are used when the package is installed as a dependency (its folder is inside a
// node_modules folder). A checkout of the repository builds from source even if prebuilds/ exists
// (`npm run prebuild` and the npm-pack test write it), so that changed C++ is never shadowed by an
// old build; TICKET_PROCESSOR_USE_PREBUILDS=1 makes a checkout use them too.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force') || process.env.TICKET_PROCESSOR_BUILD_FROM_SOURCE === '1';

function hasAddon(dir) {
  return existsSync(path.join(dir, 'cpu_features.node')) &&
    readdirSync(dir).some((f) => /^ticket_processor_\w+\.node$/.test(f));
}

function run(command, args) {
  console.error(`ticket-processor: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const asDependency = root.split(path.sep).includes('node_modules') || process.env.TICKET_PROCESSOR_USE_PREBUILDS === '1';
if (!force && asDependency && existsSync(prebuilt) && hasAddon(prebuilt)) {
  console.error(`ticket-processor: using prebuilt addons in ${path.relative(root, prebuilt)}`);
  process.exit(0);
}

run('bash', [path.join(root, 'scripts', 'fetch-build-headers.sh')]);
// npm exposes its bundled node-gyp to install scripts; in this repository the devDependency is on PATH.
const jobs = `--jobs=${Math.max(1, (await import('node:os')).availableParallelism())}`;
if (process.env.npm_config_node_gyp) run(process.execPath, [process.env.npm_config_node_gyp, 'rebuild', jobs]);
else run('node-gyp', ['rebuild', jobs]);
