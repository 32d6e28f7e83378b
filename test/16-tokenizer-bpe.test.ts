// The C++ byte-level BPE tokenizer (BART's tokenizer.json, built from GPT-2's BPE files) against
// Hugging Face's Rust tokenizers, over the WordPiece and BPE corpora and ticket texts, with and
// without truncation, for every runnable variant.
import t from 'tap';

import { loadAddon } from '../src/native/load-addon.js';
import { bpeCorpus } from './corpus/bpe-corpus.js';
import { wordpieceCorpus } from './corpus/wordpiece-corpus.js';
import { BART_VOCAB_SIZE, buildBartTokenizerJson } from './fixtures/bart-tokenizer-json.js';
import { runnableVariants } from './helpers.js';
import { huggingFaceDecode, huggingFaceIds } from './reference.js';
import { ticketTexts } from './texts.js';

const tokenizerJson = buildBartTokenizerJson();
const corpus = [...bpeCorpus(), ...wordpieceCorpus(), ...ticketTexts(100, 11)];

t.test('the corpus is big and varied enough', async (t) => {
  t.ok(corpus.length >= 1000, `${corpus.length} strings`);
});

for (const maxLength of [undefined, 1024, 16]) {
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

t.test('settings of the pre-tokenizer and the model also match', async (t) => {
  const base = JSON.parse(tokenizerJson);
  const variants: Record<string, unknown> = {
    'add_prefix_space': { ...base, pre_tokenizer: { ...base.pre_tokenizer, add_prefix_space: true } },
    'use_regex false': { ...base, pre_tokenizer: { ...base.pre_tokenizer, use_regex: false } },
    'ignore_merges': { ...base, model: { ...base.model, ignore_merges: true } },
    'merges as pairs': JSON.parse(buildBartTokenizerJson({ mergesAsPairs: true })),
    'added tokens matched raw': { ...base, added_tokens: base.added_tokens.map((a: object) => ({ ...a, normalized: false })) },
  };
  const { Tokenizer } = loadAddon().addon;
  for (const [name, json] of Object.entries(variants)) {
    const text = JSON.stringify(json);
    const expected = await huggingFaceIds(text, corpus);
    const ours = new Tokenizer(text);
    const mismatches = corpus.filter((s, i) => JSON.stringify(Array.from(ours.encode(s).ids)) !== JSON.stringify(expected[i]));
    t.same(mismatches.map((m) => JSON.stringify(m).slice(0, 60)), [], name);
  }
});

t.test('decode equals Hugging Face tokenizers, and decode(encode(x)) round-trips', async (t) => {
  const { Tokenizer } = loadAddon().addon;
  const tokenizer = new Tokenizer(tokenizerJson);
  const idsList = corpus.map((text) => Array.from(tokenizer.encode(text).ids));
  for (const skip of [true, false]) {
    const expected = await huggingFaceDecode(tokenizerJson, idsList, skip);
    const mismatches = idsList.filter((ids, i) => tokenizer.decode(Int32Array.from(ids), skip) !== expected[i]);
    t.same(mismatches.length, 0, `skipSpecialTokens ${skip}: ${idsList.length - mismatches.length}/${idsList.length} identical`);
  }
  // Byte-level BPE loses nothing but lone surrogates (not UTF-8) and the spaces that special
  // tokens with lstrip/rstrip swallow: every other text comes back as it went in.
  const plain = corpus.filter((text) => !/<(s|\/s|pad|unk|mask)>/u.test(text));
  const broken = plain.filter((text) => tokenizer.decode(tokenizer.encode(text).ids) !== Buffer.from(text, 'utf8').toString('utf8'));
  t.same(broken.map((b) => JSON.stringify(b).slice(0, 60)), [], `${plain.length - broken.length}/${plain.length} round-trip`);
  // A character cut by the ids: U+FFFD, as Hugging Face's ByteLevel decoder gives.
  const emoji = Array.from(tokenizer.encode('😀').ids).filter((id) => id > 3);
  t.ok(emoji.length > 1, 'the emoji is several byte tokens');
  t.equal(tokenizer.decode(Int32Array.from(emoji.slice(0, 1))), (await huggingFaceDecode(tokenizerJson, [emoji.slice(0, 1)], true))[0]);
  t.throws(() => tokenizer.decode([1, 2] as unknown as Int32Array), { name: 'TypeError', message: /ids must be an Int32Array/ });
});

t.test('a 10 MB text truncated to 1024 tokens gives the ids of its beginning', async (t) => {
  const { Tokenizer } = loadAddon().addon;
  const tokenizer = new Tokenizer(tokenizerJson);
  const sentence = 'The customer cannot log in since the update, error 500 on /login. ';
  const ids = Array.from(tokenizer.encode(sentence.repeat(150_000), 1024).ids);
  const [expected] = await huggingFaceIds(tokenizerJson, [sentence.repeat(200)], 1024);
  t.equal(ids.length, 1024);
  t.same(ids, expected);
});

t.test('fingerprint and vocabulary size', async (t) => {
  const { Tokenizer } = loadAddon().addon;
  const strings = new Tokenizer(tokenizerJson);
  const pairs = new Tokenizer(buildBartTokenizerJson({ mergesAsPairs: true }));
  const base = JSON.parse(tokenizerJson);
  const prefixed = new Tokenizer(JSON.stringify({ ...base, pre_tokenizer: { ...base.pre_tokenizer, add_prefix_space: true } }));
  t.equal(strings.vocabSize, BART_VOCAB_SIZE);
  t.equal(strings.fingerprint, pairs.fingerprint, 'merges as strings or pairs are the same tokenizer');
  t.not(strings.fingerprint, prefixed.fingerprint);
});

t.test('unsupported BPE settings are a clear MODEL_INVALID error', async (t) => {
  const { Tokenizer } = loadAddon().addon;
  const base = JSON.parse(tokenizerJson);
  t.throws(() => new Tokenizer(JSON.stringify({ ...base, model: { ...base.model, dropout: 0.1 } })), { code: 'MODEL_INVALID', message: /model\.dropout/ });
  t.throws(() => new Tokenizer(JSON.stringify({ ...base, model: { ...base.model, merges: ['Ġ zzzz'] } })), { code: 'MODEL_INVALID', message: /model\.merges\[0\]/ });
  t.throws(() => new Tokenizer(JSON.stringify({ ...base, pre_tokenizer: { type: 'Metaspace' } })), { code: 'MODEL_INVALID', message: /pre_tokenizer\.type "Metaspace"/ });
});
