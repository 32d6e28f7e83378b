// Queries over the generated tables in unicode_tables.cc.
#include <algorithm>
#include <array>
#include <memory>

#include "unicode_tables.h"

namespace tp {
namespace unicode {
namespace {

using unicode_data::Range;

bool InRanges(const Range* table, size_t size, char32_t c) {
  const Range* end = table + size;
  // First range whose hi >= c.
  const Range* it = std::lower_bound(table, end, c, [](const Range& r, char32_t v) { return r.hi < v; });
  return it != end && it->lo <= c;
}

const unicode_data::LowerRun* FindLowerRun(char32_t c) {
  using unicode_data::kLowerRuns;
  using unicode_data::kLowerRunsSize;
  const auto* end = kLowerRuns + kLowerRunsSize;
  // Last run whose first <= c.
  const auto* it = std::upper_bound(kLowerRuns, end, c,
                                    [](char32_t v, const unicode_data::LowerRun& r) { return v < r.first; });
  if (it == kLowerRuns) return nullptr;
  --it;
  uint32_t off = c - it->first;
  if (off % it->stride != 0 || off / it->stride >= it->count) return nullptr;
  return it;
}

const unicode_data::LowerMulti* FindLowerMulti(char32_t c) {
  for (size_t i = 0; i < unicode_data::kLowerMultiSize; ++i) {
    if (unicode_data::kLowerMulti[i].cp == c) return &unicode_data::kLowerMulti[i];
  }
  return nullptr;
}

const unicode_data::Decomposition* FindDecomposition(char32_t c) {
  using unicode_data::kDecompositions;
  using unicode_data::kDecompositionsSize;
  const auto* end = kDecompositions + kDecompositionsSize;
  const auto* it = std::lower_bound(kDecompositions, end, c,
                                    [](const unicode_data::Decomposition& d, char32_t v) { return d.cp < v; });
  return (it != end && it->cp == c) ? it : nullptr;
}

// Hangul syllable decomposition constants (Unicode 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount;
constexpr uint32_t kSCount = kLCount * kNCount;

uint16_t ComputeProperties(char32_t c) {
  uint16_t p = 0;
  if (InRanges(unicode_data::kWhiteSpace, unicode_data::kWhiteSpaceSize, c)) p |= kWhiteSpaceProp;
  if (InRanges(unicode_data::kOther, unicode_data::kOtherSize, c)) p |= kOtherProp;
  if (InRanges(unicode_data::kPunctuation, unicode_data::kPunctuationSize, c)) p |= kPunctuationProp;
  if (InRanges(unicode_data::kNonspacingMark, unicode_data::kNonspacingMarkSize, c)) p |= kNonspacingMarkProp;
  if (InRanges(unicode_data::kWord, unicode_data::kWordSize, c)) p |= kWordProp;
  if (InRanges(unicode_data::kLetter, unicode_data::kLetterSize, c)) p |= kLetterProp;
  if (InRanges(unicode_data::kNumber, unicode_data::kNumberSize, c)) p |= kNumberProp;
  if (IsChineseChar(c)) p |= kChineseProp;
  if (FindLowerRun(c) != nullptr || FindLowerMulti(c) != nullptr) p |= kHasLowerProp;
  if (FindDecomposition(c) != nullptr || (c >= kSBase && c < kSBase + kSCount)) p |= kDecomposesProp;
  if (CombiningClassRank(c) != 0) p |= kNonStarterProp;
  if (c < 0x80 && ((c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
                   (c >= 0x7B && c <= 0x7E))) {
    p |= kAsciiPunctuationProp;
  }
  return p;
}

// Properties of the whole BMP, computed once (128 KiB) by walking the tables, so that it takes
// well under a millisecond; thread-safe initialization. Must agree with ComputeProperties.
void MarkRanges(uint16_t* t, const Range* table, size_t size, uint16_t bit) {
  for (size_t i = 0; i < size; ++i) {
    for (uint32_t c = table[i].lo; c <= table[i].hi && c < 0x10000; ++c) t[c] |= bit;
  }
}

const uint16_t* BmpTable() {
  static const std::unique_ptr<uint16_t[]> table = [] {
    std::unique_ptr<uint16_t[]> t(new uint16_t[0x10000]());
    uint16_t* p = t.get();
    MarkRanges(p, unicode_data::kWhiteSpace, unicode_data::kWhiteSpaceSize, kWhiteSpaceProp);
    MarkRanges(p, unicode_data::kOther, unicode_data::kOtherSize, kOtherProp);
    MarkRanges(p, unicode_data::kPunctuation, unicode_data::kPunctuationSize, kPunctuationProp);
    MarkRanges(p, unicode_data::kNonspacingMark, unicode_data::kNonspacingMarkSize, kNonspacingMarkProp);
    MarkRanges(p, unicode_data::kWord, unicode_data::kWordSize, kWordProp);
    MarkRanges(p, unicode_data::kLetter, unicode_data::kLetterSize, kLetterProp);
    MarkRanges(p, unicode_data::kNumber, unicode_data::kNumberSize, kNumberProp);
    for (size_t i = 0; i < unicode_data::kCombiningClassSize; ++i) {
      const auto& r = unicode_data::kCombiningClass[i];
      for (uint32_t c = r.lo; c <= r.hi && c < 0x10000; ++c) p[c] |= kNonStarterProp;
    }
    for (size_t i = 0; i < unicode_data::kLowerRunsSize; ++i) {
      const auto& r = unicode_data::kLowerRuns[i];
      for (uint32_t k = 0; k < r.count; ++k) {
        uint32_t c = r.first + k * r.stride;
        if (c < 0x10000) p[c] |= kHasLowerProp;
      }
    }
    for (size_t i = 0; i < unicode_data::kLowerMultiSize; ++i) {
      if (unicode_data::kLowerMulti[i].cp < 0x10000) p[unicode_data::kLowerMulti[i].cp] |= kHasLowerProp;
    }
    for (size_t i = 0; i < unicode_data::kDecompositionsSize; ++i) {
      if (unicode_data::kDecompositions[i].cp < 0x10000) p[unicode_data::kDecompositions[i].cp] |= kDecomposesProp;
    }
    for (uint32_t c = kSBase; c < kSBase + kSCount; ++c) p[c] |= kDecomposesProp;
    for (uint32_t c = 0; c < 0x10000; ++c) {
      if (IsChineseChar(c)) p[c] |= kChineseProp;
    }
    for (uint32_t c = 0; c < 0x80; ++c) {
      if ((c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E)) {
        p[c] |= kAsciiPunctuationProp;
      }
    }
    return t;
  }();
  return table.get();
}

}  // namespace

uint16_t Properties(char32_t c) {
  if (c < 0x10000) return BmpTable()[c];
  if (c > 0x10FFFF) return 0;
  return ComputeProperties(c);
}

bool IsWhiteSpace(char32_t c) { return (Properties(c) & kWhiteSpaceProp) != 0; }
bool IsOther(char32_t c) { return (Properties(c) & kOtherProp) != 0; }
bool IsPunctuation(char32_t c) { return (Properties(c) & kPunctuationProp) != 0; }
bool IsNonspacingMark(char32_t c) { return (Properties(c) & kNonspacingMarkProp) != 0; }
bool IsWordChar(char32_t c) { return (Properties(c) & kWordProp) != 0; }
bool IsLetter(char32_t c) { return (Properties(c) & kLetterProp) != 0; }
bool IsNumber(char32_t c) { return (Properties(c) & kNumberProp) != 0; }

bool IsChineseChar(char32_t c) {
  // The ranges of BERT's original tokenization.py / Hugging Face's bert normalizer. Not all of
  // CJK: they are the blocks of "CJK Unified Ideographs" known when BERT was released.
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

uint32_t CombiningClassRank(char32_t c) {
  using unicode_data::kCombiningClass;
  using unicode_data::kCombiningClassSize;
  const auto* end = kCombiningClass + kCombiningClassSize;
  const auto* it = std::lower_bound(kCombiningClass, end, c,
                                    [](const unicode_data::CccRange& r, char32_t v) { return r.hi < v; });
  return (it != end && it->lo <= c) ? it->rank : 0;
}

size_t ToLower(char32_t c, char32_t out[3]) {
  if (c < 0x80) {
    out[0] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
    return 1;
  }
  if (!(Properties(c) & kHasLowerProp)) {
    out[0] = c;
    return 1;
  }
  if (const auto* multi = FindLowerMulti(c)) {
    for (uint32_t i = 0; i < multi->length; ++i) out[i] = multi->to[i];
    return multi->length;
  }
  const auto* run = FindLowerRun(c);
  out[0] = run ? static_cast<char32_t>(static_cast<int64_t>(c) + run->delta) : c;
  return 1;
}

size_t Decompose(char32_t c, char32_t out[kMaxDecomposition]) {
  if (c < 0xC0 || !(Properties(c) & kDecomposesProp)) {
    out[0] = c;
    return 1;
  }
  if (c >= kSBase && c < kSBase + kSCount) {
    uint32_t s = c - kSBase;
    out[0] = kLBase + s / kNCount;
    out[1] = kVBase + (s % kNCount) / kTCount;
    uint32_t t = s % kTCount;
    if (t == 0) return 2;
    out[2] = kTBase + t;
    return 3;
  }
  const auto* d = FindDecomposition(c);
  if (d == nullptr) {
    out[0] = c;
    return 1;
  }
  size_t n = std::min<size_t>(d->length, kMaxDecomposition);
  for (size_t i = 0; i < n; ++i) out[i] = unicode_data::kDecompositionData[d->offset + i];
  return n;
}

}  // namespace unicode
}  // namespace tp
