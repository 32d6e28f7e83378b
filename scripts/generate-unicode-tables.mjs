#!/usr/bin/env node
// Generates native/tokenizer/unicode_tables.cc: the Unicode data used by the C++ BERT
// tokenizer (native/tokenizer/), derived from the ICU that ships inside this Node binary.
//
//   node scripts/generate-unicode-tables.mjs            # writes the file
//   node scripts/generate-unicode-tables.mjs --check    # exits 1 if the committed file differs
//
// What it derives, and from what:
//   White_Space            /\p{White_Space}/u              (Rust char::is_whitespace)
//   Other = Cc|Cf|Co       /\p{Cc}/u /\p{Cf}/u /\p{Co}/u    (unicode_categories is_other)
//   Punctuation = P*       /\p{P}/u                         (unicode_categories is_punctuation)
//   Mn                     /\p{Mn}/u                        (unicode_categories is_mark_nonspacing)
//   Word                   Alphabetic|M|Nd|Pc|Join_Control  (regex crate \w, for single_word tokens)
//                          (HF_COMPAT.word: the regex crate's data is Unicode 16.0)
//   Letter = L*, Number = N*  /\p{L}/u /\p{N}/u                (onig \p{L} \p{N}: the ByteLevel regex)
//   Lowercase              String.prototype.toLowerCase() on each code point alone
//                          (= Rust char::to_lowercase: no context, so no final-sigma rule)
//   Canonical decomposition String.prototype.normalize('NFD') on each code point alone
//                          (Hangul syllables are left out: decomposed algorithmically in C++)
//   Canonical combining class: JavaScript has no API for it, so it is recovered from NFD's
//                          canonical reordering (see cccRanks below). The numbers written are
//                          order-preserving ranks (1..K), not the UCD values; only their order
//                          is ever used (stable sort of a run of non-starters).
//
// Hugging Face `tokenizers` takes Cc/Cf/Co, P* and Mn from the Rust crate `unicode_categories`
// 0.1.1, whose tables are Unicode 8.0, and NFD from `unicode-normalization-alignments` 0.1.12
// (Unicode 9.0 data); whitespace and lowercase come from Rust's std (recent, as here). Code points whose answer differs
// between that old data and today's ICU are listed in HF_COMPAT below, found by the exhaustive
// code-point comparison against @anush008/tokenizers (see the comment there); the generator
// applies them on top of ICU so that the C++ tokenizer gives the same ids as Hugging Face.
// The ByteLevel pre-tokenizer's regex (GPT-2's pattern) runs in Oniguruma (the `onig` crate, its
// bundled C library), whose Unicode data is 16.0: \s there is exactly White_Space, and \p{L} /
// \p{N} differ from ICU only by the code points Unicode 17.0 added (HF_COMPAT.letter / number).

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outFile = path.join(root, 'native', 'tokenizer', 'unicode_tables.cc');

const MAX = 0x10ffff;
const isSurrogate = (c) => c >= 0xd800 && c <= 0xdfff;
const hex = (c) => '0x' + c.toString(16).toUpperCase();

// ---------------------------------------------------------------------------------------------
// Hugging Face compatibility: code points where tokenizers 0.22 (old Unicode data in the crates
// unicode_categories and unicode-normalization-alignments) answers differently from ICU.
// Each entry lists inclusive ranges.
// Found by comparing every code point (alone, and as "a" + c + "b") with @anush008/tokenizers
// 0.6.0 = tokenizers 0.22.2: BertNormalizer (each option), BertPreTokenizer and the encoded ids.
// unicode_categories 0.1.1 has Unicode 8.0 tables: code points assigned or recategorized since
// then are not Cf / P* / Mn there (and U+1734, U+1171E are still Mn, U+166D and U+111C9 still
// Po). unicode-normalization-alignments 0.1.12 predates Unicode 13: it does not decompose
// U+11938 (13.0) nor the Unicode 16 additions (Todhri, Tulu-Tigalari, Gurung Khema, Kirat Rai),
// and its canonical combining classes are those of Unicode 9.0: marks assigned since then have
// class 0 there (noCombiningClass; found by testing every pair of the marks that strip_accents
// keeps, which is the only place where classes show: canonical reordering).
// With a newer Node (newer ICU), rerun the comparison: new code points may need adding here.
const HF_COMPAT = {
  other: {
    add: [],
    remove: [
      [0x890, 0x891], [0x8E2, 0x8E2], [0x110CD, 0x110CD], [0x13430, 0x1343F],
    ],
  },
  punctuation: {
    add: [
      [0x166D, 0x166D], [0x111C9, 0x111C9],
    ],
    remove: [
      [0x61D, 0x61D], [0x9FD, 0x9FD], [0xA76, 0xA76], [0xC77, 0xC77], [0xC84, 0xC84],
      [0x1B4E, 0x1B4F], [0x1B7D, 0x1B7F], [0x2E43, 0x2E4F], [0x2E52, 0x2E5D], [0x10D6E, 0x10D6E],
      [0x10EAD, 0x10EAD], [0x10ED0, 0x10ED0], [0x10F55, 0x10F59], [0x10F86, 0x10F89],
      [0x113D4, 0x113D5], [0x113D7, 0x113D8], [0x1144B, 0x1144F], [0x1145A, 0x1145B],
      [0x1145D, 0x1145D], [0x11660, 0x1166C], [0x116B9, 0x116B9], [0x1183B, 0x1183B],
      [0x11944, 0x11946], [0x119E2, 0x119E2], [0x11A3F, 0x11A46], [0x11A9A, 0x11A9C],
      [0x11A9E, 0x11AA2], [0x11B00, 0x11B09], [0x11BE1, 0x11BE1], [0x11C41, 0x11C45],
      [0x11C70, 0x11C71], [0x11EF7, 0x11EF8], [0x11F43, 0x11F4F], [0x11FFF, 0x11FFF],
      [0x12FF1, 0x12FF2], [0x16D6D, 0x16D6F], [0x16E97, 0x16E9A], [0x16FE2, 0x16FE2],
      [0x1E5FF, 0x1E5FF], [0x1E95E, 0x1E95F],
    ],
  },
  nonspacingMark: {
    add: [
      [0x1734, 0x1734], [0x1171E, 0x1171E],
    ],
    remove: [
      [0x7FD, 0x7FD], [0x897, 0x89F], [0x8CA, 0x8E1], [0x9FE, 0x9FE], [0xAFA, 0xAFF], [0xB55, 0xB55],
      [0xC04, 0xC04], [0xC3C, 0xC3C], [0xD00, 0xD00], [0xD3B, 0xD3C], [0xD81, 0xD81], [0xEBA, 0xEBA],
      [0xECE, 0xECE], [0x180F, 0x180F], [0x1885, 0x1886], [0x1ABF, 0x1ADD], [0x1AE0, 0x1AEB],
      [0x1DF6, 0x1DFB], [0xA82C, 0xA82C], [0xA8C5, 0xA8C5], [0xA8FF, 0xA8FF], [0xA9BD, 0xA9BD],
      [0x10D24, 0x10D27], [0x10D69, 0x10D6D], [0x10EAB, 0x10EAC], [0x10EFA, 0x10EFF],
      [0x10F46, 0x10F50], [0x10F82, 0x10F85], [0x11070, 0x11070], [0x11073, 0x11074],
      [0x110C2, 0x110C2], [0x111C9, 0x111C9], [0x111CF, 0x111CF], [0x1123E, 0x1123E],
      [0x11241, 0x11241], [0x1133B, 0x1133B], [0x113BB, 0x113C0], [0x113CE, 0x113CE],
      [0x113D0, 0x113D0], [0x113D2, 0x113D2], [0x113E1, 0x113E2], [0x11438, 0x1143F],
      [0x11442, 0x11444], [0x11446, 0x11446], [0x1145E, 0x1145E], [0x1182F, 0x11837],
      [0x11839, 0x1183A], [0x1193B, 0x1193C], [0x1193E, 0x1193E], [0x11943, 0x11943],
      [0x119D4, 0x119D7], [0x119DA, 0x119DB], [0x119E0, 0x119E0], [0x11A01, 0x11A0A],
      [0x11A33, 0x11A38], [0x11A3B, 0x11A3E], [0x11A47, 0x11A47], [0x11A51, 0x11A56],
      [0x11A59, 0x11A5B], [0x11A8A, 0x11A96], [0x11A98, 0x11A99], [0x11B60, 0x11B60],
      [0x11B62, 0x11B64], [0x11B66, 0x11B66], [0x11C30, 0x11C36], [0x11C38, 0x11C3D],
      [0x11C3F, 0x11C3F], [0x11C92, 0x11CA7], [0x11CAA, 0x11CB0], [0x11CB2, 0x11CB3],
      [0x11CB5, 0x11CB6], [0x11D31, 0x11D36], [0x11D3A, 0x11D3A], [0x11D3C, 0x11D3D],
      [0x11D3F, 0x11D45], [0x11D47, 0x11D47], [0x11D90, 0x11D91], [0x11D95, 0x11D95],
      [0x11D97, 0x11D97], [0x11EF3, 0x11EF4], [0x11F00, 0x11F01], [0x11F36, 0x11F3A],
      [0x11F40, 0x11F40], [0x11F42, 0x11F42], [0x11F5A, 0x11F5A], [0x13440, 0x13440],
      [0x13447, 0x13455], [0x1611E, 0x16129], [0x1612D, 0x1612F], [0x16F4F, 0x16F4F],
      [0x16FE4, 0x16FE4], [0x1CF00, 0x1CF2D], [0x1CF30, 0x1CF46], [0x1E000, 0x1E006],
      [0x1E008, 0x1E018], [0x1E01B, 0x1E021], [0x1E023, 0x1E024], [0x1E026, 0x1E02A],
      [0x1E08F, 0x1E08F], [0x1E130, 0x1E136], [0x1E2AE, 0x1E2AE], [0x1E2EC, 0x1E2EF],
      [0x1E4EC, 0x1E4EF], [0x1E5EE, 0x1E5EF], [0x1E6E3, 0x1E6E3], [0x1E6E6, 0x1E6E6],
      [0x1E6EE, 0x1E6EF], [0x1E6F5, 0x1E6F5], [0x1E944, 0x1E94A],
    ],
  },
  // The regex crate's \w (single_word added tokens) has Unicode 16.0 data too: the word
  // characters Unicode 17.0 added are not \w there. Found with a single_word token "qqzx":
  // "qqzx"+c and c+"qqzx" match it iff c is not \w (both sides agree for every code point).
  word: {
    add: [],
    remove: [
      [0x88F, 0x88F], [0xC5C, 0xC5C], [0xCDC, 0xCDC], [0x1ACF, 0x1ADD], [0x1AE0, 0x1AEB],
      [0xA7CE, 0xA7CF], [0xA7D2, 0xA7D2], [0xA7D4, 0xA7D4], [0xA7F1, 0xA7F1], [0x10940, 0x10959],
      [0x10EC5, 0x10EC7], [0x10EFA, 0x10EFB], [0x11B60, 0x11B67], [0x11DB0, 0x11DDB],
      [0x11DE0, 0x11DE9], [0x16EA0, 0x16EB8], [0x16EBB, 0x16ED3], [0x16FF2, 0x16FF6],
      [0x187F8, 0x187FF], [0x18D09, 0x18D1E], [0x18D80, 0x18DF2], [0x1E6C0, 0x1E6DE],
      [0x1E6E0, 0x1E6F5], [0x1E6FE, 0x1E6FF], [0x2B73A, 0x2B73F], [0x2CEA2, 0x2CEAD],
      [0x323B0, 0x33479],
    ],
  },
  // Onig's \p{L} and \p{N} (Unicode 16.0): the letters and digits Unicode 17.0 added are
  // [^\s\p{L}\p{N}] there. Found by classifying every code point with the reference's ByteLevel
  // pre-tokenizer ("a"+c, "1"+c, "!"+c in one piece or not) and comparing with ICU.
  letter: {
    add: [],
    remove: [
      [0x88F, 0x88F], [0xC5C, 0xC5C], [0xCDC, 0xCDC], [0xA7CE, 0xA7CF], [0xA7D2, 0xA7D2],
      [0xA7D4, 0xA7D4], [0xA7F1, 0xA7F1], [0x10940, 0x10959], [0x10EC5, 0x10EC7],
      [0x11DB0, 0x11DDB], [0x16EA0, 0x16EB8], [0x16EBB, 0x16ED3], [0x16FF2, 0x16FF3],
      [0x187F8, 0x187FF], [0x18D09, 0x18D1E], [0x18D80, 0x18DF2], [0x1E6C0, 0x1E6DE],
      [0x1E6E0, 0x1E6E2], [0x1E6E4, 0x1E6E5], [0x1E6E7, 0x1E6ED], [0x1E6F0, 0x1E6F4],
      [0x1E6FE, 0x1E6FF], [0x2B73A, 0x2B73F], [0x2CEA2, 0x2CEAD], [0x323B0, 0x33479],
    ],
  },
  number: {
    add: [],
    remove: [
      [0x11DE0, 0x11DE9], [0x16FF4, 0x16FF6],
    ],
  },
  noCombiningClass: [
    [0x7FD, 0x7FD], [0x897, 0x89F], [0x8CA, 0x8D3], [0x9FE, 0x9FE], [0xC3C, 0xC3C], [0xD3B, 0xD3C],
    [0xEBA, 0xEBA], [0x1715, 0x1715], [0x1ABF, 0x1ADD], [0x1AE0, 0x1AEB], [0x1DF6, 0x1DFA],
    [0xA82C, 0xA82C], [0x10D24, 0x10D27], [0x10D69, 0x10D6D], [0x10EAB, 0x10EAC],
    [0x10EFA, 0x10EFB], [0x10EFD, 0x10EFF], [0x10F46, 0x10F50], [0x10F82, 0x10F85],
    [0x11070, 0x11070], [0x1133B, 0x1133B], [0x113CE, 0x113D0], [0x1145E, 0x1145E],
    [0x11839, 0x1183A], [0x1193D, 0x1193E], [0x11943, 0x11943], [0x119E0, 0x119E0],
    [0x11A34, 0x11A34], [0x11A47, 0x11A47], [0x11A99, 0x11A99], [0x11D42, 0x11D42],
    [0x11D44, 0x11D45], [0x11D97, 0x11D97], [0x11F41, 0x11F42], [0x1612F, 0x1612F],
    [0x16FF0, 0x16FF1], [0x1E08F, 0x1E08F], [0x1E130, 0x1E136], [0x1E2AE, 0x1E2AE],
    [0x1E2EC, 0x1E2EF], [0x1E4EC, 0x1E4EF], [0x1E5EE, 0x1E5EF], [0x1E6E3, 0x1E6E3],
    [0x1E6E6, 0x1E6E6], [0x1E6EE, 0x1E6EF], [0x1E6F5, 0x1E6F5],
  ],
  noDecomposition: [
    [0x105C9, 0x105C9], [0x105E4, 0x105E4], [0x11383, 0x11383], [0x11385, 0x11385],
    [0x1138E, 0x1138E], [0x11391, 0x11391], [0x113C5, 0x113C5], [0x113C7, 0x113C8],
    [0x11938, 0x11938], [0x16121, 0x16128], [0x16D68, 0x16D6A],
  ],
};

// ---------------------------------------------------------------------------------------------
function predicateSet(test) {
  const set = new Uint8Array(MAX + 1);
  for (let c = 0; c <= MAX; c++) {
    if (isSurrogate(c)) continue;
    if (test(String.fromCodePoint(c), c)) set[c] = 1;
  }
  return set;
}

function inRanges(ranges, c) {
  return ranges.some(([lo, hi]) => c >= lo && c <= hi);
}

function applyCompat(set, compat) {
  if (!compat) return set;
  for (const [lo, hi] of compat.remove ?? []) for (let c = lo; c <= hi; c++) set[c] = 0;
  for (const [lo, hi] of compat.add ?? []) for (let c = lo; c <= hi; c++) set[c] = 1;
  return set;
}

function toRanges(set) {
  const ranges = [];
  let c = 0;
  while (c <= MAX) {
    if (!set[c]) { c++; continue; }
    const lo = c;
    while (c + 1 <= MAX && set[c + 1]) c++;
    ranges.push([lo, c]);
    c++;
  }
  return ranges;
}

const re = (src) => new RegExp(src, 'u');
const reWhite = re('^\\p{White_Space}$');
const reOther = re('^[\\p{Cc}\\p{Cf}\\p{Co}]$');
const rePunct = re('^\\p{P}$');
const reMn = re('^\\p{Mn}$');
const reWord = re('^[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}]$');
const reLetter = re('^\\p{L}$');
const reNumber = re('^\\p{N}$');

const whiteSpace = toRanges(predicateSet((s) => reWhite.test(s)));
const other = toRanges(applyCompat(predicateSet((s) => reOther.test(s)), HF_COMPAT.other));
const punct = toRanges(applyCompat(predicateSet((s) => rePunct.test(s)), HF_COMPAT.punctuation));
const mn = toRanges(applyCompat(predicateSet((s) => reMn.test(s)), HF_COMPAT.nonspacingMark));
const word = toRanges(applyCompat(predicateSet((s) => reWord.test(s)), HF_COMPAT.word));
const letter = toRanges(applyCompat(predicateSet((s) => reLetter.test(s)), HF_COMPAT.letter));
const number = toRanges(applyCompat(predicateSet((s) => reNumber.test(s)), HF_COMPAT.number));

// --- lowercase -------------------------------------------------------------------------------
// Single-code-point mappings become runs {first, count, stride, delta}; the few one-to-many
// mappings (U+0130 -> U+0069 U+0307) go to a separate list.
const lowerSingle = [];
const lowerMulti = [];
for (let c = 0; c <= MAX; c++) {
  if (isSurrogate(c)) continue;
  const s = String.fromCodePoint(c);
  const l = s.toLowerCase();
  if (l === s) continue;
  const cps = [...l].map((x) => x.codePointAt(0));
  if (cps.length === 1) lowerSingle.push([c, cps[0]]);
  else lowerMulti.push([c, cps]);
}
const lowerRuns = [];
for (const [c, l] of lowerSingle) {
  const delta = l - c;
  const run = lowerRuns[lowerRuns.length - 1];
  if (run && run.delta === delta) {
    const last = run.first + (run.count - 1) * run.stride;
    if (run.count === 1 && (c - last === 1 || c - last === 2)) { run.stride = c - last; run.count++; continue; }
    if (run.count > 1 && c - last === run.stride) { run.count++; continue; }
  }
  lowerRuns.push({ first: c, count: 1, stride: 1, delta });
}

// --- canonical decomposition ------------------------------------------------------------------
const decomp = []; // [cp, [cps...]]
for (let c = 0; c <= MAX; c++) {
  if (isSurrogate(c)) continue;
  if (c >= 0xac00 && c <= 0xd7a3) continue; // Hangul syllables: algorithmic
  const s = String.fromCodePoint(c);
  const d = s.normalize('NFD');
  if (d === s) continue;
  decomp.push([c, [...d].map((x) => x.codePointAt(0))]);
}
for (const [lo, hi] of HF_COMPAT.noDecomposition ?? []) {
  for (let i = decomp.length - 1; i >= 0; i--) if (decomp[i][0] >= lo && decomp[i][0] <= hi) decomp.splice(i, 1);
}

// --- canonical combining class (as order-preserving ranks) ---------------------------------------
// For two non-decomposable marks x, y: NFD("a" + x + y) puts y first iff ccc(x) > ccc(y) > 0.
// U+0334 has ccc 1 (the smallest non-zero class) and U+0301 has ccc 230, so
// ccc(c) > 0  <=>  c moves past U+0334 placed after it, or U+0301 placed before it moves past c.
function swaps(x, y) {
  const s = 'a' + x + y;
  return s.normalize('NFD') !== s;
}
function cccRanks() {
  const nonStarters = [];
  for (let c = 0; c <= MAX; c++) {
    if (isSurrogate(c)) continue;
    const s = String.fromCodePoint(c);
    if (s.normalize('NFD') !== s) continue;
    if (inRanges(HF_COMPAT.noCombiningClass, c)) continue;
    if (swaps(s, '\u0334') || swaps('\u0301', s)) nonStarters.push(c);
  }
  // Classes sorted by ccc; each keeps one representative. Binary insertion with the oracle.
  const classes = []; // representative strings
  const cmp = (a, b) => (swaps(a, b) ? 1 : swaps(b, a) ? -1 : 0);
  const classOf = new Map();
  for (const c of nonStarters) {
    const s = String.fromCodePoint(c);
    let lo = 0, hi = classes.length, found = -1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const r = cmp(s, classes[mid]);
      if (r === 0) { found = mid; break; }
      if (r < 0) hi = mid; else lo = mid + 1;
    }
    if (found < 0) classes.splice(lo, 0, s);
    classOf.set(c, found < 0 ? s : classes[found]);
  }
  const rankOfRep = new Map(classes.map((s, i) => [s, i + 1]));
  const ranges = [];
  for (const c of nonStarters) {
    const rank = rankOfRep.get(classOf.get(c));
    const last = ranges[ranges.length - 1];
    if (last && last[1] === c - 1 && last[2] === rank) last[1] = c;
    else ranges.push([c, c, rank]);
  }
  return { ranges, classes: classes.length };
}
const ccc = cccRanks();

// --- output ----------------------------------------------------------------------------------
function rangeTable(name, ranges, comment) {
  const lines = [];
  for (let i = 0; i < ranges.length; i += 6) {
    lines.push('    ' + ranges.slice(i, i + 6).map(([a, b]) => `{${hex(a)}, ${hex(b)}}`).join(', ') + ',');
  }
  return `// ${comment} (${ranges.length} ranges)\nconst Range ${name}[] = {\n${lines.join('\n')}\n};\nconst size_t ${name}Size = ${ranges.length};\n`;
}

function emit() {
  const out = [];
  out.push(`// GENERATED FILE: do not edit. Regenerate with: node scripts/generate-unicode-tables.mjs
// Source: the ICU inside Node ${process.version} (ICU ${process.versions.icu}, Unicode ${process.versions.unicode}),
// plus the Hugging Face compatibility exceptions listed in that script (HF_COMPAT).
//
// Ranges are inclusive [lo, hi] and sorted. See unicode_tables.h for what each table means.

#include "unicode_tables.h"

namespace tp {
namespace unicode_data {

const char kUnicodeVersion[] = "${process.versions.unicode}";
const char kIcuVersion[] = "${process.versions.icu}";
`);
  out.push(rangeTable('kWhiteSpace', whiteSpace, 'White_Space'));
  out.push(rangeTable('kOther', other, 'Cc | Cf | Co, as Hugging Face sees them'));
  out.push(rangeTable('kPunctuation', punct, 'P* (Pc Pd Ps Pe Pi Pf Po), as Hugging Face sees them'));
  out.push(rangeTable('kNonspacingMark', mn, 'Mn, as Hugging Face sees it'));
  out.push(rangeTable('kWord', word, 'regex \\w: Alphabetic | M | Nd | Pc | Join_Control'));
  out.push(rangeTable('kLetter', letter, 'L* (onig \\p{L}), as Hugging Face sees it'));
  out.push(rangeTable('kNumber', number, 'N* (onig \\p{N}), as Hugging Face sees it'));

  // ccc
  {
    const lines = [];
    for (let i = 0; i < ccc.ranges.length; i += 5) {
      lines.push('    ' + ccc.ranges.slice(i, i + 5).map(([a, b, r]) => `{${hex(a)}, ${hex(b)}, ${r}}`).join(', ') + ',');
    }
    out.push(`// Canonical combining class of non-decomposable code points, as order-preserving ranks
// 1..${ccc.classes} (not the UCD numbers). Code points not listed have class 0.
const CccRange kCombiningClass[] = {\n${lines.join('\n')}\n};\nconst size_t kCombiningClassSize = ${ccc.ranges.length};\n`);
  }

  // lowercase
  {
    const lines = [];
    for (let i = 0; i < lowerRuns.length; i += 4) {
      lines.push('    ' + lowerRuns.slice(i, i + 4).map((r) => `{${hex(r.first)}, ${r.count}, ${r.stride}, ${r.delta}}`).join(', ') + ',');
    }
    out.push(`// Simple lowercase mappings as runs {first, count, stride, delta}: code points
// first + k*stride (k < count) map to themselves + delta. ${lowerSingle.length} code points.
const LowerRun kLowerRuns[] = {\n${lines.join('\n')}\n};\nconst size_t kLowerRunsSize = ${lowerRuns.length};\n`);
    const multi = lowerMulti.map(([c, cps]) => {
      const padded = [...cps, 0, 0].slice(0, 3);
      return `    {${hex(c)}, ${cps.length}, {${padded.map(hex).join(', ')}}},`;
    });
    if (lowerMulti.some(([, cps]) => cps.length > 3)) throw new Error('lowercase expansion longer than 3');
    out.push(`// One-to-many lowercase mappings.
const LowerMulti kLowerMulti[] = {\n${multi.join('\n')}\n};\nconst size_t kLowerMultiSize = ${lowerMulti.length};\n`);
  }

  // decomposition
  {
    const data = [];
    const entries = [];
    for (const [c, cps] of decomp) {
      if (cps.length > 7) throw new Error('decomposition longer than 7');
      entries.push(`{${hex(c)}, ${data.length}, ${cps.length}}`);
      data.push(...cps);
    }
    const el = [];
    for (let i = 0; i < entries.length; i += 5) el.push('    ' + entries.slice(i, i + 5).join(', ') + ',');
    const dl = [];
    for (let i = 0; i < data.length; i += 10) dl.push('    ' + data.slice(i, i + 10).map(hex).join(', ') + ',');
    out.push(`// Full canonical decompositions (already recursive and canonically ordered) of ${decomp.length}
// code points, Hangul syllables excepted. Entry {cp, offset, length} into kDecompositionData.
const Decomposition kDecompositions[] = {\n${el.join('\n')}\n};\nconst size_t kDecompositionsSize = ${decomp.length};\n
const char32_t kDecompositionData[] = {\n${dl.join('\n')}\n};\n`);
  }

  out.push(`}  // namespace unicode_data
}  // namespace tp
`);
  return out.join('\n');
}

const text = emit();
if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(outFile, 'utf8'); } catch {}
  if (current !== text) {
    console.error(`${path.relative(root, outFile)} is out of date: run node scripts/generate-unicode-tables.mjs`);
    process.exit(1);
  }
  console.log(`${path.relative(root, outFile)} is up to date`);
} else {
  writeFileSync(outFile, text);
  console.log(`wrote ${path.relative(root, outFile)} (${text.length} bytes; Unicode ${process.versions.unicode}, ICU ${process.versions.icu}; ` +
    `${whiteSpace.length}+${other.length}+${punct.length}+${mn.length}+${word.length}+${letter.length}+${number.length} ranges, ${lowerRuns.length} lowercase runs, ` +
    `${decomp.length} decompositions, ${ccc.ranges.length} ccc ranges / ${ccc.classes} classes)`);
}
