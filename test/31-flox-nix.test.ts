// Flox and Nix packaging, checked with what runs here: nixpkgs cannot be fetched on these
// machines, so every .nix file is parsed by nix-instantiate (Debian's nix-bin; .ci/run installs
// it) and the real expressions are evaluated against a small stub package set
// (test/fixtures/nix/stub-pkgs.nix): pname, version, variants, platforms, the build targets, the
// wrapper's environment and the installed binary path. The Flox manifest is parsed as TOML and
// its variables are fed to the code's own configuration.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'smol-toml';
import t from 'tap';

import { awsSettingsFromEnv } from '../src/aws/aws-settings.js';
import { REPO_ROOT } from './helpers.js';

const nixInstantiate = (process.env.PATH ?? '').split(path.delimiter).some((d) => d && existsSync(path.join(d, 'nix-instantiate')));
const noNix = nixInstantiate ? false : 'nix-instantiate is not installed (apt-get install nix-bin; .ci/run does)';
const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const STUBS = path.join(REPO_ROOT, 'test', 'fixtures', 'nix', 'stub-pkgs.nix');

const nixFiles = [
  ...readdirSync(path.join(REPO_ROOT, 'nix')).map((f) => path.join('nix', f)),
  ...readdirSync(path.join(REPO_ROOT, '.flox', 'pkgs')).map((f) => path.join('.flox', 'pkgs', f)),
  path.relative(REPO_ROOT, STUBS),
].filter((f) => f.endsWith('.nix'));

function evalNix(expr: string): { status: number | null; value: unknown; stderr: string } {
  const r = spawnSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', expr], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, value: r.status === 0 ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

interface Drv {
  pname: string;
  version: string;
  buildPhase: string;
  installPhase: string;
  npmFlags: string[];
  ONNXRUNTIME_NODE_INSTALL: string;
  platforms: string[];
  mainProgram: string;
}

const pick = (drv: string) =>
  `let d = ${drv}; in { inherit (d) pname version buildPhase installPhase npmFlags ONNXRUNTIME_NODE_INSTALL; inherit (d.meta) platforms mainProgram; }`;

t.test('every .nix file parses', { skip: noNix }, async (t) => {
  t.ok(nixFiles.length >= 7, nixFiles.join(' '));
  for (const f of nixFiles) {
    const r = spawnSync('nix-instantiate', ['--parse', f], { cwd: REPO_ROOT, encoding: 'utf8' });
    t.equal(r.status, 0, `nix-instantiate --parse ${f} ${r.stderr}`);
  }
  const broken = spawnSync('nix-instantiate', ['--parse', '-E', '{ a = 1; '], { encoding: 'utf8' });
  t.not(broken.status, 0, 'and a broken expression does not');
});

const expected = [
  { file: 'ticket-processor.nix', pname: 'ticket-processor', variant: 'generic', platforms: ['x86_64-linux', 'aarch64-linux'] },
  { file: 'ticket-processor-avx2.nix', pname: 'ticket-processor-avx2', variant: 'avx2', platforms: ['x86_64-linux'] },
  { file: 'ticket-processor-avx512.nix', pname: 'ticket-processor-avx512', variant: 'avx512', platforms: ['x86_64-linux'] },
  { file: 'ticket-processor-arm.nix', pname: 'ticket-processor-arm', variant: 'neon', platforms: ['aarch64-linux'] },
];

t.test('the Flox package expressions evaluate to the seed guide\'s variants', { skip: noNix }, async (t) => {
  for (const e of expected) {
    const r = evalNix(pick(`(import ${STUBS} {}).callPackage ./.flox/pkgs/${e.file} {}`));
    t.equal(r.status, 0, `${e.file} evaluates ${r.stderr}`);
    if (r.status !== 0) continue;
    const d = r.value as Drv;
    t.equal(d.pname, e.pname);
    t.equal(d.version, version, 'version read from package.json');
    t.same(d.platforms, e.platforms);
    t.equal(d.mainProgram, 'ticket-processor');
    const targets = [...new Set(['cpu_features', 'ticket_processor_generic', `ticket_processor_${e.variant}`])];
    t.match(d.buildPhase, `make -C build -j$NIX_BUILD_CORES ${targets.join(' ')}`, 'builds cpu_features, generic and the variant');
    for (const target of targets) t.match(d.installPhase, `cp build/Release/${target}.node $dest/build/Release/`);
    t.match(d.installPhase, 'makeWrapper /nix/store/stub-nodejs-20/bin/node $out/bin/ticket-processor', 'installs bin/ticket-processor');
    t.match(d.installPhase, '--add-flags $dest/dist/cli.js');
    t.match(d.installPhase, '--set ORT_LIBRARY_PATH /nix/store/stub-onnxruntime-lib/lib', "ORT_LIBRARY_PATH is nixpkgs' onnxruntime");
    t.match(d.installPhase, `--set-default TICKET_PROCESSOR_CPU ${e.variant}`);
    t.ok(d.npmFlags.includes('--ignore-scripts') && d.ONNXRUNTIME_NODE_INSTALL === 'skip', 'no install scripts, no onnxruntime-node download');
  }
});

t.test('nix/default.nix (nix-build nix) gives the same derivations', { skip: noNix }, async (t) => {
  for (const [attr, pname] of [['', 'ticket-processor'], ['.avx2', 'ticket-processor-avx2'], ['.avx512', 'ticket-processor-avx512'], ['.arm', 'ticket-processor-arm']] as const) {
    const r = evalNix(pick(`(import ./nix { pkgs = import ${STUBS} {}; })${attr}`));
    t.equal(r.status, 0, r.stderr);
    t.equal((r.value as Drv | undefined)?.pname, pname, `nix-build nix${attr ? ` -A ${attr.slice(1)}` : ''}`);
  }
});

t.test('the expression refuses what cannot work', { skip: noNix }, async (t) => {
  const old = evalNix(pick(`(import ${STUBS} { onnxruntimeVersion = "1.20.1"; }).callPackage ./nix/ticket-processor.nix {}`));
  t.not(old.status, 0, 'ONNX Runtime 1.20 is refused (the addon needs C API 21)');
  t.match(old.stderr, /assertion/);
  const unknown = evalNix(pick(`(import ${STUBS} {}).callPackage ./nix/ticket-processor.nix { variant = "sse9"; }`));
  t.not(unknown.status, 0);
  t.match(unknown.stderr, /unknown variant sse9/);
});

t.test('the Flox manifest: TOML, toolchain, the seed guide\'s variables as the code reads them, the local service', async (t) => {
  const manifest = parse(readFileSync(path.join(REPO_ROOT, '.flox', 'env', 'manifest.toml'), 'utf8')) as {
    version: number;
    install: Record<string, { 'pkg-path': string }>;
    vars: Record<string, string>;
    hook: { 'on-activate': string };
    services: Record<string, { command: string }>;
  };
  t.equal(manifest.version, 1);
  const pkgs = Object.values(manifest.install).map((i) => i['pkg-path']);
  for (const p of ['nodejs_20', 'gcc', 'gnumake', 'python3', 'onnxruntime']) t.ok(pkgs.includes(p), `installs ${p}`);
  for (const v of ['USE_LOCALSTACK', 'AWS_ENDPOINT_URL', 'SQS_QUEUE_NAME']) t.ok(v in manifest.vars, `[vars] ${v}`);
  t.match(manifest.hook['on-activate'], /export MODEL_CACHE_DIR="\$\{MODEL_CACHE_DIR:-\$FLOX_ENV_CACHE\/models\}"/, 'MODEL_CACHE_DIR per environment');
  t.match(manifest.hook['on-activate'], /export ORT_LIBRARY_PATH=/);
  const settings = awsSettingsFromEnv(manifest.vars);
  t.equal(settings.endpoint, manifest.vars.AWS_ENDPOINT_URL, 'USE_LOCALSTACK=true sends every client to AWS_ENDPOINT_URL');
  t.equal(settings.queueName, manifest.vars.SQS_QUEUE_NAME);
  t.equal(settings.region, manifest.vars.AWS_REGION);
  t.match(manifest.services.local?.command ?? '', /ticket-processor local$/, 'a service runs `ticket-processor local`');
});
