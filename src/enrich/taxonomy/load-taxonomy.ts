import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { parse as parseYaml, YAMLParseError } from 'yaml';

import { TicketProcessorError } from '../../errors.js';
import { parseOrThrow } from '../../validation.js';
import { DEFAULT_TAXONOMY } from './default-taxonomy.js';
import { type Taxonomy, type TaxonomyInput, TaxonomySchema } from './taxonomy-schema.js';

/**
 * The taxonomy to classify with: the built-in one, an object, or a .json / .yaml / .yml file.
 * A bad file is a CONFIG_INVALID error naming the file, each field and its problem.
 */
export async function loadTaxonomy(source: string | TaxonomyInput | undefined): Promise<Taxonomy> {
  if (source === undefined) return parseOrThrow(TaxonomySchema, DEFAULT_TAXONOMY, 'taxonomy', 'INTERNAL');
  if (typeof source !== 'string') return parseOrThrow(TaxonomySchema, source, 'taxonomy', 'CONFIG_INVALID');

  const file = path.resolve(source);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TicketProcessorError('CONFIG_INVALID', `cannot read taxonomy file ${file}: ${(e as Error).message}`, { cause: e });
  }
  let value: unknown;
  const ext = path.extname(file).toLowerCase();
  try {
    if (ext === '.json') value = JSON.parse(text);
    else if (ext === '.yaml' || ext === '.yml') value = parseYaml(text, { uniqueKeys: true });
    else throw new Error(`unknown extension "${ext}": use .json, .yaml or .yml`);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    throw new TicketProcessorError('CONFIG_INVALID', `taxonomy file ${file} cannot be parsed${where}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  return parseOrThrow(TaxonomySchema, value, 'taxonomy', 'CONFIG_INVALID', `taxonomy file ${file}`);
}
