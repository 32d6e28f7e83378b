// Decoders (tokenizer.json "decoder"): tokens back to text, as Hugging Face's decode_chain.
//   ByteLevel  every token whose characters are all in GPT-2's byte alphabet becomes those bytes,
//              any other token (e.g. an added token with a space) its own UTF-8; all the bytes
//              are then read as UTF-8 with ill-formed sequences replaced by U+FFFD (Rust's
//              String::from_utf8_lossy), so a cut multi-byte character gives U+FFFD.
//   WordPiece  tokens after the first lose their continuation prefix ("##") or get a leading
//              space; with cleanup, each token (not the joined text) goes through the cleanup
//              replacements of decoders::wordpiece::cleanup.
// And transformers' clean_up_tokenization, which its decode() applies to the joined text when
// clean_up_tokenization_spaces is on.
#ifndef TP_TOKENIZER_DECODERS_H_
#define TP_TOKENIZER_DECODERS_H_

#include <memory>
#include <string>
#include <vector>

#include "json_util.h"
#include "pipeline.h"

namespace tp {

class ByteLevelDecoder : public Decoder {
 public:
  void DecodeChain(std::vector<std::string>& tokens) const override;
};

class WordPieceDecoder : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void DecodeChain(std::vector<std::string>& tokens) const override;

 private:
  std::string prefix_;
  bool cleanup_;
};

// transformers' PreTrainedTokenizerBase.clean_up_tokenization: " ." -> ".", " ?" -> "?",
// " !" -> "!", " ," -> ",", " ' " -> "'", " n't" -> "n't", " 'm" -> "'m", " 's" -> "'s",
// " 've" -> "'ve", " 're" -> "'re", each replacing all occurrences, in that order.
std::string CleanUpTokenization(std::string text);

std::unique_ptr<Decoder> ParseByteLevelDecoder(const json_util::Json& decoder, const std::string& path);
std::unique_ptr<Decoder> ParseWordPieceDecoder(const json_util::Json& decoder, const std::string& path);

}  // namespace tp

#endif  // TP_TOKENIZER_DECODERS_H_
