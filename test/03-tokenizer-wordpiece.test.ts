// The C++ WordPiece tokenizer against Hugging Face's Rust tokenizers on the same tokenizer.json,
// over the 500+ string corpus, with and without truncation, for every runnable variant.
import { readFileSync } from 'node:fs';

import t from 'tap';

import { loadAddon } from '../src/native/load-addon.js';
import { wordpieceCorpus } from './corpus/wordpiece-corpus.js';
import { readTinyTokenizerJson, runnableVariants } from './helpers.js';
import { huggingFaceIds } from './reference.js';
import { ticketTexts } from './texts.js';

const tokenizerJson = readTinyTokenizerJson();
const corpus = [...wordpieceCorpus(), ...ticketTexts(100, 11)];

t.test('the corpus is big and varied enough', async (t) => {
  t.ok(corpus.length >= 500, `${corpus.length} strings`);
});

for (const maxLength of [undefined, 256, 16]) {
  t.test(`ids equal Hugging Face tokenizers (truncation: ${maxLength ?? 'none'})`, async (t) => {
    const expected = await huggingFaceIds(tokenizerJson, corpus, maxLength);
    for (const variant of runnableVariants()) {
      const tokenizer = new (loadAddon(variant).addon.Tokenizer)(tokenizerJson);
      const mismatches: string[] = [];
      corpus.forEach((text, i) => {
        const ids = Array.from(tokenizer.encode(text, maxLength ?? 0).ids);
        if (JSON.stringify(ids) !== JSON.stringify(expected[i])) mismatches.push(JSON.stringify(text).slice(0, 80));
      });
      t.same(mismatches, [], `${variant}: ${corpus.length - mismatches.length}/${corpus.length} identical`);
    }
  });
}

t.test('tokenizer variants of the normalizer settings also match', async (t) => {
  const base = JSON.parse(tokenizerJson);
  const settings = [
    { lowercase: false, strip_accents: false },
    { lowercase: false, strip_accents: true },
    { lowercase: true, strip_accents: false },
    { lowercase: true, strip_accents: null, clean_text: false, handle_chinese_chars: false },
  ];
  const { Tokenizer } = loadAddon().addon;
  for (const s of settings) {
    const json = JSON.stringify({ ...base, normalizer: { ...base.normalizer, ...s } });
    const expected = await huggingFaceIds(json, corpus);
    const ours = new Tokenizer(json);
    const mismatches = corpus.filter((text, i) => JSON.stringify(Array.from(ours.encode(text).ids)) !== JSON.stringify(expected[i]));
    t.same(mismatches.map((m) => JSON.stringify(m).slice(0, 60)), [], JSON.stringify(s));
  }
});

t.test('the fingerprint tells identical tokenizers from different ones', async (t) => {
  const { Tokenizer } = loadAddon().addon;
  const a = new Tokenizer(tokenizerJson);
  const b = new Tokenizer(readFileSync(new URL('./fixtures/models/tiny-bert/tokenizer.json', import.meta.url), 'utf8'));
  const parsed = JSON.parse(tokenizerJson);
  const cased = new Tokenizer(JSON.stringify({ ...parsed, normalizer: { ...parsed.normalizer, lowercase: false } }));
  t.equal(a.fingerprint, b.fingerprint);
  t.not(a.fingerprint, cased.fingerprint);
  t.equal(a.vocabSize, 30522);
});

t.test('bad tokenizer.json is a clear MODEL_INVALID error', async (t) => {
  const { Tokenizer } = loadAddon().addon;
  t.throws(() => new Tokenizer('not json'), { code: 'MODEL_INVALID' });
  t.throws(() => new Tokenizer('{}'), { code: 'MODEL_INVALID', message: /model/ });
  t.throws(() => new Tokenizer(JSON.stringify({ ...JSON.parse(tokenizerJson), model: { type: 'Unigram' } })), { code: 'MODEL_INVALID', message: /Unigram/ });
  t.throws(() => new Tokenizer(42 as unknown as string), { code: 'INPUT_INVALID' });
});
