#!/usr/bin/env node
// Writes the prebuilt addons that `npm pack` ships, one folder per platform:
//   prebuilds/linux-x64/    cpu_features.node, ticket_processor_{generic,avx2,avx512}.node, libonnxruntime.so.1
//   prebuilds/linux-arm64/  cpu_features.node, ticket_processor_{generic,neon}.node, libonnxruntime.so.1
//                           (cross-compiled with Debian's g++-aarch64-linux-gnu)
// plus PREBUILD.json in each folder (files, sizes, sha256, ONNX Runtime version, compiler).
//
//   npm run prebuild                          both platforms
//   npm run prebuild -- --only linux-x64      one platform (what the npm-pack test and CI run)
//   npm run prebuild -- --rebuild             rebuild even when the builds are newer than the sources
//   node scripts/prebuild.mjs --verify        check that prebuilds/ is complete (npm's prepack runs it)
//
// linux-x64 reuses build/Release (what `npm ci` built) when every addon there is newer than every
// native source and binding.gyp; otherwise it runs `node-gyp rebuild`. linux-arm64 builds in
// .cache/prebuild/linux-arm64/ (a folder of links to native/ and binding.gyp) so build/ is left alone.
// ONNX Runtime's shared library is copied from the onnxruntime-node package (a devDependency),
// so a user's install needs neither onnxruntime-node nor its CUDA download.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

export const PLATFORMS = {
  'linux-x64': {
    platform: 'linux',
    arch: 'x64',
    variants: ['generic', 'avx2', 'avx512'],
    toolchain: {},
    strip: 'strip',
  },
  'linux-arm64': {
    platform: 'linux',
    arch: 'arm64',
    variants: ['generic', 'neon'],
    toolchain: { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', LINK: 'aarch64-linux-gnu-g++', AR: 'aarch64-linux-gnu-ar' },
    strip: 'aarch64-linux-gnu-strip',
    apt: 'g++-aarch64-linux-gnu',
  },
};
const ORT_LIBRARY = 'libonnxruntime.so.1';

export function expectedFiles(key) {
  const p = PLATFORMS[key];
  return ['cpu_features.node', ...p.variants.map((v) => `ticket_processor_${v}.node`), ORT_LIBRARY];
}

function fail(message) {
  console.error(`prebuild: ${message}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  console.error(`prebuild: ${command} ${args.join(' ')}${options.cwd ? `   (in ${path.relative(root, options.cwd) || '.'})` : ''}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) fail(`${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} exited with ${result.status ?? result.signal}`);
}

function which(command) {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, command)));
}

function newestSource() {
  let newest = statSync(path.join(root, 'binding.gyp')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  walk(path.join(root, 'native'));
  return newest;
}

/** true when every addon of the platform exists in dir and is newer than every source */
function upToDate(dir, key) {
  const files = expectedFiles(key).filter((f) => f !== ORT_LIBRARY).map((f) => path.join(dir, f));
  if (!files.every((f) => existsSync(f))) return false;
  const source = newestSource();
  return files.every((f) => statSync(f).mtimeMs > source);
}

/** Node's headers: npm's nodedir setting, or the ones installed beside this node binary (no download needed). */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const beside = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(beside, 'include', 'node', 'node_api.h'))) return beside;
  return undefined;
}

function nodeGyp(args, options) {
  const nodeGypJs = require.resolve('node-gyp/bin/node-gyp.js');
  const dir = nodeDir();
  const jobs = `--jobs=${Math.max(1, (process.env.TICKET_PROCESSOR_JOBS && Number(process.env.TICKET_PROCESSOR_JOBS)) || 2)}`;
  run(process.execPath, [nodeGypJs, ...args, jobs, ...(dir ? [`--nodedir=${dir}`] : [])], options);
}

function ortLibraryFor(arch) {
  const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
  const version = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
  const bin = path.join(pkg, 'bin');
  for (const napi of readdirSync(bin).filter((d) => d.startsWith('napi-v')).sort().reverse()) {
    const file = path.join(bin, napi, 'linux', arch, ORT_LIBRARY);
    if (existsSync(file)) return { file, version };
  }
  fail(`onnxruntime-node ${version} has no linux/${arch}/${ORT_LIBRARY} under ${bin} (run npm ci)`);
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function compilerVersion(cxx) {
  const r = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : 'unknown';
}

function buildX64(rebuild) {
  if (process.platform !== 'linux' || process.arch !== 'x64') fail('linux-x64 prebuilds are built on a linux-x64 machine');
  const release = path.join(root, 'build', 'Release');
  if (!rebuild && upToDate(release, 'linux-x64')) {
    console.error('prebuild: linux-x64: build/Release is newer than native/ and binding.gyp, reusing it');
  } else {
    run('bash', [path.join(root, 'scripts', 'fetch-build-headers.sh')]);
    nodeGyp(['rebuild'], { cwd: root });
  }
  return { dir: release, compiler: compilerVersion(process.env.CXX || 'g++') };
}

function buildArm64(rebuild) {
  const key = 'linux-arm64';
  const { toolchain, apt } = PLATFORMS[key];
  const missing = Object.values(toolchain).filter((t) => !which(t));
  if (missing.length) fail(`${key} needs the cross compiler (${[...new Set(missing)].join(', ')} not on PATH): apt-get install ${apt}`);
  const stage = path.join(root, '.cache', 'prebuild', key);
  const release = path.join(stage, 'build', 'Release');
  if (!rebuild && upToDate(release, key)) {
    console.error(`prebuild: ${key}: ${path.relative(root, release)} is newer than the sources, reusing it`);
    return { dir: release, compiler: compilerVersion(toolchain.CXX) };
  }
  run('bash', [path.join(root, 'scripts', 'fetch-build-headers.sh')]);
  mkdirSync(stage, { recursive: true });
  for (const name of ['native', 'node_modules', 'binding.gyp']) {
    const link = path.join(stage, name);
    rmSync(link, { recursive: false, force: true });
    symlinkSync(path.join(root, name), link);
  }
  const env = {
    ...process.env,
    ...toolchain,
    ORT_INCLUDE_DIR: process.env.ORT_INCLUDE_DIR || path.join(root, 'deps', 'include', 'onnxruntime'),
    NLOHMANN_JSON_INCLUDE_DIR: process.env.NLOHMANN_JSON_INCLUDE_DIR || path.join(root, 'deps', 'include'),
  };
  nodeGyp(['rebuild', '--arch=arm64'], { cwd: stage, env });
  return { dir: release, compiler: compilerVersion(toolchain.CXX) };
}

function assemble(key, built) {
  const p = PLATFORMS[key];
  const out = path.join(root, 'prebuilds', key);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const canStrip = which(p.strip);
  for (const name of expectedFiles(key).filter((f) => f !== ORT_LIBRARY)) {
    const dest = path.join(out, name);
    copyFileSync(path.join(built.dir, name), dest);
    // Symbols are for debugging; a release build without them is a third of the size.
    if (canStrip) run(p.strip, ['--strip-unneeded', dest]);
  }
  const ort = ortLibraryFor(p.arch);
  copyFileSync(ort.file, path.join(out, ORT_LIBRARY));
  const files = Object.fromEntries(
    expectedFiles(key).map((f) => [f, { bytes: statSync(path.join(out, f)).size, sha256: sha256(path.join(out, f)) }]),
  );
  const manifest = {
    platform: p.platform,
    arch: p.arch,
    variants: p.variants,
    napiVersion: 8,
    onnxruntime: { version: ort.version, from: `onnxruntime-node@${ort.version}` },
    compiler: built.compiler,
    stripped: canStrip,
    files,
  };
  writeFileSync(path.join(out, 'PREBUILD.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const total = Object.values(files).reduce((n, f) => n + f.bytes, 0);
  console.error(`prebuild: wrote ${path.relative(root, out)}/ (${(total / 2 ** 20).toFixed(1)} MiB: ${Object.keys(files).join(', ')})`);
}

/** Complete folders only: every expected file, matching PREBUILD.json's hashes. */
export function verify(keys) {
  const problems = [];
  for (const key of keys) {
    const out = path.join(root, 'prebuilds', key);
    const manifestFile = path.join(out, 'PREBUILD.json');
    if (!existsSync(manifestFile)) {
      problems.push(`${key}: no ${path.relative(root, manifestFile)}`);
      continue;
    }
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    for (const f of expectedFiles(key)) {
      const file = path.join(out, f);
      if (!existsSync(file)) problems.push(`${key}: ${f} missing`);
      else if (manifest.files?.[f]?.sha256 !== sha256(file)) problems.push(`${key}: ${f} differs from PREBUILD.json`);
    }
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { only: { type: 'string', multiple: true }, rebuild: { type: 'boolean', default: false }, verify: { type: 'boolean', default: false } },
  });
  const keys = values.only ?? Object.keys(PLATFORMS);
  for (const k of keys) if (!PLATFORMS[k]) fail(`unknown platform "${k}"; use ${Object.keys(PLATFORMS).join(' or ')}`);
  if (values.verify) {
    // npm pack ships whatever prebuilds/ holds; linux-x64 is required, others when present.
    const present = keys.filter((k) => k === 'linux-x64' || existsSync(path.join(root, 'prebuilds', k)));
    const problems = verify(values.only ? keys : present);
    if (problems.length) fail(`prebuilds/ is incomplete:\n  ${problems.join('\n  ')}\nRun \`npm run prebuild\` (or \`npm run prebuild -- --only linux-x64\`) first.`);
    console.error(`prebuild: verified ${present.map((k) => `prebuilds/${k}`).join(', ')}`);
  } else {
    for (const key of keys) {
      const built = key === 'linux-x64' ? buildX64(values.rebuild) : buildArm64(values.rebuild);
      assemble(key, built);
    }
  }
}
