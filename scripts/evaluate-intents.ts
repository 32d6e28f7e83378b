// npm run evaluate:intents [-- --models DIR] [--labelled FILE.jsonl] [--count 1000] [--seed 1] [--taxonomy FILE]
//
// Intent accuracy of the keyword rules alone (the Python system's method), of the example
// centroids alone, and of the hybrid (the default), on a labelled ticket set:
//   - --labelled FILE.jsonl: your own tickets, one JSON object per line with "intent" and either
//     "text" or a RawTicket ("subject", "body");
//   - otherwise tickets from the project's generator, whose intent is known by construction.
// It needs the real embedding model (Xenova/all-MiniLM-L6-v2 or EMBEDDING_MODEL) in --models or
// MODEL_CACHE_DIR: with random-weight test models the centroid numbers would mean nothing, so it
// refuses them unless --allow-any-model is given.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { TaxonomyClassifier } from '../src/enrich/classify/taxonomy-classifier.js';
import { loadTaxonomy } from '../src/enrich/taxonomy/load-taxonomy.js';
import { ticketText } from '../src/enrich/ticket-schema.js';
import { createEnricher, isTicketProcessorError } from '../src/index.js';
import { loadAddon } from '../src/native/load-addon.js';
import { createTicketGenerator } from '../src/seed/ticket-generator.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string' },
    labelled: { type: 'string' },
    count: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    taxonomy: { type: 'string' },
    'allow-any-model': { type: 'boolean', default: false },
  },
});

interface Labelled {
  text: string;
  intent: string;
}

function labelledSet(): { source: string; items: Labelled[] } {
  if (args.labelled) {
    const items = readFileSync(args.labelled, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((line, i) => {
        const o = JSON.parse(line) as { intent?: string; text?: string; subject?: string; body?: string };
        if (!o.intent) throw new Error(`${args.labelled}:${i + 1}: no "intent"`);
        return { intent: o.intent, text: o.text ?? ticketText({ subject: o.subject ?? '', body: o.body ?? '' }) };
      });
    return { source: args.labelled, items };
  }
  const items = createTicketGenerator(Number(args.seed))
    .take(Number(args.count))
    .map(({ ticket, truth }) => ({ text: ticketText(ticket), intent: truth.intent }));
  return { source: `${items.length} generated tickets (seed ${args.seed})`, items };
}

let enricher;
try {
  enricher = await createEnricher({ ...(args.models && { models: args.models }) });
} catch (e) {
  if (isTicketProcessorError(e) && e.code === 'MODEL_NOT_FOUND') {
    console.error(`The real embedding model is not installed, so there is nothing meaningful to measure:\n${e.message}`);
    process.exit(2);
  }
  throw e;
}
const info = enricher.info().models.embedding;
if (info.source === 'folder' && !args['allow-any-model']) {
  console.error(`--models points at the model folder ${info.path}, not a folder of models with ${'Xenova/all-MiniLM-L6-v2'}; pass --allow-any-model to measure it anyway.`);
  process.exit(2);
}

const taxonomy = await loadTaxonomy(args.taxonomy);
const { kernels } = loadAddon().addon;
const embed = (texts: string[]) => enricher.embed(texts);
const methods = ['rules', 'centroid', 'hybrid'] as const;
const classifiers = await Promise.all(
  methods.map((method) => TaxonomyClassifier.create({ ...taxonomy.intents, scoring: { ...taxonomy.intents.scoring, method } }, embed, kernels)),
);
const { source, items } = labelledSet();
const vectors = await enricher.embed(items.map((i) => i.text));

const intents = taxonomy.intents.labels.map((l) => l.name);
const correct = methods.map(() => 0);
const perIntent = new Map(intents.map((i) => [i, { n: 0, ok: methods.map(() => 0) }]));
items.forEach((item, k) => {
  const stats = perIntent.get(item.intent);
  if (stats) stats.n++;
  classifiers.forEach((c, m) => {
    const hit = c.classify(item.text, vectors[k]).label === item.intent;
    correct[m]! += hit ? 1 : 0;
    if (stats && hit) stats.ok[m]!++;
  });
});

const pct = (x: number, n: number) => (n ? `${((x / n) * 100).toFixed(1)}%` : '-');
console.log(`Intent accuracy on ${source}, embedding model ${info.id}\n`);
console.log(['method', ...methods].join('\t'));
console.log(['all', ...correct.map((c) => pct(c, items.length))].join('\t'));
for (const [intent, s] of perIntent) console.log([intent, ...s.ok.map((ok) => pct(ok, s.n))].join('\t'));
await enricher.close();
