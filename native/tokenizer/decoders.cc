#include "decoders.h"

#include <string_view>
#include <utility>

#include "byte_level.h"
#include "utf8.h"

namespace tp {

namespace {

// Rust's str::replace / Python's str.replace: every non-overlapping occurrence, left to right.
void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  size_t pos = s.find(from);
  if (pos == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  size_t last = 0;
  while (pos != std::string::npos) {
    out.append(s, last, pos - last);
    out.append(to.data(), to.size());
    last = pos + from.size();
    pos = s.find(from, last);
  }
  out.append(s, last, std::string::npos);
  s.swap(out);
}

// tokenizers' decoders::wordpiece::cleanup (it has " do not" -> " don't", transformers' not).
std::string WordPieceCleanup(std::string s) {
  ReplaceAll(s, " .", ".");
  ReplaceAll(s, " ?", "?");
  ReplaceAll(s, " !", "!");
  ReplaceAll(s, " ,", ",");
  ReplaceAll(s, " ' ", "'");
  ReplaceAll(s, " n't", "n't");
  ReplaceAll(s, " 'm", "'m");
  ReplaceAll(s, " do not", " don't");
  ReplaceAll(s, " 's", "'s");
  ReplaceAll(s, " 've", "'ve");
  ReplaceAll(s, " 're", "'re");
  return s;
}

}  // namespace

void ByteLevelDecoder::DecodeChain(std::vector<std::string>& tokens) const {
  std::string bytes;
  for (const std::string& t : tokens) {
    const size_t mark = bytes.size();
    const char* p = t.data();
    const char* end = p + t.size();
    bool all_mapped = true;
    while (p < end) {
      const char* q = p;
      const char32_t c = utf8::Decode(q, end);
      const int b = byte_level::CharToByte(c);  // -1 for U+FFFD of an ill-formed token too
      if (b < 0) {
        all_mapped = false;
        break;
      }
      bytes.push_back(static_cast<char>(b));
      p = q;
    }
    if (!all_mapped) {
      bytes.resize(mark);
      bytes.append(t);
    }
  }
  // String::from_utf8_lossy: well-formed UTF-8 stays, each maximal ill-formed subpart -> U+FFFD.
  std::string text;
  text.reserve(bytes.size());
  utf8::Cursor cursor(bytes);
  while (!cursor.done()) utf8::Append(text, cursor.Next());
  tokens.assign(1, std::move(text));
}

void WordPieceDecoder::DecodeChain(std::vector<std::string>& tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string& t = tokens[i];
    if (i != 0) {
      if (t.compare(0, prefix_.size(), prefix_) == 0) {
        t.erase(0, prefix_.size());
      } else {
        t.insert(0, 1, ' ');
      }
    }
    if (cleanup_) t = WordPieceCleanup(std::move(t));
  }
}

std::string CleanUpTokenization(std::string s) {
  ReplaceAll(s, " .", ".");
  ReplaceAll(s, " ?", "?");
  ReplaceAll(s, " !", "!");
  ReplaceAll(s, " ,", ",");
  ReplaceAll(s, " ' ", "'");
  ReplaceAll(s, " n't", "n't");
  ReplaceAll(s, " 'm", "'m");
  ReplaceAll(s, " 's", "'s");
  ReplaceAll(s, " 've", "'ve");
  ReplaceAll(s, " 're", "'re");
  return s;
}

std::unique_ptr<Decoder> ParseByteLevelDecoder(const json_util::Json& decoder, const std::string& path) {
  using namespace json_util;
  ExpectObject(decoder, path);
  // add_prefix_space / trim_offsets / use_regex do not change decoding; checked for their type.
  GetBool(decoder, path, "add_prefix_space", true);
  GetBool(decoder, path, "trim_offsets", true);
  GetBool(decoder, path, "use_regex", true);
  return std::make_unique<ByteLevelDecoder>();
}

std::unique_ptr<Decoder> ParseWordPieceDecoder(const json_util::Json& decoder, const std::string& path) {
  using namespace json_util;
  ExpectObject(decoder, path);
  std::string prefix = GetString(decoder, path, "prefix", "##");
  const bool cleanup = GetBool(decoder, path, "cleanup", true);
  return std::make_unique<WordPieceDecoder>(std::move(prefix), cleanup);
}

}  // namespace tp
