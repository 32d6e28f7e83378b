// The BPE model (GPT-2, RoBERTa, BART, ...): a word starts as one symbol per character (looked
// up in the vocabulary, with continuing_subword_prefix on all but the first and
// end_of_word_suffix on the last), then adjacent symbols are merged, lowest merge rank first.
//
// The merge loop is Hugging Face's Word::merge_all, step for step, so that ties and its quirks
// give the same ids: a min-heap of (rank, position) candidates over a linked list of symbols;
// a popped candidate is dropped if its left symbol is gone or last, or if the pair now at that
// position does not merge into the same new token (rank is not re-checked). O(n log n) per word;
// very long words use per-rank buckets that pop in the same order, faster (see bpe.cc).
//
// Characters missing from the vocabulary: with byte_fallback, the "<0xAB>" tokens of their UTF-8
// bytes when all exist; else the unknown token (consecutive ones fused with fuse_unk); with no
// unk_token, they are dropped (as Hugging Face does; impossible with byte-level input, whose
// 256 characters are all in the vocabulary). ignore_merges: a word that is itself in the
// vocabulary is that token. dropout must be null or 0 (a random tokenization is refused).
#ifndef TP_TOKENIZER_BPE_H_
#define TP_TOKENIZER_BPE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "json_util.h"
#include "pipeline.h"
#include "vocab_map.h"

namespace tp {

// (left id, right id) -> (rank, merged id): open addressing over 64-bit keys. Read-only once
// built.
class MergeMap {
 public:
  struct Merge {
    uint32_t rank;
    int32_t new_id;
  };
  // Adds or replaces (a later duplicate of a pair wins, as in Hugging Face's HashMap collect).
  void Set(int32_t a, int32_t b, Merge m);
  const Merge* Find(int32_t a, int32_t b) const {
    if (slots_.empty()) return nullptr;
    const uint64_t key = Key(a, b);
    size_t i = Hash(key) & mask_;
    for (;;) {
      const Slot& s = slots_[i];
      if (s.key == kEmpty) return nullptr;
      if (s.key == key) return &s.merge;
      i = (i + 1) & mask_;
    }
  }
  size_t size() const { return size_; }
  // Calls f(a, b, merge) for every entry, in no particular order.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.key != kEmpty) f(static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xFFFFFFFFu), s.merge);
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key = kEmpty;
    Merge merge{0, -1};
  };
  static uint64_t Key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  static size_t Hash(uint64_t key) {
    key ^= key >> 29;
    key *= 0xBF58476D1CE4E5B9ULL;
    key ^= key >> 32;
    return static_cast<size_t>(key);
  }
  void Grow();
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

class Bpe : public Model {
 public:
  struct Options {
    bool has_unk = false;
    std::string unk_token;
    std::string continuing_subword_prefix;  // "" = none (Hugging Face's None and "" agree)
    std::string end_of_word_suffix;
    bool fuse_unk = false;
    bool byte_fallback = false;
    bool ignore_merges = false;
  };
  Bpe(VocabMap vocab, MergeMap merges, Options options);

  void Tokenize(std::string_view word, size_t chars, std::vector<int32_t>& ids) const override;
  int32_t TokenToId(std::string_view token) const override { return vocab_.Find(token); }
  size_t vocab_size() const override { return vocab_.size(); }
  int32_t max_id() const override { return max_id_; }
  int32_t unk_id() const override { return unk_id_; }
  bool IdToToken(int32_t id, std::string_view* token) const override { return tokens_.Find(id, token); }
  void AddToFingerprint(Hasher& h) const override;

 private:
  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
    bool alive;
  };
  // Symbols of the word's characters (the start of merge_word).
  void InitialSymbols(std::string_view word, std::vector<Symbol>& symbols) const;
  void MergeAll(std::vector<Symbol>& symbols) const;
  template <typename Queue>
  void MergeAllWith(std::vector<Symbol>& symbols, Queue& queue) const;

  VocabMap vocab_;
  MergeMap merges_;
  Options options_;
  TokenTable tokens_;
  int32_t unk_id_ = -1;
  int32_t max_id_ = -1;
  size_t num_ranks_ = 0;  // 1 + the largest rank
  uint64_t serial_ = 0;   // unique per instance: the key of this model's entries in word caches
  // Id of each character below U+0800 alone (no prefix or suffix), -1 if not in the vocabulary;
  // empty when a prefix or suffix makes lookups depend on the position.
  std::vector<int32_t> char_ids_;
};

// Parses a tokenizer.json "model" object of type BPE. merges may be "a b" strings (tokenizers
// < 0.20) or ["a", "b"] pairs (newer); strings starting with "#version" are skipped, as
// Hugging Face does.
std::unique_ptr<Model> ParseBpe(const json_util::Json& model, const std::string& path);

}  // namespace tp

#endif  // TP_TOKENIZER_BPE_H_
