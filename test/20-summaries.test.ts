// Summaries by the Python system's rules, with and without a summarizer model, through enrich().
import t from 'tap';

import { endWithPunctuation, mostCentral } from '../src/enrich/summaries.js';
import { createEnricher } from '../src/index.js';
import { TINY_BART, TINY_BERT, TINY_SST2 } from './helpers.js';

const long = (s: string) => `${s} ${'The export of the monthly report keeps failing for our whole team since Monday.'.repeat(3)}`;
const base = { created_at: 1_700_000_000, customer_id: 'C-1' };

t.test('punctuation and centrality helpers', async (t) => {
  t.equal(endWithPunctuation('Cannot log in'), 'Cannot log in.');
  t.equal(endWithPunctuation('Why is it down?'), 'Why is it down?');
  t.equal(endWithPunctuation('It said "stop."'), 'It said "stop."');
  t.equal(endWithPunctuation('  '), '');
  // Three identical vectors and one orthogonal: the identical ones are the most central.
  const v = (x: number[]) => Float32Array.from(x);
  t.equal(mostCentral([v([0, 1]), v([1, 0]), v([1, 0]), v([1, 0])]), 1);
});

t.test('with the summarizer model: the rules, then the model', async (t) => {
  const enricher = await createEnricher({ models: { embedding: TINY_BERT, sentiment: TINY_SST2, summarizer: TINY_BART }, maxSummaryLength: 16 });
  t.teardown(() => enricher.close());
  t.equal(enricher.info().models.summarizer?.decoderKind, 'merged');
  t.same(enricher.info().summaries, { maxSummaryLength: 16, minBodyWords: 20 });
  const tickets = [
    { ...base, ticket_id: 'A', subject: 'Cannot log in', body: '' },
    { ...base, ticket_id: 'B', subject: 'Invoice question', body: 'Why was I charged twice this month?' },
    { ...base, ticket_id: 'C', subject: 'Export broken', body: long('Hello team.') },
  ];
  const [a, b, c] = await enricher.enrichMany(tickets);
  t.same([a!.enrichment.summary, a!.enrichment.summary_method], ['Cannot log in.', 'subject'], 'no body: the subject, with punctuation');
  t.same([b!.enrichment.summary, b!.enrichment.summary_method], ['Invoice question.', 'subject'], 'a body under 20 words: the subject');
  t.equal(c!.enrichment.summary_method, 'abstractive');
  t.match(c!.enrichment.summary, /[.!?…]["'”’)\]]*$/u, 'ends with punctuation');
  t.match(c!.enrichment.models.summarizer, { id: TINY_BART, dtype: 'fp32', revision: undefined });
  t.same(Object.keys(c!.enrichment.models.summarizer!.sha256), ['onnx/encoder_model.onnx', 'onnx/decoder_model_merged.onnx'], 'provenance: sha256 of both graphs');
  // The summary is the model's output for the body (16 tokens at most: MAX_SUMMARY_LENGTH).
  const [direct] = await enricher.summarize([tickets[2]!]);
  t.equal(direct, c!.enrichment.summary, 'summarize() and enrich() agree');
  const [longer] = await enricher.summarize([tickets[2]!], { maxLength: 40, minLength: 30 });
  t.ok(longer!.length > direct!.length, 'per-call generation settings override the defaults');
});

t.test('without a summarizer: the most central sentence, cut at MAX_SUMMARY_LENGTH words', async (t) => {
  const saved = process.env.MAX_SUMMARY_LENGTH;
  process.env.MAX_SUMMARY_LENGTH = '6';
  t.teardown(() => (saved === undefined ? delete process.env.MAX_SUMMARY_LENGTH : (process.env.MAX_SUMMARY_LENGTH = saved)));
  const enricher = await createEnricher({ models: { embedding: TINY_BERT, sentiment: TINY_SST2 } });
  t.teardown(() => enricher.close());
  t.equal(enricher.info().models.summarizer, null);
  const repeated = 'The nightly export to our warehouse fails with a timeout error.';
  const body = `${repeated} ${repeated} Unrelated: the office plants need water. ${repeated}`;
  const [summary] = await enricher.summarize([{ ...base, ticket_id: 'X', subject: 's', body }]);
  t.equal(summary, 'The nightly export to our warehouse…', 'the repeated sentence (most central by construction), cut to 6 words');
  process.env.MAX_SUMMARY_LENGTH = '1';
  await t.rejects(createEnricher({ models: TINY_BERT }), { code: 'CONFIG_INVALID', message: /MAX_SUMMARY_LENGTH must be an integer from 2 to 1024, got "1"/ });
});

t.test('a special token past the embedding table (BART <mask> typed in a ticket) is summarized, not an error', async (t) => {
  // The tiny BART, like distilbart-cnn, has <mask> at id vocab_size: outside the encoder's table.
  const enricher = await createEnricher({ models: { embedding: TINY_BERT, summarizer: TINY_BART } });
  t.teardown(() => enricher.close());
  const body = long('Please remove the <mask> from the export.');
  const [withMask, withUnk] = await enricher.summarize([
    { ...base, ticket_id: 'M', subject: 's', body },
    { ...base, ticket_id: 'U', subject: 's', body: body.replace(' <mask>', '<unk>') },
  ]);
  t.equal(withMask, withUnk, '<mask> is read as the unknown token (<mask> swallows the space before it: lstrip)');
});
