// Sequence classification (the DistilBERT SST-2 contract): token batches -> ONNX Runtime ->
// logits [batch, labels] -> softmax, rows in input order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sequence/encoded_batch.h"
#include "sequence/sequence_session.h"

namespace tp {

struct ClassifierConfig {
  size_t max_length = 512;
  BatchLimits limits;
};

class ClassifierModel {
 public:
  // Throws tp::Error MODEL_INVALID unless the graph has a float "logits" output [batch, labels].
  ClassifierModel(std::shared_ptr<const ort::Session> session, std::shared_ptr<const Tokenizer> tokenizer,
                  ClassifierConfig config);

  size_t declared_labels() const { return declared_labels_; }  // 0 if symbolic
  const ClassifierConfig& config() const { return config_; }
  const ort::Session& session() const { return session_.session(); }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

  struct Result {
    std::vector<float> logits;  // [count, labels]
    std::vector<float> probs;   // softmax of each row
    size_t labels = 0;
  };
  Result Classify(const std::vector<std::string>& texts) const;
  Result ClassifyEncodings(const std::vector<Encoding>& encodings) const;
  std::vector<EncodedBatch> Encode(const std::vector<std::string>& texts) const;

 private:
  SequenceSession session_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  ClassifierConfig config_;
  size_t declared_labels_ = 0;
};

}  // namespace tp
