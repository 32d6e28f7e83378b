// Bad and extreme inputs: a clear error or a defined result, never a crash.
import t from 'tap';

import { createEnricher, TicketProcessorError } from '../src/index.js';
import { maxAbsDiff, norm, TINY_BERT } from './helpers.js';

const enricher = await createEnricher({ models: TINY_BERT });
t.teardown(() => enricher.close());

t.test('non-arrays and non-strings are INPUT_INVALID errors naming the problem', async (t) => {
  await t.rejects(enricher.embed('hello' as unknown as string[]), { code: 'INPUT_INVALID', message: /array of strings.*embed\(\[text\]\)/ });
  await t.rejects(enricher.embed(undefined as unknown as string[]), { code: 'INPUT_INVALID' });
  await t.rejects(enricher.embed({ length: 1, 0: 'x' } as unknown as string[]), { code: 'INPUT_INVALID' });
  for (const bad of [42, null, undefined, { text: 'x' }, ['x'], Symbol('s'), 10n]) {
    await t.rejects(enricher.embed(['ok', bad as unknown as string]), { code: 'INPUT_INVALID', message: /^texts\[1\] is / }, String(typeof bad));
  }
  const error = await enricher.embed([1 as unknown as string]).catch((e: unknown) => e);
  t.type(error, TicketProcessorError);
});

t.test('an empty array gives an empty result', async (t) => {
  t.same(await enricher.embed([]), []);
});

t.test('an empty string, NUL bytes and lone surrogates embed like their cleaned text', async (t) => {
  const [empty, nul, cleanNul, surrogates, cleanSurrogates] = await enricher.embed([
    '',
    'reset\u0000 my password',
    'reset my password',
    'lone \ud800 surrogate \udfff here',
    'lone surrogate here',
  ]);
  t.ok(Math.abs(norm(empty!) - 1) < 1e-5, 'empty string: the [CLS] [SEP] embedding, unit length');
  // BERT's normalizer drops NUL and U+FFFD (what lone surrogates become in UTF-8).
  t.ok(maxAbsDiff(nul!, cleanNul!) < 1e-6, 'NUL bytes are dropped, not a string terminator');
  t.ok(maxAbsDiff(surrogates!, cleanSurrogates!) < 1e-6, 'lone surrogates are dropped');
});

t.test('a 1 MB text is truncated to maxLength tokens', async (t) => {
  const sentence = 'The export job fails with a timeout after the upgrade. ';
  const huge = sentence.repeat(Math.ceil(1_000_000 / sentence.length));
  t.ok(huge.length >= 1_000_000);
  const [a, b] = await enricher.embed([huge, sentence.repeat(60)]);
  t.ok(maxAbsDiff(a!, b!) < 1e-6, `same first ${enricher.info().models.embedding.maxLength} tokens, same embedding`);
});

t.test('10,000 texts in one call come back in order', async (t) => {
  const texts = Array.from({ length: 10_000 }, (_, i) => `ticket number ${i} about ${i % 2 ? 'billing' : 'login'} problems`);
  const vectors = await enricher.embed(texts);
  t.equal(vectors.length, 10_000);
  const spot = await enricher.embed([texts[0]!, texts[4321]!, texts[9999]!]);
  t.ok(maxAbsDiff(vectors[0]!, spot[0]!) < 1e-5 && maxAbsDiff(vectors[4321]!, spot[1]!) < 1e-5 && maxAbsDiff(vectors[9999]!, spot[2]!) < 1e-5, 'rows are in input order');
  t.ok(new Set(vectors.map((v) => v.buffer)).size === vectors.length, 'each vector owns its memory');
});

t.test('use after close() is ENRICHER_CLOSED; close() waits for calls in flight', async (t) => {
  const other = await createEnricher({ models: TINY_BERT });
  const inFlight = other.embed(Array.from({ length: 2000 }, (_, i) => `text ${i}`));
  const closed = other.close();
  t.equal((await inFlight).length, 2000, 'the call in flight completes');
  await closed;
  await t.rejects(other.embed(['x']), { code: 'ENRICHER_CLOSED' });
  t.throws(() => other.info(), { code: 'ENRICHER_CLOSED' });
  await other.close(); // idempotent
});
