// Texts for checking the C++ byte-level BPE tokenizer (GPT-2 / RoBERTa / BART) against Hugging
// Face's `tokenizers` (@anush008/tokenizers): the cases where GPT-2's pre-tokenization pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// and the byte-level alphabet are easy to get wrong. Use it together with wordpieceCorpus().
// Deterministic: the only randomness is a fixed-seed generator.

// mulberry32, as in wordpiece-corpus.ts.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, list: readonly T[]): T {
  const v = list[Math.floor(random() * list.length)];
  if (v === undefined) throw new Error('pick from an empty list');
  return v;
}

// Contractions: only ASCII apostrophe + lowercase s t re ve m ll d are split off; a space in
// front, another apostrophe, an uppercase letter or a curly apostrophe changes the split.
const CONTRACTIONS = [
  "it's", "don't", "we're", "they've", "I'm", "you'll", "he'd", "can't", "won't", "y'all",
  "IT'S", "DON'T", "WE'RE", "I'M", "You'LL", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'",
  "''", "'''s", "''s", "' s", " 's", "  's", "x 's", "x  're", "'sam", "'tis", "'rex", "'vet",
  "'mm", "'lll", "'llama", "'dd", "'r", "'v", "'l", "'x", "rock'n'roll", "O'Neil", "o'clock",
  "the customers' accounts", "'quoted'", "\"'s\"", "?'s", "!'re", "1's", "1990's", "'90s", "é's",
  "it’s", "don’t", "we’re", "I’m", "you’ll", "‘quoted’", "it‘s", "ʼs", "it＇s", "it`s", "it´s",
  "'s'", "'s's", "'re're", "'ll'll", "' ", "'\n", "'\t's", "a'", "a''", "a'b'c'd", "'S'T'RE",
];

const NUMBERS = [
  '0', '7', '42', '1234567890', '12345678901234567890', '3.14159', '1,000,000', '1 000 000', '-17',
  '+1 (555) 010-9999', '2024-06-01T12:34:56Z', '0x1F', '1e-9', '½ ¾ ⅓', '①②③', '٣٤٥ ۶۷۸', '१२३',
  '๑๒๓', '１２３', '²³', 'Ⅻ', '𝟘𝟙𝟚', 'v1.2.3', 'ticket #4521', '#4521', '$19.99', '€5', '100%',
  'a1b2c3', '1a2b3c', ' 1', '  1', '1 ', '1\n2', 'x1', '1x', '1.', '.1', '1,', '1 1 1',
];

const SPACES = [
  '', ' ', '  ', '   ', '    ', ' a', '  a', '   a', 'a ', 'a  ', 'a   ', ' a ', '  a  ', 'a b',
  'a  b', 'a   b', 'a    b', 'a \tb', 'a\t b', 'a\t\tb', 'a\nb', 'a\n\nb', 'a \n b', 'a\n \nb',
  '\n', '\n\n', '\n\n\n', ' \n', '\n ', '\t', '\t\t', ' \t ', '\r\n', 'a\r\nb', '\r\n\r\n',
  'line one\nline two\n\nline four\n', '\tindented\n\t\tmore', '  two leading', 'two trailing  ',
  '\u00a0', 'a\u00a0b', 'a \u00a0b', '\u3000', 'a\u3000b', '\u2003\u2009', 'a\u2028b', 'a\u0085b',
  'a\u000bb', 'a\u000cb', 'a \u200bb', '\u200b', 'a\u1680b', ' \u00a0 a', '\u00a0 a', ' !', '  !',
  '!  ', ' . ', 'end.', 'end .', 'end  .', '\n.', '. \n', ' \n\n a', 'x\n\n\n\ny', '\t\n\r ',
  ' '.repeat(40), `${' '.repeat(40)}a`, `a${' '.repeat(40)}b`, `${'\n'.repeat(30)}x`, `x${' \n'.repeat(20)}`,
];

const EMOJI = [
  '😀', '😀😀', 'a😀', '😀a', ' 😀', '😀 ', '👍🏽', '👨‍👩‍👧‍👦', '🇫🇷🇩🇪', '❤️', '❤', '☺️', '🏳️‍🌈', '🙏 thanks',
  'great job 👏👏👏', 'it broke 💥!', '🔥🔥 urgent 🔥🔥', '🧑🏿‍💻', '*️⃣', '#️⃣', '©®™', '🀄', '🂡',
  '\u{1FAE8}', '\u{1FAE0}', 'emoji\u200dnot', '😀\u200d😀',
];

const CJK = [
  '中文', '我爱北京天安门', '你好，世界！', '日本語のテキスト', 'ひらがなカタカナ', '한국어 텍스트입니다', '안녕하세요',
  '繁體中文測試', '中文English混合', 'Ticket#123号问题', '𠀀𠀁', '𪜀', '𰀀', '豈更車', '〈〉《》「」', '　全角　',
  'ｶﾀｶﾅ', 'Ｆｕｌｌ　ＡＢＣ１２３', '中 文', '中\n文', '々〆〇', '漢字とかな交じり文', 'ㄅㄆㄇ', '한글ㄱㄴ',
];

const MIXED_SCRIPTS = [
  'Ελληνικά', 'Русский текст', 'עברית', 'العربية', 'हिन्दी', 'ไทย', 'ქართული', 'Հայերեն', 'አማርኛ',
  'Tiếng Việt', 'Türkçe İstanbul', 'naïve café', 'e\u0301', 'Å', 'A\u030a', 'ﬁnance', 'straße',
  'Σίσυφος', 'Привет, мир!', 'مرحبا بالعالم', 'שלום עולם', 'x\u0301\u0323y', 'a\u0300\u0301\u0302',
  'abcабвαβγ', 'latinКириллица', 'ab中cd', 'αβγ123', 'Ω≈ç√∫', '\u{10D40}', '\u{11DB0}\u{11DB1}',
  '\u088F', '\u0C5C', 'A\u{10940}B', '\u{11DE0}\u{11DE1}', '7\u{16FF4}', '\u{323B0}中', '꟎꟏',
];

const CODE = [
  'const x = a + b;', 'if (x != null) { return y; }', 'for (let i = 0; i < n; i++) {}',
  'def f(x):\n    return x ** 2\n', '    indented = True', '\tif x:\n\t\treturn',
  'SELECT * FROM tickets WHERE id = 42;', '<div class="a">hi</div>', '{"key": "value", "n": [1, 2]}',
  'https://example.com/path?q=1&r=2#frag', 'user@example.com', 'C:\\Users\\me\\file.txt', '/usr/bin/env node',
  'snake_case_name', 'camelCaseName', 'PascalCase', 'kebab-case-name', 'SCREAMING_CASE', '__init__',
  'a->b', 'a=>b', 'x<<=2', '#!/bin/bash', 'echo "$HOME"', '// comment', '/* block */', '#include <stdio.h>',
  'std::vector<int>', 'Array<string>', 'foo()', 'foo(bar, baz)', '[1,2,3]', '...', '…', '—', '––', '!!!',
  '???', '?!', '@@@', '$$$', '%%', '^^', '~~~', '|||', '\\\\', '``', '```js\ncode\n```',
  'ERROR 500: Internal Server Error at /api/v2/login', 'TypeError: Cannot read properties of undefined',
  'stack trace:\n  at foo (app.js:10:5)\n  at bar (app.js:20:7)',
];

const SPECIAL_TOKENS = [
  '<s>', '</s>', '<pad>', '<unk>', '<mask>', 'a <mask>', 'a  <mask>', 'a\n<mask>', '<mask>a', ' <mask> ',
  '<mask><mask>', 'a<mask>b', '<s>hello</s>', 'hello</s>world', '<s> hello', '<mask>', '< mask >',
  '<MASK>', '<s', 's>', '<</s>>', '<s><s>', '\u00a0<mask>', '\t<mask>', '<mask>\t', 'x <pad> y', '<|endoftext|>',
  'madeupword0000', 'x madeupword0001', '[CLS] [SEP]',
];

function longWords(): string[] {
  return [
    'a'.repeat(300),
    'ab'.repeat(200),
    'supercalifragilisticexpialidocious'.repeat(10),
    'x'.repeat(5000),
    '😀'.repeat(200),
    '中'.repeat(500),
    '1'.repeat(1000),
    '!'.repeat(600),
    'é'.repeat(400),
    'Pneumonoultramicroscopicsilicovolcanoconiosis',
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab',
    `${'ab'.repeat(300)} ${'cd'.repeat(300)}`,
    'thethethethethethethethethethethethethethethethethethethethethethethe',
    'ĠĠĠĠ ĊĊ', 'Ġthe', 'âĢĶ',
  ];
}

// ---- Combinations inside ordinary text ---------------------------------------------------------

function mixed(count: number, seed: number): string[] {
  const random = rng(seed);
  const pools = [CONTRACTIONS, NUMBERS, SPACES, EMOJI, CJK, MIXED_SCRIPTS, CODE, SPECIAL_TOKENS];
  const words = ['the', 'account', 'Payment', 'LOGIN', 'failed', "can't", 'help', 'error', 'ticket', 'order'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 2 + Math.floor(random() * 6);
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(random() < 0.5 ? pick(random, words) : pick(random, pick(random, pools)));
    out.push(parts.join(pick(random, [' ', '', '  ', '\n', ', ', '\t', ' \n '])));
  }
  return out;
}

export function bpeCorpus(): string[] {
  return [
    ...CONTRACTIONS,
    ...NUMBERS,
    ...SPACES,
    ...EMOJI,
    ...CJK,
    ...MIXED_SCRIPTS,
    ...CODE,
    ...SPECIAL_TOKENS,
    ...longWords(),
    ...mixed(200, 777),
  ];
}
