// Post-processors that wrap one sequence in special tokens: TemplateProcessing (its "single"
// template), BertProcessing ([CLS] $A [SEP]), RobertaProcessing (<s> $A </s>, type ids all 0;
// its trim_offsets / add_prefix_space only move offsets), ByteLevel (offsets only: no tokens),
// and none.
#ifndef TP_TOKENIZER_POST_PROCESSOR_H_
#define TP_TOKENIZER_POST_PROCESSOR_H_

#include <memory>
#include <string>
#include <vector>

#include "json_util.h"
#include "pipeline.h"

namespace tp {

class TemplatePostProcessor : public PostProcessor {
 public:
  struct Piece {
    bool is_sequence = false;      // $A, or a special token
    std::vector<int32_t> ids;      // the special token's ids
    int32_t type_id = 0;
  };
  explicit TemplatePostProcessor(std::vector<Piece> pieces, std::string name);

  size_t added_tokens() const override { return added_; }
  void Apply(const std::vector<int32_t>& sequence, std::vector<int32_t>& ids,
             std::vector<int32_t>& type_ids) const override;
  void AddToFingerprint(Hasher& h) const override;

 private:
  std::vector<Piece> pieces_;
  std::string name_;
  size_t added_ = 0;
};

// The post-processor for "post_processor": null: the sequence alone, type ids 0.
std::unique_ptr<PostProcessor> MakeNoPostProcessor();
std::unique_ptr<PostProcessor> ParseTemplateProcessing(const json_util::Json& processor, const std::string& path);
std::unique_ptr<PostProcessor> ParseBertProcessing(const json_util::Json& processor, const std::string& path);
std::unique_ptr<PostProcessor> ParseRobertaProcessing(const json_util::Json& processor, const std::string& path);
// ByteLevel as a post-processor (GPT-2's files) only trims offsets: the sequence alone.
std::unique_ptr<PostProcessor> ParseByteLevelPostProcessor(const json_util::Json& processor, const std::string& path);

}  // namespace tp

#endif  // TP_TOKENIZER_POST_PROCESSOR_H_
