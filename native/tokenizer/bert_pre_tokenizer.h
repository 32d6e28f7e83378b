// Hugging Face's BertPreTokenizer: split on whitespace (removed), then isolate every
// punctuation character (ASCII punctuation, which includes symbols such as $ + < = > ^ ` | ~,
// or Unicode category P*) as a word of its own.
// Also the pre-tokenizer used when tokenizer.json has none: the whole segment is one word.
#ifndef TP_TOKENIZER_BERT_PRE_TOKENIZER_H_
#define TP_TOKENIZER_BERT_PRE_TOKENIZER_H_

#include <memory>
#include <string>

#include "json_util.h"
#include "pipeline.h"

namespace tp {

class BertPreTokenizer : public PreTokenizer {
 public:
  bool Split(const char32_t* cps, size_t n, State& state, WordSink& sink) const override;
  void AddToFingerprint(Hasher& h) const override;
};

class WholeTextPreTokenizer : public PreTokenizer {
 public:
  bool Split(const char32_t* cps, size_t n, State& state, WordSink& sink) const override;
  void AddToFingerprint(Hasher& h) const override;
};

std::unique_ptr<PreTokenizer> ParseBertPreTokenizer(const json_util::Json& pre_tokenizer, const std::string& path);

}  // namespace tp

#endif  // TP_TOKENIZER_BERT_PRE_TOKENIZER_H_
