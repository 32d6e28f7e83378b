import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';

export interface ModelLocation {
  /** hub id ("Xenova/all-MiniLM-L6-v2"), or the folder's absolute path for a model given as a folder */
  id: string;
  dir: string;
  /** "folder": a model folder given by path; "cache": found by id in a folder of models */
  source: 'folder' | 'cache';
  /** the commit the files come from, when a pull recorded it (the cache manifest) */
  revision?: string;
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+(@[\w.-]+)?$/;

/** MODEL_CACHE_DIR, else $XDG_CACHE_HOME/ticket-processor/models, else ~/.cache/ticket-processor/models. */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MODEL_CACHE_DIR) return resolveUserPath(env.MODEL_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'ticket-processor', 'models');
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** An absolute path, with ~ expanded. */
export function resolveUserPath(p: string): string {
  return path.resolve(expandHome(p));
}

export function isDirectory(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** A folder holding one model in the Hugging Face layout (as opposed to a folder of models). */
export function isModelFolder(dir: string): boolean {
  return existsSync(path.join(dir, 'config.json')) || isDirectory(path.join(dir, 'onnx'));
}

/** A path rather than a hub id ("org/name"): absolute, relative with ./ or ~, or existing. */
export function looksLikePath(spec: string): boolean {
  return path.isAbsolute(spec) || spec.startsWith('.') || spec.startsWith('~') || !HUB_ID.test(spec) || existsSync(spec);
}

/**
 * A hub id inside a folder of models laid out as <org>/<name>/ (the model cache's layout), as it
 * is: no download, no check against the cache manifest. createEnricher uses the async lookups of
 * ensure-model.ts instead (ensureModel pulls a missing model; findInModelsFolder checks it).
 */
export function locateInModelsFolder(root: string, spec: string, role: string): ModelLocation {
  const [id] = spec.split('@') as [string];
  const dir = path.join(root, ...id.split('/'));
  if (!isDirectory(dir)) {
    throw new TicketProcessorError(
      'MODEL_NOT_FOUND',
      `${role} model ${id} is not in the model cache (${dir}): run \`ticket-processor models pull ${spec}\`, ` +
        `copy the model's Hugging Face folder (config.json, tokenizer.json, onnx/model.onnx) to ${dir}, ` +
        `set MODEL_CACHE_DIR to a folder that holds ${id}, or pass a model folder in the models option.`,
    );
  }
  return { id, dir, source: 'cache' };
}

/**
 * A model given as a folder path, or a hub id looked up in the model cache as it is
 * (synchronous, no download: tests and benchmarks pass folders; first use goes through
 * ensureModel in ensure-model.ts).
 */
export function locateModel(spec: string, role: string): ModelLocation {
  if (!looksLikePath(spec)) return locateInModelsFolder(modelCacheDir(), spec, role);
  const dir = resolveUserPath(spec);
  if (!isDirectory(dir)) throw new TicketProcessorError('MODEL_NOT_FOUND', `${role} model folder ${dir} does not exist`);
  return { id: dir, dir, source: 'folder' };
}

