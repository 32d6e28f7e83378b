// The published package, as a user gets it: `npm pack` of this repository (with the linux-x64
// prebuilds that `npm run prebuild` writes), installed from the tarball into an empty folder with
// `npm install --prefer-offline` and a PATH holding only node, npm and a shell: no compiler, no
// make, no python. The tarball's npm-shrinkwrap.json pins the dependencies to this repository's
// lockfile, whose tarballs this repository's own `npm ci` put in the npm cache; npm 11 still asks
// the registry for the metadata of the top-level dependencies, which a fresh machine's cache does
// not hold (`--offline` failed there with ENOTCACHED), so the registry must be reachable. Then
// `import { createEnricher } from 'ticket-processor'` embeds a text there with the tiny fixture
// model, on the shipped addon and the shipped ONNX Runtime library, and agrees with this
// repository's build. Takes about a minute.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { createEnricher } from '../src/index.js';
import { maxAbsDiff, REPO_ROOT, TINY_BERT } from './helpers.js';

const exec = promisify(execFile);
const TEXT = 'Since the password reset I get "invalid credentials" and cannot log in.';

function which(command: string, pathVar: string): string | undefined {
  for (const d of pathVar.split(path.delimiter)) if (d && existsSync(path.join(d, command))) return path.join(d, command);
  return undefined;
}

/** A PATH with only node, npm, npx and a POSIX shell (npm runs install scripts with sh). */
function bareBin(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const npmBin = which('npm', process.env.PATH ?? '');
  if (!npmBin) throw new Error('npm is not on PATH');
  const links: Record<string, string> = { node: process.execPath, npm: realpathSync(npmBin), sh: '/bin/sh' };
  const npx = which('npx', process.env.PATH ?? '');
  if (npx) links.npx = realpathSync(npx);
  for (const [name, target] of Object.entries(links)) symlinkSync(target, path.join(dir, name));
  return dir;
}

/** The user's environment: no npm_* variables of this test run, no ticket-processor or ORT overrides. */
function userEnv(bin: string, cache: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|TICKET_PROCESSOR_|ORT_|ONNXRUNTIME_|TAP|NODE_OPTIONS)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, PATH: bin, npm_config_cache: cache, npm_config_update_notifier: 'false' };
}

t.test('npm pack → install without a compiler → createEnricher embeds', { skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'the shipped prebuilds are made on linux-x64' : false }, async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tp-pack-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

  // 1. prebuilds/linux-x64 (reuses build/Release when it is newer than the sources) and its check.
  const prebuild = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'prebuild.mjs'), '--only', 'linux-x64'], { cwd: REPO_ROOT, encoding: 'utf8' });
  t.equal(prebuild.status, 0, `npm run prebuild -- --only linux-x64\n${prebuild.stderr}`);
  const verify = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'prebuild.mjs'), '--verify'], { cwd: REPO_ROOT, encoding: 'utf8' });
  t.equal(verify.status, 0, `prebuild --verify (what prepack runs)\n${verify.stderr}`);
  t.ok(existsSync(path.join(REPO_ROOT, 'dist', 'index.js')), 'dist/ is built (npm ci runs prepare: tsc)');

  // 2. npm pack. Its scripts are run here one by one rather than by npm only because prepare would
  //    rewrite dist/ while other test files run the built CLI: prepack = the check above + the
  //    shrinkwrap, postpack = removing it.
  const shrinkwrap = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'shrinkwrap.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
  t.equal(shrinkwrap.status, 0, `shrinkwrap (prepack)\n${shrinkwrap.stderr}`);
  const removeShrinkwrap = () => spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'shrinkwrap.mjs'), '--remove'], { cwd: REPO_ROOT });
  t.teardown(removeShrinkwrap);
  const { stdout: packJson } = await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: REPO_ROOT, maxBuffer: 1 << 26 });
  removeShrinkwrap();
  const [pack] = JSON.parse(packJson) as { filename: string; size: number; unpackedSize: number; files: { path: string; size: number }[] }[];
  const tarball = path.join(tmp, pack!.filename);
  t.ok(existsSync(tarball), pack!.filename);
  const files = pack!.files.map((f) => f.path);
  t.comment(`tarball ${pack!.filename}: ${(pack!.size / 2 ** 20).toFixed(1)} MiB packed, ${(pack!.unpackedSize / 2 ** 20).toFixed(1)} MiB unpacked, ${files.length} files`);
  for (const f of ['package.json', 'npm-shrinkwrap.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'scripts/install.mjs', 'binding.gyp', 'native/addon.cc']) {
    t.ok(files.includes(f), `ships ${f}`);
  }
  for (const f of ['cpu_features.node', 'ticket_processor_generic.node', 'ticket_processor_avx2.node', 'ticket_processor_avx512.node', 'libonnxruntime.so.1', 'PREBUILD.json']) {
    t.ok(files.includes(`prebuilds/linux-x64/${f}`), `ships prebuilds/linux-x64/${f}`);
  }
  const unwanted = files.filter(
    (f) => /^(test|bench|src|deps|build|\.cache|\.ci|\.flox|node_modules)\//.test(f) || /\.tgz$/.test(f) || (/\.onnx$/.test(f) && !f.startsWith('demo-models/')) || /fixtures/.test(f),
  );
  t.same(unwanted, [], 'no tests, fixtures, models (but the demo models), sources of the TypeScript, build trees or dependencies');
  // the bundled test models of `ticket-processor demo`, and only those ONNX files
  const demoModels = pack!.files.filter((f) => f.path.startsWith('demo-models/'));
  t.same(
    demoModels.filter((f) => f.path.endsWith('.onnx')).map((f) => f.path).sort(),
    ['demo-models/tiny-bart/onnx/decoder_model_merged.onnx', 'demo-models/tiny-bart/onnx/encoder_model.onnx', 'demo-models/tiny-bert/onnx/model.onnx', 'demo-models/tiny-distilbert-sst2/onnx/model.onnx'],
    'ships the demo models: tiny-bert, tiny-distilbert-sst2, tiny-bart (fp32 graphs only)',
  );
  const demoBytes = demoModels.reduce((n, f) => n + f.size, 0);
  t.comment(`demo-models/: ${(demoBytes / 2 ** 20).toFixed(1)} MiB unpacked, ${demoModels.length} files`);
  t.ok(demoBytes < 12 * 2 ** 20, 'the demo models stay small (under 12 MiB)');

  // 3. An empty folder, a PATH without compilers, the npm cache first.
  const app = path.join(tmp, 'app');
  mkdirSync(app);
  const bin = bareBin(path.join(tmp, 'bin'));
  for (const tool of ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3', 'node-gyp']) t.equal(which(tool, bin), undefined, `${tool} is not on the install's PATH`);
  const cache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8', cwd: tmp }).stdout.trim();
  const env = userEnv(bin, cache);
  const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, env, encoding: 'utf8', timeout: 480_000 });
  t.equal(install.status, 0, `npm install --prefer-offline ${pack!.filename} (cache ${cache})`);
  if (install.status !== 0) {
    t.comment(`${install.stdout}\n${install.stderr}`);
    return;
  }
  const installed = path.join(app, 'node_modules', 'ticket-processor');
  t.notOk(existsSync(path.join(app, 'node_modules', 'onnxruntime-node')), 'onnxruntime-node is not installed (no CUDA download can run)');
  t.notOk(existsSync(path.join(installed, 'build')), 'nothing was compiled (no build/ folder)');

  // 4. The library in that folder, with that PATH.
  const script = `
    import { createEnricher } from 'ticket-processor';
    const enricher = await createEnricher({ models: ${JSON.stringify(TINY_BERT)}, threads: 1 });
    const [v] = await enricher.embed([${JSON.stringify(TEXT)}]);
    const info = enricher.info();
    console.log(JSON.stringify({ embedding: Array.from(v), variant: info.variant, onnxruntime: info.onnxruntime }));
    await enricher.close();`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, env, encoding: 'utf8', timeout: 120_000 });
  t.equal(run.status, 0, "import { createEnricher } from 'ticket-processor' and embed");
  if (run.status !== 0) {
    t.comment(run.stderr);
    return;
  }
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { embedding: number[]; variant: string; onnxruntime: { libraryPath: string; version: string } };
  t.equal(realpathSync(out.onnxruntime.libraryPath), realpathSync(path.join(installed, 'prebuilds', 'linux-x64', 'libonnxruntime.so.1')), 'ONNX Runtime is the library shipped in the prebuilds');

  const here = await createEnricher({ models: TINY_BERT });
  t.teardown(() => here.close());
  const [expected] = await here.embed([TEXT]);
  t.equal(out.variant, here.info().variant, 'the installed package picks the same CPU variant as this build');
  t.equal(out.embedding.length, expected!.length, `${expected!.length}-d embedding`);
  t.ok(maxAbsDiff(out.embedding, expected!) < 1e-5, `same embedding as this repository's build (max abs diff ${maxAbsDiff(out.embedding, expected!)})`);

  // 5. The installed bin.
  const cpu = spawnSync(path.join(app, 'node_modules', '.bin', 'ticket-processor'), ['cpu'], { cwd: app, env, encoding: 'utf8' });
  t.equal(cpu.status, 0, `node_modules/.bin/ticket-processor cpu ${cpu.stderr}`);
  t.match(cpu.stdout, /present:\s+generic, avx2, avx512/);
  t.match(cpu.stdout, new RegExp(`chosen:\\s+${out.variant}`));
  t.match(cpu.stdout, /prebuilds\/linux-x64/);
  t.same(readdirSync(path.join(installed, 'prebuilds')), ['linux-x64', ...(files.some((f) => f.startsWith('prebuilds/linux-arm64/')) ? ['linux-arm64'] : [])].sort(), 'the prebuilds that were packed are installed');
});
