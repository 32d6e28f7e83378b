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
// 0.1.x, whose tables are from an old Unicode version, and NFD from
// `unicode-normalization-alignments` 0.1.12 (also old). Code points whose answer differs
// between that old data and today's ICU are listed in HF_COMPAT below, found by the exhaustive
// code-point comparison against @anush008/tokenizers (see the comment there); the generator
// applies them on top of ICU so that the C++ tokenizer gives the same ids as Hugging Face.

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
const HF_COMPAT = {
  other: { remove: [], add: [] },
  punctuation: { remove: [], add: [] },
  nonspacingMark: { remove: [], add: [] },
  noDecomposition: [],
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

const whiteSpace = toRanges(predicateSet((s) => reWhite.test(s)));
const other = toRanges(applyCompat(predicateSet((s) => reOther.test(s)), HF_COMPAT.other));
const punct = toRanges(applyCompat(predicateSet((s) => rePunct.test(s)), HF_COMPAT.punctuation));
const mn = toRanges(applyCompat(predicateSet((s) => reMn.test(s)), HF_COMPAT.nonspacingMark));
const word = toRanges(predicateSet((s) => reWord.test(s)));

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
    if (found < 0) { classes.splice(lo, 0, s); }
    classOf.set(c, s);
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
    `${whiteSpace.length}+${other.length}+${punct.length}+${mn.length}+${word.length} ranges, ${lowerRuns.length} lowercase runs, ` +
    `${decomp.length} decompositions, ${ccc.ranges.length} ccc ranges / ${ccc.classes} classes)`);
}
