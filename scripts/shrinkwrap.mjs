#!/usr/bin/env node
// npm pack ships npm-shrinkwrap.json: the exact dependency tree that this repository's lockfile
// pins and its tests ran on (npm ignores the lockfile's devDependencies when the package is
// installed as a dependency). A worker is deployed, not composed: the same tree everywhere, and
// an install from the tarball resolves nothing, so it also works offline from a primed npm cache.
//   node scripts/shrinkwrap.mjs           write npm-shrinkwrap.json from package-lock.json (prepack)
//   node scripts/shrinkwrap.mjs --remove  delete it again (postpack)
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'npm-shrinkwrap.json');
if (process.argv.includes('--remove')) {
  rmSync(target, { force: true });
} else {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const rootEntry = lock.packages?.[''];
  const same = (a = {}, b = {}) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
  if (lock.version !== pkg.version || !rootEntry || !same(rootEntry.dependencies, pkg.dependencies) || !same(rootEntry.devDependencies, pkg.devDependencies)) {
    console.error('shrinkwrap: package-lock.json does not match package.json; run `npm install` first');
    process.exit(1);
  }
  writeFileSync(target, JSON.stringify(lock, null, 2) + '\n');
  console.error(`shrinkwrap: wrote ${path.relative(root, target)} (${Object.keys(lock.packages).length - 1} packages pinned, devDependencies among them skipped on install)`);
}
if (!process.argv.includes('--remove') && !existsSync(target)) process.exit(1);
