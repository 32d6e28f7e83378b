// Hugging Face's BertNormalizer: clean_text (drop control characters, U+0000 and U+FFFD; turn
// whitespace into ' '), handle_chinese_chars (spaces around CJK ideographs), strip_accents (NFD,
// then drop nonspacing marks) and lowercase (per code point, Rust's char::to_lowercase).
#ifndef TP_TOKENIZER_BERT_NORMALIZER_H_
#define TP_TOKENIZER_BERT_NORMALIZER_H_

#include <memory>
#include <string>

#include "json_util.h"
#include "pipeline.h"

namespace tp {

class BertNormalizer : public Normalizer {
 public:
  struct Options {
    bool clean_text = true;
    bool handle_chinese_chars = true;
    bool strip_accents = true;  // tokenizer.json null means "same as lowercase"
    bool lowercase = true;
  };
  explicit BertNormalizer(const Options& options) : options_(options) {}

  void Normalize(utf8::Cursor& in, size_t min_out, std::u32string& out) const override;
  void AddToFingerprint(Hasher& h) const override;
  const Options& options() const { return options_; }

 private:
  Options options_;
};

std::unique_ptr<Normalizer> ParseBertNormalizer(const json_util::Json& normalizer, const std::string& path);

}  // namespace tp

#endif  // TP_TOKENIZER_BERT_NORMALIZER_H_
