import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';
import { CPU_VARIANTS, type CpuFeaturesAddon, type CpuReport, type CpuVariant, type NativeAddon } from './addon-types.js';
import { PACKAGE_ROOT } from './package-root.js';

const require = createRequire(import.meta.url);

/**
 * Chooses and loads one CPU variant of the addon.
 *
 * node-gyp-build's prebuild tags know platform, arch and ABI but not CPU levels, so this loader
 * does the choosing: it loads cpu_features.node (compiled without ISA flags, safe everywhere),
 * asks which variants the CPU supports, and loads the best one present. A variant is never
 * loaded on a CPU that lacks its instructions, so no SIGILL can happen here.
 */
export interface LoadedAddon {
  addon: NativeAddon;
  variant: CpuVariant;
  file: string;
  cpu: CpuReport;
  /** variants present in the folder the addon was loaded from */
  available: CpuVariant[];
}

const loaded = new Map<string, LoadedAddon>();
const folders = new WeakMap<NativeAddon, string>();

/** The folder a loaded addon came from: ONNX Runtime's library is looked for beside it first. */
export function addonFolder(addon: NativeAddon): string | undefined {
  return folders.get(addon);
}

/** Where builds are looked for, in order: a local build wins over shipped prebuilds. */
export function addonSearchDirs(): string[] {
  const dirs: string[] = [];
  const override = process.env.TICKET_PROCESSOR_NATIVE_DIR;
  if (override) dirs.push(path.resolve(override));
  dirs.push(path.join(PACKAGE_ROOT, 'build', 'Release'));
  dirs.push(path.join(PACKAGE_ROOT, 'prebuilds', `${process.platform}-${process.arch}`));
  return dirs;
}

export function variantFileName(variant: CpuVariant): string {
  return `ticket_processor_${variant}.node`;
}

interface BuildFolder {
  dir: string;
  cpu: CpuReport;
  available: CpuVariant[];
}

function findBuildFolder(): BuildFolder {
  const tried: string[] = [];
  for (const dir of addonSearchDirs()) {
    const cpuFile = path.join(dir, 'cpu_features.node');
    const available = CPU_VARIANTS.filter((v) => existsSync(path.join(dir, variantFileName(v))));
    if (!existsSync(cpuFile) || available.length === 0) {
      tried.push(`${dir} (${existsSync(dir) ? 'no cpu_features.node or no variant' : 'missing'})`);
      continue;
    }
    try {
      const cpu = (require(cpuFile) as CpuFeaturesAddon).detect();
      return { dir, cpu, available };
    } catch (e) {
      tried.push(`${cpuFile} (${(e as Error).message})`);
    }
  }
  throw new TicketProcessorError(
    'NATIVE_LOAD_FAILED',
    `ticket-processor's native addon was not found for ${process.platform}-${process.arch}. Tried:\n` +
      tried.map((t) => `  - ${t}`).join('\n') +
      `\nBuild it from source with \`npm run build:native\` in ${PACKAGE_ROOT} (needs python3, make, a C++17 compiler), ` +
      'or install a release that ships prebuilds for this platform. TICKET_PROCESSOR_NATIVE_DIR points at another folder.',
  );
}

/** The CPU report and the variant that loadAddon() would choose, without loading a variant. */
export function planVariant(requested?: string): { variant: CpuVariant; dir: string; cpu: CpuReport; available: CpuVariant[] } {
  const folder = findBuildFolder();
  const wanted = requested ?? (process.env.TICKET_PROCESSOR_CPU || undefined);
  if (wanted !== undefined) {
    if (!(CPU_VARIANTS as readonly string[]).includes(wanted)) {
      throw new TicketProcessorError(
        'CONFIG_INVALID',
        `unknown CPU variant "${wanted}" (from ${requested !== undefined ? 'the cpu option' : 'TICKET_PROCESSOR_CPU'}); use one of ${CPU_VARIANTS.join(', ')}`,
      );
    }
    const variant = wanted as CpuVariant;
    if (!folder.cpu.supported.includes(variant)) {
      throw new TicketProcessorError(
        'CONFIG_INVALID',
        `this CPU cannot run the ${variant} variant (it supports: ${folder.cpu.supported.join(', ')}; features: ${folder.cpu.features.join(' ') || 'none detected'}). Choose a supported one or leave it unset to pick the best.`,
      );
    }
    if (!folder.available.includes(variant)) {
      throw new TicketProcessorError(
        'NATIVE_LOAD_FAILED',
        `the ${variant} variant is not built in ${folder.dir} (present: ${folder.available.join(', ')}). Rebuild with \`npm run build:native\` or choose a present variant.`,
      );
    }
    return { variant, ...folder };
  }
  const variant = folder.cpu.supported.find((v) => folder.available.includes(v));
  if (!variant) {
    throw new TicketProcessorError(
      'NATIVE_LOAD_FAILED',
      `no variant in ${folder.dir} runs on this CPU (present: ${folder.available.join(', ')}; supported: ${folder.cpu.supported.join(', ')})`,
    );
  }
  return { variant, ...folder };
}

export function loadAddon(requested?: string): LoadedAddon {
  const plan = planVariant(requested);
  const file = path.join(plan.dir, variantFileName(plan.variant));
  const cached = loaded.get(file);
  if (cached) return cached;
  let addon: NativeAddon;
  try {
    addon = require(file) as NativeAddon;
  } catch (e) {
    throw new TicketProcessorError(
      'NATIVE_LOAD_FAILED',
      `could not load ${file}: ${(e as Error).message}. Rebuild with \`npm run build:native\`.`,
      { cause: e },
    );
  }
  const result: LoadedAddon = { addon, variant: plan.variant, file, cpu: plan.cpu, available: plan.available };
  loaded.set(file, result);
  folders.set(addon, plan.dir);
  return result;
}
