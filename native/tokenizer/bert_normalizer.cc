#include "bert_normalizer.h"

#include <algorithm>

#include "unicode_tables.h"

namespace tp {

namespace {

using unicode::Properties;

// Canonical reordering, done here: NFD sorts each run of non-starters (canonical combining
// class != 0) by class, stably. With strip_accents the nonspacing marks (Mn) are dropped right
// after NFD, and dropping elements before a stable sort leaves the others in the same relative
// order as dropping them after it, so only the marks that survive are buffered and sorted. Such
// runs are rare in real text (survivors with a class are spacing marks such as U+302E or the
// musical symbols U+1D165..), but the result must not depend on how the input was split.
// Lowercasing comes after NFD in Hugging Face; no non-starter has a lowercase mapping, so
// sorting code points that were already lowercased gives the same order.
void SortRun(std::u32string& out, size_t start) {
  const size_t n = out.size() - start;
  if (n < 2) return;
  auto by_class = [](char32_t a, char32_t b) {
    return unicode::CombiningClassRank(a) < unicode::CombiningClassRank(b);
  };
  std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), by_class);
}

inline void PushLower(std::u32string& out, char32_t c, uint16_t props, bool lowercase) {
  if (lowercase && (props & unicode::kHasLowerProp)) {
    char32_t buf[3];
    size_t n = unicode::ToLower(c, buf);
    out.append(buf, n);
  } else {
    out.push_back(c);
  }
}

}  // namespace

void BertNormalizer::Normalize(utf8::Cursor& in, size_t min_out, std::u32string& out) const {
  const Options o = options_;
  const size_t target = min_out > SIZE_MAX - out.size() ? SIZE_MAX : out.size() + min_out;
  // out[run_start, end) is the current run of non-starters, not yet sorted (only with
  // strip_accents, the one case where NFD is applied).
  size_t run_start = out.size();

  // Emits one code point that survived clean_text / was produced by handle_chinese_chars.
  auto emit = [&](char32_t c, uint16_t props) {
    if (!o.strip_accents) {
      PushLower(out, c, props, o.lowercase);
      run_start = out.size();
      return;
    }
    char32_t decomposed[unicode::kMaxDecomposition];
    size_t n = 1;
    decomposed[0] = c;
    if (props & unicode::kDecomposesProp) n = unicode::Decompose(c, decomposed);
    for (size_t i = 0; i < n; ++i) {
      char32_t d = decomposed[i];
      uint16_t dp = n == 1 ? props : Properties(d);
      if (dp & unicode::kNonspacingMarkProp) continue;  // strip accents
      if (dp & unicode::kNonStarterProp) {
        out.push_back(d);  // joins the run; no non-starter changes when lowercased
        continue;
      }
      if (run_start != out.size()) SortRun(out, run_start);
      PushLower(out, d, dp, o.lowercase);
      run_start = out.size();
    }
  };

  while (!in.done()) {
    // Stop only where what follows cannot reorder with what is already out.
    if (out.size() >= target && run_start == out.size()) return;
    char32_t c = in.Next();
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) {
        if (o.clean_text) {
          if (c == '\t' || c == '\n' || c == '\r') {
            c = ' ';
          } else {
            continue;  // other C0 controls and DEL are dropped (U+0000 too)
          }
        }
      }
      if (run_start != out.size()) SortRun(out, run_start);
      out.push_back(o.lowercase && c >= 'A' && c <= 'Z' ? c + 32 : c);
      run_start = out.size();
      continue;
    }
    uint16_t props = Properties(c);
    if (o.clean_text) {
      // Order matters: a control character that is also White_Space (U+0085) is dropped.
      if (c == 0xFFFD || (props & unicode::kOtherProp)) continue;
      if (props & unicode::kWhiteSpaceProp) {
        c = ' ';
        props = Properties(' ');
      }
    }
    if (o.handle_chinese_chars && (props & unicode::kChineseProp)) {
      const uint16_t space = Properties(' ');
      emit(' ', space);
      emit(c, props);
      emit(' ', space);
    } else {
      emit(c, props);
    }
  }
  if (run_start != out.size()) SortRun(out, run_start);
}

void BertNormalizer::AddToFingerprint(Hasher& h) const {
  const Options& o = options_;
  if (!o.clean_text && !o.handle_chinese_chars && !o.strip_accents && !o.lowercase) {
    h.Str("normalizer:null");  // changes nothing: same as no normalizer
    return;
  }
  h.Str("normalizer:BertNormalizer");
  h.Bool(options_.clean_text);
  h.Bool(options_.handle_chinese_chars);
  h.Bool(options_.strip_accents);
  h.Bool(options_.lowercase);
}

std::unique_ptr<Normalizer> ParseBertNormalizer(const json_util::Json& normalizer, const std::string& path) {
  using namespace json_util;
  ExpectObject(normalizer, path);
  BertNormalizer::Options o;
  o.clean_text = GetBool(normalizer, path, "clean_text", true);
  o.handle_chinese_chars = GetBool(normalizer, path, "handle_chinese_chars", true);
  o.lowercase = GetBool(normalizer, path, "lowercase", true);
  // null (or absent) strip_accents follows lowercase, as in Hugging Face and BERT's original code.
  o.strip_accents = GetBool(normalizer, path, "strip_accents", o.lowercase);
  return std::make_unique<BertNormalizer>(o);
}

}  // namespace tp
