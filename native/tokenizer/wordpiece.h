// The WordPiece model (BERT family): greedy longest-match-first over the vocabulary, with
// continuation pieces spelled with a prefix ("##"); a word with an unmatchable rest, or longer
// than max_input_chars_per_word code points, becomes the unknown token.
#ifndef TP_TOKENIZER_WORDPIECE_H_
#define TP_TOKENIZER_WORDPIECE_H_

#include <memory>
#include <string>

#include "json_util.h"
#include "pipeline.h"
#include "vocab_map.h"

namespace tp {

class WordPiece : public Model {
 public:
  WordPiece(VocabMap vocab, std::string unk_token, std::string continuing_subword_prefix,
            size_t max_input_chars_per_word);

  void Tokenize(std::string_view word, size_t chars, std::vector<int32_t>& ids) const override;
  size_t max_word_chars() const override { return max_input_chars_per_word_; }
  int32_t TokenToId(std::string_view token) const override { return vocab_.Find(token); }
  size_t vocab_size() const override { return vocab_.size(); }
  int32_t max_id() const override { return max_id_; }
  int32_t unk_id() const override { return unk_id_; }
  bool IdToToken(int32_t id, std::string_view* token) const override { return tokens_.Find(id, token); }
  void AddToFingerprint(Hasher& h) const override;

 private:
  VocabMap vocab_;         // every token
  VocabMap continuation_;  // tokens that start with the prefix, keyed without it
  TokenTable tokens_;      // id -> token
  std::string unk_token_;
  std::string prefix_;
  size_t max_input_chars_per_word_;
  int32_t unk_id_ = -1;
  int32_t max_id_ = -1;
};

// Parses a tokenizer.json "model" object of type WordPiece.
std::unique_ptr<Model> ParseWordPiece(const json_util::Json& model, const std::string& path);

}  // namespace tp

#endif  // TP_TOKENIZER_WORDPIECE_H_
