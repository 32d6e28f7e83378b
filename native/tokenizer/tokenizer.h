// Tokenizers from a Hugging Face tokenizer.json, giving the same token ids as Hugging Face's
// Rust `tokenizers` for one sequence with special tokens (encode(text) with
// add_special_tokens = true). Pure C++17: no Node-API, no ONNX Runtime.
//
// Supported today (the BERT family, e.g. all-MiniLM-L6-v2, distilbert-base-uncased):
//   model           WordPiece
//   normalizer      BertNormalizer, or null
//   pre_tokenizer   BertPreTokenizer, or null
//   post_processor  TemplateProcessing (its "single" template), BertProcessing, or null
//   added_tokens    content, id, special, normalized, lstrip, rstrip, single_word
//   truncation      read as a default: default_max_length(); Encode never applies it by itself
//   padding         only pad_id is read (pad_id()); Encode never pads
// Anything else is a TokenizerError naming the JSON path and the value.
#ifndef TP_TOKENIZER_TOKENIZER_H_
#define TP_TOKENIZER_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tp {

class TokenizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
};

class Tokenizer {
 public:
  // Parses tokenizer.json. Throws TokenizerError for malformed JSON, wrong types, missing fields
  // and unsupported components.
  static std::unique_ptr<Tokenizer> FromJson(std::string_view json);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Encodes one sequence and adds the template's special tokens.
  // utf8 may hold any bytes: ill-formed UTF-8 is read as U+FFFD (which clean_text then drops).
  // max_length counts the special tokens of the template; 0 = no truncation. Truncation keeps
  // the first max_length - num_special_tokens() tokens of the sequence (Hugging Face's
  // "longest first", right side, for one sequence) and stops working as soon as it has them.
  // Throws TokenizerError if 0 < max_length < num_special_tokens() (as Hugging Face refuses
  // such a truncation setting).
  // Thread-safe: any number of threads may call Encode on one instance at once.
  Encoding Encode(std::string_view utf8, size_t max_length) const;

  // The two halves of Encode, for models that share one tokenization (same fingerprint) but
  // truncate differently: EncodeSequence gives the sequence's ids without special tokens,
  // stopping after max_tokens (SIZE_MAX = no limit); Finish truncates such a sequence for
  // max_length (as Encode would) and applies the template. For any text and max_length,
  // Finish(EncodeSequence(text, n), max_length) == Encode(text, max_length) whenever
  // n >= max_length - num_special_tokens().
  std::vector<int32_t> EncodeSequence(std::string_view utf8, size_t max_tokens) const;
  Encoding Finish(const std::vector<int32_t>& sequence, size_t max_length) const;

  // Id for padding: tokenizer.json padding.pad_id if set, else the id of "[PAD]" if the
  // vocabulary or the added tokens have it, else 0.
  int32_t pad_id() const;
  // Number of distinct tokens, added tokens included (Hugging Face get_vocab_size(true)).
  size_t vocab_size() const;
  // Largest id the tokenizer can produce (model vocabulary, added tokens, template tokens).
  int32_t max_id() const;
  // Id of the model's unknown token (WordPiece unk_token), or -1 if the model has none.
  int32_t unk_id() const;
  // Number of special tokens the template adds to one sequence (2 for [CLS] ... [SEP]).
  size_t num_special_tokens() const;
  // tokenizer.json truncation.max_length, or 0 when truncation is null.
  size_t default_max_length() const;
  // Id of a token (added tokens first, then the model vocabulary), or -1.
  int32_t TokenToId(std::string_view token) const;

  // Stable 64-bit fingerprint of everything that decides Encode's output: model (type,
  // vocabulary, unknown token, subword prefix, word length limit), normalizer and its
  // settings, pre-tokenizer, added tokens and the post-processor's template. Two tokenizers
  // with the same fingerprint give the same ids for every input. Not included: truncation and
  // padding defaults, decoder, and spelling differences in the JSON that change nothing
  // (e.g. BertProcessing vs. the equivalent TemplateProcessing, key order).
  uint64_t fingerprint() const;

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tp

#endif  // TP_TOKENIZER_TOKENIZER_H_
