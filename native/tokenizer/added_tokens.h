// Added tokens (tokenizer.json "added_tokens": [CLS], [SEP], [MASK], ...): found in the text
// before the model sees it, as Hugging Face's AddedVocabulary does:
//  - tokens with normalized=false are matched in the raw text; the text between them is then
//    normalized, and tokens with normalized=true are matched in that normalized text (their
//    content normalized the same way);
//  - matching is leftmost-longest (Aho-Corasick MatchKind::LeftmostLongest), non-overlapping;
//  - single_word: a match is dropped when a word character (regex \w) touches either side; its
//    bytes are still consumed (the search resumes after it);
//  - lstrip / rstrip: the match absorbs the whitespace (regex \s) before / after it.
// Ids are assigned as Hugging Face does when it loads tokenizer.json (the "id" written in the
// file is not used): a token whose content is already known (an earlier added token, or the
// model's vocabulary) gets that id, any other gets the next id from the vocabulary size up. For
// files Hugging Face wrote, both agree.
#ifndef TP_TOKENIZER_ADDED_TOKENS_H_
#define TP_TOKENIZER_ADDED_TOKENS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "json_util.h"
#include "pipeline.h"

namespace tp {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool normalized = true;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
};

// Leftmost-longest matching of a set of byte strings (a trie walked from each position).
class PatternMatcher {
 public:
  PatternMatcher();
  void Add(std::string_view pattern, size_t index);  // empty patterns are ignored
  bool empty() const { return patterns_ == 0; }
  // Finds the leftmost match starting in [from, limit), the longest one there (it may end past
  // limit).
  bool Find(std::string_view text, size_t from, size_t limit, size_t* start, size_t* end, size_t* index) const;

 private:
  struct Node {
    std::vector<std::pair<unsigned char, uint32_t>> next;  // sorted by byte
    int64_t index = -1;
  };
  uint32_t Child(uint32_t node, unsigned char b) const;
  std::vector<Node> nodes_;
  bool first_byte_[256];
  int single_first_byte_ = -1;  // when all patterns start with the same byte (e.g. '['): memchr
  size_t patterns_ = 0;
};

// Receives the pieces of a text, in order: runs of ordinary text, and added tokens. Return false
// to stop. A run of text between two added tokens (a segment) may arrive in several parts, so
// that a long text is not scanned to its end before work starts; `segment_end` marks the last
// part. Parts are cut only before a code point that is not whitespace and that normalizes to a
// starter (see SafeCut in added_tokens.cc), where cutting changes nothing.
class SegmentSink {
 public:
  virtual ~SegmentSink() = default;
  virtual bool OnText(std::string_view text, bool segment_end) = 0;
  virtual bool OnToken(int32_t id) = 0;
};

class AddedVocabulary {
 public:
  // `tokens` in tokenizer.json order. `normalizer` (may be null) normalizes the content of
  // normalized=true tokens; `model` resolves ids of tokens already in its vocabulary.
  void Init(const std::vector<AddedToken>& tokens, const Normalizer* normalizer, const Model& model);

  // The added tokens with their ids, one per distinct content.
  const std::vector<AddedToken>& tokens() const { return tokens_; }
  bool has_raw() const { return !raw_.empty(); }
  bool has_normalized() const { return !normalized_.empty(); }
  // Id of an added token with exactly this content, or -1.
  int32_t Find(std::string_view content) const;
  // The added token with this id, or nullptr (Hugging Face's added_tokens_map_r).
  const AddedToken* FindId(int32_t id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &tokens_[it->second];
  }
  // Whether a special added token has this content (Hugging Face's special_tokens_set, which
  // decode(skip_special_tokens) filters on).
  bool IsSpecial(std::string_view content) const { return special_.count(std::string(content)) != 0; }

  // Splits raw text with the normalized=false tokens / normalized text with the normalized=true
  // tokens. Returns false if the sink stopped.
  bool SplitRaw(std::string_view text, SegmentSink& sink) const { return Split(text, raw_, raw_tokens_, sink); }
  bool SplitNormalized(std::string_view text, SegmentSink& sink) const {
    return Split(text, normalized_, normalized_tokens_, sink);
  }

  void AddToFingerprint(Hasher& h) const;

 private:
  bool Split(std::string_view text, const PatternMatcher& matcher, const std::vector<size_t>& token_of,
             SegmentSink& sink) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;  // id -> tokens_ index
  std::unordered_set<std::string> special_;   // contents of special tokens
  bool has_strip_ = false;                     // some token has lstrip or rstrip
  PatternMatcher raw_;
  std::vector<size_t> raw_tokens_;  // pattern index -> tokens_ index
  PatternMatcher normalized_;
  std::vector<size_t> normalized_tokens_;
};

// Parses tokenizer.json "added_tokens" (an array, or null).
std::vector<AddedToken> ParseAddedTokens(const json_util::Json& added_tokens, const std::string& path);

}  // namespace tp

#endif  // TP_TOKENIZER_ADDED_TOKENS_H_
