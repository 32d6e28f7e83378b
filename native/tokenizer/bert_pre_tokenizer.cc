#include "bert_pre_tokenizer.h"

#include "unicode_tables.h"

namespace tp {

namespace {

enum AsciiClass : unsigned char { kLetter = 0, kSpace = 1, kPunct = 2 };

struct AsciiTable {
  unsigned char cls[128];
  constexpr AsciiTable() : cls() {
    for (int c = 0; c < 128; ++c) {
      cls[c] = kLetter;
      if ((c >= 0x09 && c <= 0x0D) || c == ' ') cls[c] = kSpace;  // White_Space in ASCII
      if ((c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
          (c >= 0x7B && c <= 0x7E)) {
        cls[c] = kPunct;  // Rust char::is_ascii_punctuation
      }
    }
  }
};
constexpr AsciiTable kAscii;

}  // namespace

bool BertPreTokenizer::Split(const char32_t* cps, size_t n, State& state, WordSink& sink) const {
  for (size_t i = 0; i < n; ++i) {
    const char32_t c = cps[i];
    unsigned char cls;
    if (c < 0x80) {
      cls = kAscii.cls[c];
    } else {
      uint16_t p = unicode::Properties(c);
      cls = (p & unicode::kWhiteSpaceProp) ? kSpace : (p & unicode::kPunctuationProp) ? kPunct : kLetter;
    }
    if (cls == kLetter) {
      state.Append(c);
    } else if (cls == kSpace) {
      if (!state.Flush(sink)) return false;
    } else {
      if (!state.Flush(sink)) return false;
      state.Append(c);
      if (!state.Flush(sink)) return false;
    }
  }
  return true;
}

void BertPreTokenizer::AddToFingerprint(Hasher& h) const { h.Str("pre_tokenizer:BertPreTokenizer"); }

bool WholeTextPreTokenizer::Split(const char32_t* cps, size_t n, State& state, WordSink&) const {
  for (size_t i = 0; i < n; ++i) state.Append(cps[i]);
  return true;
}

void WholeTextPreTokenizer::AddToFingerprint(Hasher& h) const { h.Str("pre_tokenizer:null"); }

std::unique_ptr<PreTokenizer> ParseBertPreTokenizer(const json_util::Json& pre_tokenizer, const std::string& path) {
  json_util::ExpectObject(pre_tokenizer, path);
  return std::make_unique<BertPreTokenizer>();
}

}  // namespace tp
