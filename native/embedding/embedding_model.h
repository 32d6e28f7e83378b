// Sentence embeddings: texts -> token ids -> length-sorted batches under a token budget ->
// ONNX Runtime -> masked mean pooling -> optional L2 normalization, rows in input order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "embedding/batch_plan.h"
#include "ort.h"
#include "tokenizer/tokenizer.h"

namespace tp {

struct EmbeddingConfig {
  size_t max_length = 256;  // tokens per text, special tokens included
  BatchLimits limits;
  bool normalize = true;
};

// The exact tensors one ORT call receives (exposed so benchmarks can feed the same batches to
// other runtimes).
struct EncodedBatch {
  std::vector<size_t> members;
  size_t batch = 0, seq = 0;
  std::vector<int64_t> input_ids, attention_mask, token_type_ids;  // [batch, seq]
};

class EmbeddingModel {
 public:
  // Checks the graph's inputs and outputs; throws tp::Error MODEL_INVALID when they do not
  // look like a sentence encoder.
  EmbeddingModel(std::shared_ptr<const ort::Session> session, std::shared_ptr<const Tokenizer> tokenizer,
                 EmbeddingConfig config);

  // Embedding width if the graph declares it, else 0 (known after the first run).
  size_t declared_dim() const { return declared_dim_; }
  const std::string& output_name() const { return output_name_; }
  bool pooled_output() const { return pooled_output_; }  // the graph already pools (rank-2 output)
  const EmbeddingConfig& config() const { return config_; }
  const ort::Session& session() const { return *session_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

  struct Result {
    std::vector<float> data;  // [texts.size(), dim]
    size_t dim = 0;
  };
  // Thread-safe; runs on a libuv pool thread.
  Result Embed(const std::vector<std::string>& texts) const;

  std::vector<EncodedBatch> Encode(const std::vector<std::string>& texts) const;

 private:
  ort::Value MakeInput(const ort::TensorSpec& spec, std::vector<int64_t>& values,
                       std::vector<int32_t>& narrow, const std::vector<int64_t>& shape) const;

  std::shared_ptr<const ort::Session> session_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  EmbeddingConfig config_;
  const ort::TensorSpec* input_ids_ = nullptr;
  const ort::TensorSpec* attention_mask_ = nullptr;
  const ort::TensorSpec* token_type_ids_ = nullptr;  // absent in e.g. DistilBERT-style graphs
  std::string output_name_;
  bool pooled_output_ = false;
  size_t declared_dim_ = 0;
};

}  // namespace tp
