// `npm run memory`: does memory come back? Creates, uses and closes many enrichers (the fixture
// models), then runs many embeddings on one, printing RSS at the start, every 10% of each phase
// and at the end. Fails (exit 1) if RSS after the warm-up grew by more than the bound.
//
//   npm run memory -- [--enrichers 1000] [--embeddings 100000] [--bound-mb 50]
//
// Each enricher cycle: createEnricher (embedding + sentiment model; every 10th also the
// summarizer), embed one text, classify one ticket (summarize one on summarizer cycles), close.
// Warm-up = the first 10% of the enricher phase (allocator arenas, ORT's per-thread state,
// V8 heap growth); the bound applies from there to the end.
import { parseArgs } from 'node:util';

import { createEnricher } from '../src/enrich/enricher.js';
import { TINY_BART, TINY_BERT, TINY_SST2 } from '../test/helpers.js';

const { values } = parseArgs({
  options: {
    enrichers: { type: 'string', default: '1000' },
    embeddings: { type: 'string', default: '100000' },
    'bound-mb': { type: 'string', default: '50' },
    batch: { type: 'string', default: '100' },
  },
});
const enrichers = Number(values.enrichers);
const embeddings = Number(values.embeddings);
const boundMb = Number(values['bound-mb']);
const batch = Number(values.batch);

const gc = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number) => bytes / (1024 * 1024);
const rows: { phase: string; done: string; rssMb: number; heapMb: number; seconds: number }[] = [];
const started = performance.now();
function sample(phase: string, done: string): number {
  gc?.();
  const m = process.memoryUsage();
  const row = { phase, done, rssMb: Math.round(mb(m.rss) * 10) / 10, heapMb: Math.round(mb(m.heapUsed) * 10) / 10, seconds: Math.round((performance.now() - started) / 100) / 10 };
  rows.push(row);
  console.log(`${row.phase.padEnd(11)} ${row.done.padStart(15)}  rss ${row.rssMb.toFixed(1).padStart(7)} MB  heap ${row.heapMb.toFixed(1).padStart(6)} MB  ${row.seconds.toFixed(1).padStart(7)} s`);
  return m.rss;
}

const ticket = {
  ticket_id: 'MEM-1',
  subject: 'Charged twice this month',
  body: 'My card was charged twice for the premium plan. Please refund the duplicate payment.',
  created_at: 1_700_000_000,
  customer_id: 'c-1',
};

console.log(`memory check: ${enrichers} enrichers, ${embeddings} embeddings (batches of ${batch}), bound ${boundMb} MB after warm-up${gc ? '' : ' (run with --expose-gc for steadier numbers)'}`);
const start = sample('start', '0');
let warm = start;
const step = Math.max(1, Math.floor(enrichers / 10));
for (let i = 1; i <= enrichers; i++) {
  const withSummarizer = i % 10 === 0;
  const enricher = await createEnricher({ models: { embedding: TINY_BERT, sentiment: TINY_SST2, ...(withSummarizer && { summarizer: TINY_BART }) }, threads: 1 });
  await enricher.embed([`ticket number ${i}: the login page rejects my password`]);
  await enricher.classify([ticket]);
  if (withSummarizer) await enricher.summarize([ticket]);
  await enricher.close();
  if (i % step === 0 || i === enrichers) {
    const rss = sample('enrichers', `${i}/${enrichers}`);
    if (i === step) warm = rss;
  }
}

const enricher = await createEnricher({ models: { embedding: TINY_BERT }, threads: 1 });
const texts = Array.from({ length: batch }, (_, i) => `Invoice ${i} shows the wrong amount; I was charged twice for the premium plan and need a refund.`);
const embedStep = Math.max(batch, Math.floor(embeddings / 10 / batch) * batch);
for (let done = 0; done < embeddings; ) {
  const n = Math.min(batch, embeddings - done);
  const vectors = await enricher.embed(n === batch ? texts : texts.slice(0, n));
  if (vectors.length !== n) throw new Error('wrong number of vectors');
  done += n;
  if (done % embedStep === 0 || done === embeddings) sample('embeddings', `${done}/${embeddings}`);
}
await enricher.close();
const end = sample('end', 'closed');

const growth = mb(end - warm);
console.log(`\nRSS start ${mb(start).toFixed(1)} MB, after warm-up ${mb(warm).toFixed(1)} MB, end ${mb(end).toFixed(1)} MB: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB since warm-up (bound ${boundMb} MB)`);
if (growth > boundMb) {
  console.error(`memory check FAILED: RSS grew by ${growth.toFixed(1)} MB after warm-up`);
  process.exit(1);
}
console.log('memory check passed');
