// Tokenizers from a Hugging Face tokenizer.json, giving the same token ids as Hugging Face's
// Rust `tokenizers` for one sequence with special tokens (encode(text) with
// add_special_tokens = true). Pure C++17: no Node-API, no ONNX Runtime.
//
// Supported today: the BERT family (e.g. all-MiniLM-L6-v2, distilbert-base-uncased) and the
// byte-level BPE family (GPT-2, RoBERTa, BART, e.g. distilbart-cnn-6-6):
//   model           WordPiece, BPE
//   normalizer      BertNormalizer, or null
//   pre_tokenizer   BertPreTokenizer, ByteLevel, or null
//   post_processor  TemplateProcessing (its "single" template), BertProcessing,
//                   RobertaProcessing, ByteLevel (offsets only), or null
//   decoder         ByteLevel, WordPiece, or null (used by Decode only)
//   added_tokens    content, id, special, normalized, lstrip, rstrip, single_word
//   truncation      read as a default: default_max_length(); Encode never applies it by itself
//   padding         only pad_id is read (pad_id()); Encode never pads
// Anything else is a TokenizerError naming the JSON path and the value (for an unsupported
// decoder, when Decode is called: encoding does not need it).
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

  // The text of ids, as Hugging Face's Tokenizer::decode(ids, skip_special_tokens): each id
  // becomes its token (added tokens first, then the model's vocabulary; ids that have none are
  // skipped), special added tokens are left out when skip_special_tokens, and the decoder turns
  // the tokens into text (none: tokens joined with " "). ByteLevel gives U+FFFD for bytes that
  // are not UTF-8, e.g. a character cut by max_new_tokens. Then, when
  // clean_up_tokenization_spaces, transformers' clean-up (" ." -> ".", " 's" -> "'s", ...), which
  // transformers' decode() applies when tokenizer_config.json asks for it.
  // Throws TokenizerError if tokenizer.json's decoder is not supported. Thread-safe.
  std::string Decode(const std::vector<int32_t>& ids, bool skip_special_tokens,
                     bool clean_up_tokenization_spaces = false) const;

  // Id for padding: tokenizer.json padding.pad_id if set, else the id of "[PAD]", else of
  // "<pad>", if the vocabulary or the added tokens have it, else 0.
  int32_t pad_id() const;
  // Number of distinct tokens, added tokens included (Hugging Face get_vocab_size(true)).
  size_t vocab_size() const;
  // Largest id the tokenizer can produce (model vocabulary, added tokens, template tokens).
  int32_t max_id() const;
  // Largest id that text can produce when the ids of special added tokens are left out: what a
  // model's embedding table must cover for ordinary text. BART's tokenizer.json has <mask> at
  // 50264 while its config.json vocab_size is 50264; such special ids are replaced at run time.
  int32_t max_text_id() const;
  // Id of the model's unknown token (unk_token), or -1 if the model has none.
  int32_t unk_id() const;
  // Number of special tokens the template adds to one sequence (2 for [CLS] ... [SEP]).
  size_t num_special_tokens() const;
  // tokenizer.json truncation.max_length, or 0 when truncation is null.
  size_t default_max_length() const;
  // Id of a token (added tokens first, then the model vocabulary), or -1.
  int32_t TokenToId(std::string_view token) const;

  // Stable 64-bit fingerprint of everything that decides Encode's output: model (type,
  // vocabulary, unknown token, subword prefix, word length limit; for BPE also the merges with
  // their ranks, end-of-word suffix, fuse_unk, byte_fallback, ignore_merges), normalizer and its
  // settings, pre-tokenizer (ByteLevel: add_prefix_space, use_regex), added tokens and the
  // post-processor's template. Two tokenizers with the same fingerprint give the same ids for
  // every input. Not included: truncation and padding defaults, decoder, and spelling
  // differences in the JSON that change nothing (e.g. BertProcessing or RobertaProcessing vs.
  // the equivalent TemplateProcessing, merges as strings or pairs, key order).
  uint64_t fingerprint() const;

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tp

#endif  // TP_TOKENIZER_TOKENIZER_H_
