// Writes the libFuzzer seed corpora (scripts/fuzz.sh runs this): the differential-test texts of
// test/corpus as tokenizer inputs, and small tokenizer.json files cut from the fixture models as
// parser inputs. One file per seed under <out>/<target>/.
//   tsx scripts/fuzz-seeds.ts <out-dir>
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { bpeCorpus } from '../test/corpus/bpe-corpus.js';
import { wordpieceCorpus } from '../test/corpus/wordpiece-corpus.js';
import { TINY_BART, TINY_BERT } from '../test/helpers.js';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx scripts/fuzz-seeds.ts <out-dir>');

function write(target: string, data: string | Buffer): void {
  const dir = path.join(out!, target);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, createHash('sha1').update(data).digest('hex')), data);
}

// Tokenizer texts: the first byte is max_length for the target (0 = none; see fuzz_wordpiece.cc).
const texts = [...wordpieceCorpus(), ...bpeCorpus()];
texts.forEach((text, i) => {
  const lead = Buffer.from([i % 3 === 0 ? 0 : [1, 2, 3, 5, 8, 16, 64][i % 7]!]);
  const seed = Buffer.concat([lead, Buffer.from(text, 'utf8')]);
  write('wordpiece', seed);
  write('bpe', seed);
});

// tokenizer.json: the fixtures' structure with a vocabulary of a few hundred tokens (the whole
// files are 80-700 KB, too slow to mutate), plus variants of each component.
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const bert = JSON.parse(readFileSync(path.join(TINY_BERT, 'tokenizer.json'), 'utf8')) as Json;
const bart = JSON.parse(readFileSync(path.join(TINY_BART, 'tokenizer.json'), 'utf8')) as Json;

const smallBert = structuredClone(bert);
smallBert.model.vocab = Object.fromEntries(Object.entries(bert.model.vocab as Record<string, number>).filter(([tok, id]) => id < 120 || (id >= 1996 && id < 2300) || tok.startsWith('##a')).slice(0, 500));
const smallBart = structuredClone(bart);
const bartVocab = Object.entries(bart.model.vocab as Record<string, number>).filter(([, id]) => id < 400);
smallBart.model.vocab = Object.fromEntries(bartVocab);
const kept = new Set(bartVocab.map(([tok]) => tok));
smallBart.model.merges = (bart.model.merges as string[]).filter((m) => {
  const [a, b] = m.split(' ');
  return kept.has(a!) && kept.has(b!) && kept.has(a! + b!);
});

const variants: Json[] = [smallBert, smallBart];
for (const base of [smallBert, smallBart]) {
  const v1 = structuredClone(base);
  v1.truncation = { direction: 'Right', max_length: 16, strategy: 'LongestFirst', stride: 0 };
  v1.padding = { pad_id: 1 };
  variants.push(v1);
  const v2 = structuredClone(base);
  v2.normalizer = null;
  v2.pre_tokenizer = null;
  v2.post_processor = null;
  v2.decoder = null;
  variants.push(v2);
  const v3 = structuredClone(base);
  v3.added_tokens = [...(base.added_tokens as Json[]), { id: 7, content: 'xx', single_word: true, lstrip: true, rstrip: true, normalized: true, special: false }];
  variants.push(v3);
}
const merged = structuredClone(smallBart);
merged.model.merges = (smallBart.model.merges as string[]).map((m) => m.split(' '));
variants.push(merged);
const bertProcessing = structuredClone(smallBert);
bertProcessing.post_processor = { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] };
variants.push(bertProcessing);
for (const v of variants) write('tokenizer_json', JSON.stringify(v));
write('tokenizer_json', '{}');
write('tokenizer_json', '{"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":1},"unk_token":"[UNK]"}}');

// Generation: arbitrary bytes decide the settings and the logits; a few seeds of each length.
for (let i = 0; i < 32; i++) {
  const b = Buffer.alloc(16 + i * 8);
  for (let j = 0; j < b.length; j++) b[j] = (i * 131 + j * 29 + ((j * j) % 17)) & 0xff;
  write('generation', b);
}
console.log(`fuzz seeds: ${texts.length} texts, ${variants.length + 2} tokenizer.json, 32 generation inputs -> ${out}`);
