import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TicketProcessorError } from '../errors.js';

export interface ModelLocation {
  /** hub id ("Xenova/all-MiniLM-L6-v2") or the folder's absolute path for local models */
  id: string;
  dir: string;
  source: 'folder' | 'cache';
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+(@[\w.-]+)?$/;

/** MODEL_CACHE_DIR, else $XDG_CACHE_HOME/ticket-processor/models, else ~/.cache/ticket-processor/models. */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MODEL_CACHE_DIR) return path.resolve(env.MODEL_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'ticket-processor', 'models');
}

export function isModelFolder(dir: string): boolean {
  return existsSync(path.join(dir, 'config.json')) || existsSync(path.join(dir, 'onnx'));
}

/**
 * A model given as a folder path, or a hub id looked up in the model cache.
 * (Downloading from the hub is not part of this version: a missing model is an error that says
 * where to put it.)
 */
export function locateModel(spec: string, role: string): ModelLocation {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new TicketProcessorError('CONFIG_INVALID', `the ${role} model must be a folder path or a hub id, got ${JSON.stringify(spec)}`);
  }
  const looksLikePath = path.isAbsolute(spec) || spec.startsWith('.') || spec.startsWith('~') || existsSync(spec);
  if (looksLikePath || !HUB_ID.test(spec)) {
    const dir = path.resolve(spec.startsWith('~') ? path.join(os.homedir(), spec.slice(1)) : spec);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new TicketProcessorError('MODEL_NOT_FOUND', `${role} model folder ${dir} does not exist`);
    }
    return { id: dir, dir, source: 'folder' };
  }
  const [id] = spec.split('@') as [string];
  const cache = modelCacheDir();
  const dir = path.join(cache, ...id.split('/'));
  if (!existsSync(dir)) {
    throw new TicketProcessorError(
      'MODEL_NOT_FOUND',
      `${role} model ${id} is not in the model cache (${dir}). This version does not download models: ` +
        `copy the model's Hugging Face folder (config.json, tokenizer.json, onnx/model.onnx) to ${dir}, ` +
        `set MODEL_CACHE_DIR to a folder that holds ${id}, or pass a folder path in the models option.`,
    );
  }
  return { id, dir, source: 'cache' };
}
