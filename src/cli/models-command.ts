import { type Command, Option } from 'commander';

import { isTicketProcessorError, TicketProcessorError } from '../errors.js';
import { describeInstalled, listInstalled, verifyInstalled, type VerifyReport } from '../models/hub/inspect-cache.js';
import { defaultProgress, formatBytes, useColor } from '../models/hub/progress.js';
import { cachedModelDir, type PullResult, pullModel } from '../models/hub/pull-model.js';
import type { Dtype } from '../models/model-folder.js';
import { isDirectory, looksLikePath, modelCacheDir } from '../models/model-location.js';
import { DEFAULT_MODELS, MODEL_ENV, MODEL_ROLES, type ModelRole, parseModelSpec, registryModel } from '../models/registry.js';

interface PullFlags {
  dtype: Dtype;
  force?: boolean;
}

/** The models `pull` takes when given no ids: each role's EMBEDDING_MODEL / CLASSIFIER_MODEL / SUMMARIZER_MODEL, else its default. */
function defaultSpecs(env: NodeJS.ProcessEnv): { spec: string; role: ModelRole }[] {
  const specs: { spec: string; role: ModelRole }[] = [];
  for (const role of MODEL_ROLES) {
    const named = env[MODEL_ENV[role]]?.trim();
    if (named && looksLikePath(named)) {
      process.stderr.write(`skipping ${MODEL_ENV[role]}=${named}: a folder, not a hub id\n`);
      continue;
    }
    specs.push({ spec: named || DEFAULT_MODELS[role], role });
  }
  return specs;
}

function summary(result: PullResult): string {
  const present = result.files.filter((f) => f.status !== 'absent');
  const size = present.reduce((sum, f) => sum + f.size, 0);
  const downloaded = present.filter((f) => f.status === 'downloaded').length;
  const kept = present.length - downloaded;
  const parts = [downloaded > 0 && `${downloaded} downloaded`, kept > 0 && `${kept} already verified`].filter(Boolean).join(', ');
  const revision = result.commit ? result.commit.slice(0, 12) : result.revision;
  return `${result.id} ${result.dtype} at ${revision}: ${present.length} files, ${formatBytes(size)} (${parts}) in ${result.dir}`;
}

function printError(e: unknown): void {
  if (isTicketProcessorError(e)) process.stderr.write(`ticket-processor: ${e.message} [${e.code}]\n`);
  else throw e;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

function repairCommands(report: VerifyReport, dtypeOf: (rel: string) => Dtype | 'all' | undefined): string[] {
  const dtypes = new Set(report.bad.map((b) => dtypeOf(b.path) ?? 'all'));
  const commands: string[] = [];
  if (dtypes.has('fp32') || dtypes.has('all')) commands.push(`ticket-processor models pull ${report.id}`);
  if (dtypes.has('q8')) commands.push(`ticket-processor models pull ${report.id} --dtype q8`);
  return commands;
}

export function registerModelsCommands(program: Command): void {
  const models = program.command('models').description('download models from the hub into MODEL_CACHE_DIR, list them, verify them');

  models
    .command('pull')
    .description('download models (default: EMBEDDING_MODEL, CLASSIFIER_MODEL, SUMMARIZER_MODEL or the three defaults), resuming partial files and verifying each')
    .argument('[ids...]', 'hub ids, e.g. Xenova/all-MiniLM-L6-v2 or Xenova/all-MiniLM-L6-v2@<revision>')
    .addOption(new Option('--dtype <dtype>', 'which ONNX graphs: fp32 (onnx/model.onnx) or q8 (onnx/model_quantized.onnx)').choices(['fp32', 'q8']).default('fp32'))
    .option('--force', 'download every file again, even verified ones')
    .action(async (ids: string[], flags: PullFlags) => {
      const targets =
        ids.length > 0
          ? ids.map((spec) => {
              const parsed = parseModelSpec(spec);
              const role = registryModel(parsed.id)?.role;
              return { spec, ...(role && { role }) };
            })
          : defaultSpecs(process.env);
      const cacheDir = modelCacheDir();
      let failed = 0;
      for (const target of targets) {
        try {
          const result = await pullModel(target.spec, {
            cacheDir,
            dtype: flags.dtype,
            force: flags.force === true,
            check: 'hash',
            progress: defaultProgress(process.stderr),
            ...('role' in target && target.role && { role: target.role }),
          });
          process.stdout.write(`${summary(result)}\n`);
        } catch (e) {
          failed++;
          printError(e);
        }
      }
      if (failed > 0) process.exitCode = 1;
    });

  models
    .command('list')
    .description('the models in MODEL_CACHE_DIR: id, revision, dtypes, size, verified')
    .action(async () => {
      const cacheDir = modelCacheDir();
      const installed = await listInstalled(cacheDir);
      if (installed.length === 0) {
        process.stdout.write(`no models in ${cacheDir} (ticket-processor models pull downloads the defaults)\n`);
        return;
      }
      const color = useColor(process.stdout);
      const rows = [['ID', 'REVISION', 'DTYPE', 'SIZE', 'VERIFIED']];
      for (const m of installed) {
        const verified = m.verified ? (color ? '\u001b[32myes\u001b[0m' : 'yes') : `no (${m.reason})`;
        rows.push([m.id, m.revision ? m.revision.slice(0, 12) : '-', m.dtypes.join(',') || '-', formatBytes(m.size), verified]);
      }
      process.stdout.write(`${table(rows)}\n`);
    });

  models
    .command('verify')
    .description('re-hash the files of installed models (default: all) against their manifest; exit 1 listing bad files')
    .argument('[ids...]', 'hub ids (default: every model in MODEL_CACHE_DIR)')
    .action(async (ids: string[]) => {
      const cacheDir = modelCacheDir();
      const color = useColor(process.stdout);
      const bad = color ? '\u001b[31mBAD\u001b[0m ' : 'BAD ';
      const ok = color ? '\u001b[32mok\u001b[0m  ' : 'ok  ';
      const targets = ids.length > 0 ? ids.map((spec) => parseModelSpec(spec).id) : (await listInstalled(cacheDir)).map((m) => m.id);
      if (targets.length === 0) {
        process.stdout.write(`no models in ${cacheDir}\n`);
        return;
      }
      const repairs: string[] = [];
      let problems = 0;
      for (const id of targets) {
        const dir = cachedModelDir(cacheDir, id);
        if (!isDirectory(dir)) {
          problems++;
          process.stdout.write(`${bad}${id}: not installed (no ${dir})\n`);
          repairs.push(`ticket-processor models pull ${id}`);
          continue;
        }
        const report = await verifyInstalled(dir, id);
        if (!report.verifiable) {
          process.stdout.write(`??  ${id}: no manifest (copied by hand), nothing to verify against; \`ticket-processor models pull --force ${id}\` replaces it with verified files\n`);
          continue;
        }
        if (report.bad.length === 0) {
          process.stdout.write(`${ok}${id}: ${report.files} files, ${formatBytes(report.size)}, sha256 as pulled\n`);
          continue;
        }
        problems++;
        for (const b of report.bad) process.stdout.write(`${bad}${id}/${b.path}: ${b.problem}\n`);
        const manifest = (await describeInstalled(dir, id)).manifest;
        repairs.push(...repairCommands(report, (rel) => manifest?.files[rel]?.dtype));
      }
      if (problems > 0) {
        const error = new TicketProcessorError(
          'MODEL_INVALID',
          `${problems === 1 ? '1 model has' : `${problems} models have`} bad or missing files; fetch them again with: ${repairs.join('; ')}`,
        );
        process.stderr.write(`ticket-processor: ${error.message} [${error.code}]\n`);
        process.exitCode = 1;
      }
    });
}
