/**
 * `ticket-processor enrich [FILE|-]`: tickets in (one JSON object, a JSON array, or JSON lines),
 * enriched tickets out in the same form, for scripts and quick checks.
 */
import { readFile } from 'node:fs/promises';

import { type Command, InvalidArgumentError, Option } from 'commander';

import type { Enrichment } from '../enrich/enriched-ticket.js';
import { createEnricher } from '../enrich/enricher.js';
import { RawTicketSchema, type RawTicketInput } from '../enrich/ticket-schema.js';
import { TicketProcessorError } from '../errors.js';
import { enricherOptions, type ModelFlags, withModelFlags } from './shared.js';

export type InputForm = 'object' | 'array' | 'lines';

export interface ParsedInput {
  form: InputForm;
  values: unknown[];
  /** how each value is named in messages: "line 3", "[2]", "ticket" */
  where: string[];
}

const excerpt = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** One object, an array, or JSON lines (blank lines skipped); which one is decided by the text. */
export function parseTicketInput(text: string, source: string): ParsedInput {
  const trimmed = text.trim();
  if (trimmed === '') throw new TicketProcessorError('INPUT_INVALID', `${source} is empty: give a ticket as a JSON object, an array of them, or JSON lines`);
  if (trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (e) {
      throw new TicketProcessorError('INPUT_INVALID', `${source} is not a valid JSON array: ${(e as Error).message}`);
    }
    const values = value as unknown[];
    return { form: 'array', values, where: values.map((_, i) => `index ${i}`) };
  }
  try {
    const value: unknown = JSON.parse(trimmed);
    return { form: 'object', values: [value], where: ['ticket'] };
  } catch {
    // not one JSON value: JSON lines
  }
  const values: unknown[] = [];
  const where: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      values.push(JSON.parse(line));
    } catch (e) {
      throw new TicketProcessorError('INPUT_INVALID', `${source} line ${i + 1} is not valid JSON (${(e as Error).message}): ${excerpt(line)}`);
    }
    where.push(`line ${i + 1}`);
  }
  return { form: 'lines', values, where };
}

/** Every ticket against the RawTicket schema; the problems of the first few bad ones in one line. */
export function validateTicketInput(input: ParsedInput, source: string): RawTicketInput[] {
  const problems: string[] = [];
  let bad = 0;
  input.values.forEach((value, i) => {
    const result = RawTicketSchema.safeParse(value);
    if (result.success) return;
    bad++;
    if (bad > 3) return;
    const issues = result.error.issues.map((issue) => {
      const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      return field ? `${field}: ${issue.message}` : issue.message;
    });
    problems.push(`${input.where[i]}: ${issues.join(', ')}`);
  });
  if (bad > 0) {
    const more = bad > 3 ? `; and ${bad - 3} more` : '';
    throw new TicketProcessorError('INPUT_INVALID', `invalid ticket${bad > 1 ? 's' : ''} in ${source}: ${problems.join('; ')}${more}`);
  }
  return input.values as RawTicketInput[];
}

async function readInput(file: string | undefined): Promise<{ text: string; source: string }> {
  if (file === undefined || file === '-') {
    if (file === undefined && process.stdin.isTTY) {
      throw new TicketProcessorError('INPUT_INVALID', 'no input: give a FILE, or pipe tickets into stdin (ticket-processor enrich - < tickets.jsonl)');
    }
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return { text: Buffer.concat(chunks).toString('utf8'), source: 'stdin' };
  }
  try {
    return { text: await readFile(file, 'utf8'), source: file };
  } catch (e) {
    throw new TicketProcessorError('INPUT_INVALID', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

interface EnrichFlags extends ModelFlags {
  fields?: string[];
  embedding: boolean;
  pretty?: boolean;
}

/** every field of an enrichment, in output order */
export const ENRICHMENT_FIELDS = [
  'embedding',
  'intent',
  'intent_confidence',
  'intent_top',
  'urgency',
  'urgency_confidence',
  'urgency_source',
  'urgency_top',
  'sentiment',
  'sentiment_confidence',
  'sentiment_scores',
  'summary',
  'summary_method',
  'processed_at',
  'model_version',
  'models',
  'cpu_variant',
] as const satisfies readonly (keyof Enrichment)[];

// a field added to Enrichment but not to the list above fails to compile here
const _allFields: Record<Exclude<keyof Enrichment, (typeof ENRICHMENT_FIELDS)[number]>, never> = {};
void _allFields;

function fieldList(value: string): string[] {
  const fields = value
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = fields.filter((f) => !(ENRICHMENT_FIELDS as readonly string[]).includes(f));
  if (fields.length === 0) throw new InvalidArgumentError(`name at least one field: ${ENRICHMENT_FIELDS.join(', ')}`);
  if (unknown.length > 0) throw new InvalidArgumentError(`no enrichment field ${unknown.join(', ')}; the fields are ${ENRICHMENT_FIELDS.join(', ')}`);
  return fields;
}

/** keeps only `fields` of each enrichment (all when undefined), without the embedding when `embedding` is false */
export function selectFields<T extends { enrichment: object }>(ticket: T, fields: string[] | undefined, embedding: boolean): T {
  const entries = Object.entries(ticket.enrichment).filter(([k]) => (fields === undefined || fields.includes(k)) && (embedding || k !== 'embedding'));
  return { ...ticket, enrichment: Object.fromEntries(entries) };
}

export function registerEnrichCommand(program: Command): void {
  withModelFlags(
    program
      .command('enrich')
      .description('enrich tickets from FILE or stdin: one JSON object, a JSON array or JSON lines in; the same form out, each ticket with its enrichment')
      .argument('[file]', 'a .json or .jsonl file; - or nothing for stdin')
      .addOption(new Option('-f, --fields <list>', 'keep only these enrichment fields, comma-separated (e.g. intent,urgency,sentiment,summary)').argParser(fieldList))
      .option('--no-embedding', 'drop the embedding from the output (the same as --fields without embedding)')
      .option('--pretty', 'indent the JSON of an object or array input'),
  )
    .addHelpText(
      'after',
      `
Tickets are RawTickets (ticket_id, subject, body, customer_id, created_at, optional priority and
metadata); every one is checked before any model runs, and a bad one is an INPUT_INVALID error
naming its line (JSON lines) or index (array) and the field (exit status 1). Models as for
\`embed\`: MODEL_CACHE_DIR with EMBEDDING_MODEL, CLASSIFIER_MODEL, SUMMARIZER_MODEL, or --models.

Examples:
  $ ticket-processor enrich ticket.json --no-embedding
  $ ticket-processor seed --count 5 --seed 7 --out - | ticket-processor enrich --fields intent,urgency,sentiment,summary
  $ ticket-processor enrich tickets.json --pretty > enriched.json`,
    )
    .action(async (file: string | undefined, flags: EnrichFlags) => {
      const { text, source } = await readInput(file);
      const input = parseTicketInput(text, source);
      const tickets = validateTicketInput(input, source);
      if (tickets.length === 0) {
        if (input.form === 'array') process.stdout.write('[]\n');
        return;
      }
      const enricher = await createEnricher(enricherOptions(flags));
      let enriched;
      try {
        enriched = await enricher.enrichMany(tickets);
      } finally {
        await enricher.close();
      }
      const out = enriched.map((t) => selectFields(t, flags.fields, flags.embedding));
      const indent = flags.pretty ? 2 : undefined;
      if (input.form === 'lines') process.stdout.write(out.map((t) => `${JSON.stringify(t)}\n`).join(''));
      else process.stdout.write(`${JSON.stringify(input.form === 'array' ? out : out[0], null, indent)}\n`);
    });
}
