#include "added_tokens.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "unicode_tables.h"
#include "utf8.h"

namespace tp {

// ---- PatternMatcher ---------------------------------------------------------------------------

PatternMatcher::PatternMatcher() : nodes_(1) { std::memset(first_byte_, 0, sizeof(first_byte_)); }

uint32_t PatternMatcher::Child(uint32_t node, unsigned char b) const {
  const auto& next = nodes_[node].next;
  auto it = std::lower_bound(next.begin(), next.end(), b,
                             [](const std::pair<unsigned char, uint32_t>& e, unsigned char v) { return e.first < v; });
  return (it != next.end() && it->first == b) ? it->second : 0;
}

void PatternMatcher::Add(std::string_view pattern, size_t index) {
  if (pattern.empty()) return;
  uint32_t node = 0;
  for (char ch : pattern) {
    unsigned char b = static_cast<unsigned char>(ch);
    uint32_t child = Child(node, b);
    if (child == 0) {
      child = static_cast<uint32_t>(nodes_.size());
      nodes_.emplace_back();
      auto& next = nodes_[node].next;
      auto it = std::lower_bound(next.begin(), next.end(), b,
                                 [](const std::pair<unsigned char, uint32_t>& e, unsigned char v) { return e.first < v; });
      next.insert(it, {b, child});
    }
    node = child;
  }
  if (nodes_[node].index < 0) nodes_[node].index = static_cast<int64_t>(index);  // first one wins
  const unsigned char first = static_cast<unsigned char>(pattern[0]);
  first_byte_[first] = true;
  single_first_byte_ = (patterns_ == 0 || single_first_byte_ == first) ? first : -2;
  ++patterns_;
}

bool PatternMatcher::Find(std::string_view text, size_t from, size_t limit, size_t* start, size_t* end,
                          size_t* index) const {
  if (patterns_ == 0) return false;
  const unsigned char* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  limit = std::min(limit, n);
  for (size_t pos = from; pos < limit; ++pos) {
    if (single_first_byte_ >= 0) {
      const void* hit = std::memchr(s + pos, single_first_byte_, limit - pos);
      if (hit == nullptr) return false;
      pos = static_cast<size_t>(static_cast<const unsigned char*>(hit) - s);
    } else if (!first_byte_[s[pos]]) {
      continue;
    }
    uint32_t node = 0;
    int64_t best = -1;
    size_t best_end = 0;
    for (size_t i = pos; i < n; ++i) {
      node = Child(node, s[i]);
      if (node == 0) break;
      if (nodes_[node].index >= 0) {
        best = nodes_[node].index;
        best_end = i + 1;
      }
    }
    if (best >= 0) {
      *start = pos;
      *end = best_end;
      *index = static_cast<size_t>(best);
      return true;
    }
  }
  return false;
}

// ---- AddedVocabulary --------------------------------------------------------------------------

namespace {

// Last code point of s (s non-empty) / first code point.
char32_t LastCodePoint(std::string_view s) {
  size_t i = s.size();
  size_t back = 0;
  while (i > 0 && back < 4) {
    --i;
    ++back;
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) break;
  }
  const char* p = s.data() + i;
  char32_t c = utf8::Decode(p, s.data() + s.size());
  // An ill-formed tail decodes as U+FFFD (not a word character), as a lossy view would.
  return p == s.data() + s.size() ? c : utf8::kReplacement;
}
char32_t FirstCodePoint(std::string_view s) {
  const char* p = s.data();
  return utf8::Decode(p, s.data() + s.size());
}

bool EndsWithWord(std::string_view s) { return !s.empty() && unicode::IsWordChar(LastCodePoint(s)); }
bool StartsWithWord(std::string_view s) { return !s.empty() && unicode::IsWordChar(FirstCodePoint(s)); }

// Start of the whitespace run that ends s (regex \s*$).
size_t TrailingSpaceStart(std::string_view s) {
  size_t i = s.size();
  while (i > 0) {
    size_t j = i;
    do {
      --j;
    } while (j > 0 && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80 && i - j < 4);
    const char* p = s.data() + j;
    char32_t c = utf8::Decode(p, s.data() + i);
    if (p != s.data() + i || !unicode::IsWhiteSpace(c)) break;
    i = j;
  }
  return i;
}

// Length of the whitespace run that starts s (regex ^\s*).
size_t LeadingSpaceLength(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* q = p;
    char32_t c = utf8::Decode(q, end);
    if (!unicode::IsWhiteSpace(c)) break;
    p = q;
  }
  return static_cast<size_t>(p - s.data());
}

std::string NormalizeContent(const std::string& content, const Normalizer* normalizer) {
  if (normalizer == nullptr) return content;
  std::u32string cps;
  utf8::Cursor cursor(content);
  while (!cursor.done()) normalizer->Normalize(cursor, 1 << 20, cps);
  std::string out;
  for (char32_t c : cps) utf8::Append(out, c);
  return out;
}

}  // namespace

void AddedVocabulary::Init(const std::vector<AddedToken>& tokens, const Normalizer* normalizer,
                           const Model& model) {
  // Id assignment, one token at a time in file order, as Hugging Face's AddedVocabulary does.
  const int64_t model_size = static_cast<int64_t>(model.vocab_size());
  std::unordered_map<std::string, int32_t> id_of;  // content -> id
  std::map<int32_t, AddedToken> by_id;             // id -> the last token given that id
  std::vector<int32_t> order;                      // ids, in order of first appearance
  for (const AddedToken& t : tokens) {
    if (t.content.empty()) continue;
    auto known = id_of.find(t.content);
    int32_t id;
    if (known != id_of.end()) {
      id = known->second;
    } else if ((id = model.TokenToId(t.content)) < 0) {
      int64_t next = model_size;
      if (!by_id.empty()) {
        int64_t max = by_id.rbegin()->first;
        if (max >= model_size || model_size == 0) next = max + 1;
      }
      if (next > 2147483647) throw std::length_error("added_tokens: too many tokens");
      id = static_cast<int32_t>(next);
    }
    id_of[t.content] = id;
    if (by_id.find(id) == by_id.end()) order.push_back(id);
    AddedToken& slot = by_id[id];
    slot = t;
    slot.id = id;
  }
  tokens_.clear();
  by_id_.clear();
  special_.clear();
  has_strip_ = false;
  // Matchers: special tokens first, then the others (the order matters only between tokens
  // with identical patterns).
  for (int pass = 0; pass < 2; ++pass) {
    for (int32_t id : order) {
      const AddedToken& t = by_id[id];
      if (t.special != (pass == 0)) continue;
      const size_t index = tokens_.size();
      tokens_.push_back(t);
      by_id_[t.id] = index;
      if (t.special) special_.insert(t.content);
      if (t.lstrip || t.rstrip) has_strip_ = true;
      if (t.normalized) {
        std::string pattern = NormalizeContent(t.content, normalizer);
        if (pattern.empty()) continue;
        normalized_.Add(pattern, normalized_tokens_.size());
        normalized_tokens_.push_back(index);
      } else {
        raw_.Add(t.content, raw_tokens_.size());
        raw_tokens_.push_back(index);
      }
    }
  }
}

int32_t AddedVocabulary::Find(std::string_view content) const {
  for (const AddedToken& t : tokens_) {
    if (t.content == content) return t.id;
  }
  return -1;
}

// Whether a segment may be cut just before text[pos] without changing the result: the code
// point there is not whitespace, survives clean_text, and normalizes to something that starts
// with a starter (so no canonical reordering spans the cut); and, when some token strips
// whitespace (`strip`), the code point before is not whitespace either (an lstrip token found
// after the cut would claim it, but it has been handed over already). Conservative: it answers
// for any normalizer and pre-tokenizer of this file's kind (pre-tokenizers keep their state
// across parts).
bool SafeCut(std::string_view text, size_t pos, bool strip) {
  if (strip && pos > 0) {
    const unsigned char prev = static_cast<unsigned char>(text[pos - 1]);
    if (prev < 0x80 ? (prev <= 0x20 || prev == 0x7F) : unicode::IsWhiteSpace(LastCodePoint(text.substr(0, pos)))) {
      return false;
    }
  }
  const unsigned char b = static_cast<unsigned char>(text[pos]);
  if (b < 0x80) return b > 0x20 && b < 0x7F;
  if ((b & 0xC0) == 0x80) return false;  // not the start of a code point
  const char* p = text.data() + pos;
  const char32_t c = utf8::Decode(p, text.data() + text.size());
  if (c == utf8::kReplacement) return false;
  const uint16_t props = unicode::Properties(c);
  if (props & (unicode::kWhiteSpaceProp | unicode::kOtherProp | unicode::kNonStarterProp |
               unicode::kNonspacingMarkProp)) {
    return false;
  }
  if (props & unicode::kDecomposesProp) {
    char32_t d[unicode::kMaxDecomposition];
    unicode::Decompose(c, d);
    if (unicode::Properties(d[0]) & (unicode::kNonStarterProp | unicode::kNonspacingMarkProp)) return false;
  }
  return true;
}

constexpr size_t kMaxCutSearch = 256;  // bytes before a window's end searched for a safe cut

bool AddedVocabulary::Split(std::string_view text, const PatternMatcher& matcher,
                            const std::vector<size_t>& token_of, SegmentSink& sink) const {
  const size_t n = text.size();
  size_t start_offset = 0;  // end of what has been given to the sink
  size_t search = 0;        // where the matcher resumes (the end of the previous raw match)
  bool open = false;        // a segment has been started and not ended
  // The text is searched in windows, so that a sink that stops early (truncation) spares the
  // scan of the rest of a long text.
  size_t window = 4096;
  size_t start, stop, index;
  while (search < n) {
    const size_t limit = window >= n - search ? n : search + window;
    if (!matcher.Find(text, search, limit, &start, &stop, &index)) {
      if (limit == n) break;
      // No token starts before `limit`: hand over the text up to a safe cut in this window.
      size_t cut = limit;
      // Look back a little for a safe cut; text with none nearby (e.g. "a a a" with an lstrip
      // token) is handed over later, once its next token or its end is found.
      const size_t floor = std::max({search, start_offset, limit > kMaxCutSearch ? limit - kMaxCutSearch : size_t{0}});
      while (cut > floor && !SafeCut(text, cut, has_strip_)) --cut;
      if (cut > start_offset && cut > search && SafeCut(text, cut, has_strip_)) {
        if (!sink.OnText(text.substr(start_offset, cut - start_offset), false)) return false;
        start_offset = cut;
        open = true;
      }
      search = limit;
      if (window < (1u << 20)) window *= 2;
      continue;
    }
    search = stop;
    const AddedToken& t = tokens_[token_of[index]];
    if (t.single_word) {
      bool start_space = start == 0 || !EndsWithWord(text.substr(0, start));
      bool stop_space = stop == n || !StartsWithWord(text.substr(stop));
      if (!start_space || !stop_space) continue;
    }
    if (t.lstrip) start = std::max(TrailingSpaceStart(text.substr(0, start)), start_offset);
    if (t.rstrip) stop += LeadingSpaceLength(text.substr(stop));
    if (start_offset < start || open) {
      if (!sink.OnText(text.substr(start_offset, start > start_offset ? start - start_offset : 0), true)) {
        return false;
      }
      open = false;
    }
    if (!sink.OnToken(t.id)) return false;
    // (If a match began inside the whitespace an earlier rstrip absorbed, Hugging Face would
    // emit overlapping pieces; here the text is never emitted twice.)
    start_offset = std::max(start_offset, stop);
  }
  if (start_offset < n || open) {
    if (!sink.OnText(text.substr(std::min(start_offset, n)), true)) return false;
  }
  return true;
}

void AddedVocabulary::AddToFingerprint(Hasher& h) const {
  h.Str("added_tokens");
  h.U64(tokens_.size());
  for (const AddedToken& t : tokens_) {
    h.Str(t.content);
    h.I64(t.id);
    h.Bool(t.normalized);
    h.Bool(t.lstrip);
    h.Bool(t.rstrip);
    h.Bool(t.single_word);
    h.Bool(t.special);
  }
}

std::vector<AddedToken> ParseAddedTokens(const json_util::Json& added_tokens, const std::string& path) {
  using namespace json_util;
  std::vector<AddedToken> out;
  if (added_tokens.is_null()) return out;
  ExpectArray(added_tokens, path);
  for (size_t i = 0; i < added_tokens.size(); ++i) {
    const Json& t = added_tokens[i];
    const std::string p = Index(path, i);
    ExpectObject(t, p);
    AddedToken token;
    token.content = AsString(Require(t, p, "content"), Child(p, "content"));
    token.id = AsId(Require(t, p, "id"), Child(p, "id"));
    token.special = GetBool(t, p, "special", false);
    token.normalized = GetBool(t, p, "normalized", !token.special);
    token.lstrip = GetBool(t, p, "lstrip", false);
    token.rstrip = GetBool(t, p, "rstrip", false);
    token.single_word = GetBool(t, p, "single_word", false);
    out.push_back(std::move(token));
  }
  return out;
}

}  // namespace tp
