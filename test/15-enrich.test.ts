// enrich(), enrichMany() and classify(): the EnrichedTicket contract, ticket validation with
// paths, explicit priority, the NEUTRAL band, and what happens without a sentiment model.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import t from 'tap';

import { createEnricher, type RawTicketInput } from '../src/index.js';
import { createTicketGenerator } from '../src/seed/ticket-generator.js';
import { maxAbsDiff, norm, TINY_BERT, TINY_MODELS } from './helpers.js';

const enricher = await createEnricher({ models: TINY_MODELS });
t.teardown(() => enricher.close());
const tickets = createTicketGenerator(9)
  .take(40)
  .map((g) => g.ticket);

t.test('enrichMany returns the EnrichedTicket contract for every ticket, in order', async (t) => {
  const out = await enrichMany(tickets);
  t.equal(out.length, tickets.length);
  const info = enricher.info();
  for (let i = 0; i < out.length; i++) {
    const e = out[i]!.enrichment;
    t.equal(out[i]!.ticket_id, tickets[i]!.ticket_id, 'raw fields kept, in input order');
    t.equal(e.embedding.length, info.models.embedding.dim);
    t.ok(Math.abs(norm(e.embedding) - 1) < 1e-5);
    t.ok(info.taxonomy.intents.includes(e.intent));
    t.ok(['critical', 'high', 'medium', 'low'].includes(e.urgency));
    t.ok(['POSITIVE', 'NEGATIVE', 'NEUTRAL'].includes(e.sentiment));
    for (const c of [e.intent_confidence, e.urgency_confidence, e.sentiment_confidence]) t.ok(c >= 0 && c <= 1, 'confidence in [0, 1]');
    t.equal(e.intent_top.length, 3);
    t.ok(e.intent_top[0]!.score >= e.intent_top[1]!.score && e.intent_top[1]!.score >= e.intent_top[2]!.score, 'top three, best first');
    t.ok(!Number.isNaN(Date.parse(e.processed_at)) && e.processed_at.endsWith('Z'), 'processed_at is ISO-8601 UTC');
    t.match(e.model_version, /^ticket-processor@\d+\.\d+\.\d+/);
    t.same(e.models, {
      embedding: { id: TINY_BERT, revision: undefined, dtype: 'fp32', sha256: info.models.embedding.sha256 },
      sentiment: { id: TINY_MODELS.sentiment, revision: undefined, dtype: 'fp32', sha256: info.models.sentiment!.sha256 },
      summarizer: null,
    });
    t.equal(e.cpu_variant, info.variant);
    const bodyWords = tickets[i]!.body.split(/\s+/).filter(Boolean).length;
    t.equal(e.summary_method, bodyWords < 20 ? 'subject' : 'extractive', 'no summarizer model: extractive, or the subject for short bodies');
    t.match(e.summary, /[.!?…]["'”’)\]]*$/u, 'the summary ends with punctuation');
  }
  async function enrichMany(x: RawTicketInput[]) {
    return enricher.enrichMany(x);
  }
});

t.test('enrich(ticket) equals enrichMany([ticket]) and embed(text)', async (t) => {
  const ticket = tickets[3]!;
  const [one, many] = await Promise.all([enricher.enrich(ticket), enricher.enrichMany([ticket])]);
  t.same({ ...one.enrichment, processed_at: '' }, { ...many[0]!.enrichment, processed_at: '' });
  const [vector] = await enricher.embed([`${ticket.subject.trim()}\n\n${ticket.body.trim()}`]);
  t.ok(maxAbsDiff(one.enrichment.embedding, vector!) < 1e-6, 'the embedding is of "subject\\n\\nbody"');
  const c = await enricher.classify([ticket]);
  t.equal(c[0]!.intent.label, one.enrichment.intent);
  t.equal(c[0]!.sentiment.label, one.enrichment.sentiment);
});

t.test('an explicit priority wins with confidence 1', async (t) => {
  const base = { ticket_id: 'P-1', subject: 'Production is down for all users', body: 'Outage, emergency!', created_at: 1_700_000_000, customer_id: 'C-1' };
  const [byModel, byPriority] = await enricher.enrichMany([base, { ...base, ticket_id: 'P-2', priority: 'low' }]);
  t.equal(byModel!.enrichment.urgency, 'critical');
  t.equal(byModel!.enrichment.urgency_source, 'model');
  t.same([byPriority!.enrichment.urgency, byPriority!.enrichment.urgency_confidence, byPriority!.enrichment.urgency_source], ['low', 1, 'priority']);
});

t.test('unknown fields and metadata pass through; defaults are filled', async (t) => {
  const out = await enricher.enrich({ ticket_id: 'X-1', subject: 'Hello', created_at: 1, customer_id: 'c', channel_id: 42, metadata: { tags: ['vip'], region: 'EU' } } as RawTicketInput);
  t.equal((out as unknown as { channel_id: number }).channel_id, 42);
  t.same(out.metadata, { source: 'unknown', language: 'en', tags: ['vip'], region: 'EU' });
  t.equal(out.body, '');
});

t.test('invalid tickets are INPUT_INVALID with every violation and its path', async (t) => {
  const bad = { ticket_id: '', subject: 7, created_at: 1.5, customer_id: 'c', priority: 'urgent', metadata: { tags: ['a', 3] } };
  const e = await enricher.enrich(bad as never).catch((x: Error & { code: string }) => x);
  t.equal((e as { code: string }).code, 'INPUT_INVALID');
  t.same((e as Error).message.split('\n'), [
    'invalid ticket:',
    'ticket.ticket_id: must not be empty',
    'ticket.subject: Invalid input: expected string, received number',
    'ticket.priority: Invalid option: expected one of "critical"|"high"|"medium"|"low"',
    'ticket.created_at: must be an integer (unix seconds)',
    'ticket.metadata.tags[1]: Invalid input: expected string, received number',
  ]);
  const many = await enricher.enrichMany([tickets[0]!, { ...tickets[1]!, created_at: 1_700_000_000_000 }, null as never]).catch((x: Error) => x);
  t.same((many as Error).message.split('\n'), [
    'invalid tickets:',
    'tickets[1].created_at: must be before year 10000 (unix seconds, not milliseconds)',
    'tickets[2]: Invalid input: expected object, received null',
  ]);
  await t.rejects(enricher.classify('nope' as never), { code: 'INPUT_INVALID', message: /classify\(tickets\) takes an array of tickets/ });
  t.same(await enricher.enrichMany([]), []);
});

t.test('NEUTRAL below the band, POSITIVE/NEGATIVE above it, same probabilities', async (t) => {
  const strict = await createEnricher({ models: TINY_MODELS, neutralBelow: 1 });
  const never = await createEnricher({ models: TINY_MODELS, neutralBelow: 0 });
  t.teardown(() => Promise.all([strict.close(), never.close()]));
  const [a, b] = await Promise.all([strict.classify(tickets), never.classify(tickets)]);
  for (let i = 0; i < tickets.length; i++) {
    t.equal(a[i]!.sentiment.label, 'NEUTRAL');
    const { POSITIVE: pos, NEGATIVE: neg } = b[i]!.sentiment.scores;
    t.equal(b[i]!.sentiment.label, pos! >= neg! ? 'POSITIVE' : 'NEGATIVE');
    t.equal(a[i]!.sentiment.confidence, b[i]!.sentiment.confidence, 'the top probability either way');
    t.ok(Math.abs(pos! + neg! - 1) < 1e-6);
  }
  t.equal(strict.info().sentiment.neutralBelow, 1);
  t.equal(enricher.info().sentiment.neutralBelow, 0.55, 'default as in the Python system');
});

t.test('provenance: id, revision, dtype and the sha256 of each ONNX file, in info() and every ticket', async (t) => {
  const info = enricher.info();
  const sha256 = (dir: string) => createHash('sha256').update(readFileSync(path.join(dir, 'onnx', 'model.onnx'))).digest('hex');
  t.same(info.models.embedding.sha256, { 'onnx/model.onnx': sha256(TINY_BERT) });
  t.same(info.models.sentiment!.sha256, { 'onnx/model.onnx': sha256(TINY_MODELS.sentiment) });
  t.equal(info.models.embedding.revision, undefined, 'a plain folder has no revision');
  const [a, b] = await enricher.enrichMany(tickets.slice(0, 2));
  t.same(JSON.parse(JSON.stringify(a!.enrichment.models)), {
    embedding: { id: TINY_BERT, dtype: 'fp32', sha256: { 'onnx/model.onnx': sha256(TINY_BERT) } },
    sentiment: { id: TINY_MODELS.sentiment, dtype: 'fp32', sha256: { 'onnx/model.onnx': sha256(TINY_MODELS.sentiment) } },
    summarizer: null,
  }, 'as stored (JSON): no revision key for a plain folder');
  t.not(a!.enrichment.models.embedding, b!.enrichment.models.embedding, 'each ticket owns its provenance objects');
});

t.test('without a sentiment model: embed works, classify says what is missing', async (t) => {
  const embeddingOnly = await createEnricher({ models: TINY_BERT });
  t.teardown(() => embeddingOnly.close());
  t.equal(embeddingOnly.info().models.sentiment, null);
  t.equal((await embeddingOnly.embed(['x'])).length, 1);
  await t.rejects(embeddingOnly.enrich(tickets[0]!), { code: 'MODEL_NOT_FOUND', message: /no sentiment model is loaded.*models\.sentiment.*distilbert-base-uncased-finetuned-sst-2-english/s });
  await t.rejects(createEnricher({ models: { embedding: TINY_BERT, sentiment: '/no/such/sst2' } }), { code: 'MODEL_NOT_FOUND', message: /sentiment model folder \/no\/such\/sst2 does not exist/ });
  await t.rejects(createEnricher({ models: { embedding: TINY_BERT, sentiment: TINY_BERT } }), { code: 'MODEL_INVALID', message: /id2label/ });
});
