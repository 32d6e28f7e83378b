// Sentence embeddings: token batches -> ONNX Runtime -> masked mean pooling -> optional L2
// normalization, rows in input order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sequence/encoded_batch.h"
#include "sequence/sequence_session.h"

namespace tp {

struct EmbeddingConfig {
  size_t max_length = 256;  // tokens per text, special tokens included
  BatchLimits limits;
  bool normalize = true;
};

class EmbeddingModel {
 public:
  // Throws tp::Error MODEL_INVALID when the graph does not look like a sentence encoder.
  EmbeddingModel(std::shared_ptr<const ort::Session> session, std::shared_ptr<const Tokenizer> tokenizer,
                 EmbeddingConfig config);

  // Embedding width if the graph declares it, else 0 (known after the first run).
  size_t declared_dim() const { return declared_dim_; }
  const std::string& output_name() const { return output_name_; }
  bool pooled_output() const { return pooled_output_; }  // the graph already pools (rank-2 output)
  const EmbeddingConfig& config() const { return config_; }
  const ort::Session& session() const { return session_.session(); }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

  struct Result {
    std::vector<float> data;  // [count, dim]
    size_t dim = 0;
  };
  // Thread-safe; runs on a libuv pool thread.
  Result Embed(const std::vector<std::string>& texts) const;
  // For encodings made with this model's tokenizer and max_length (shared tokenization).
  Result EmbedEncodings(const std::vector<Encoding>& encodings) const;

  // The exact batches Embed would run (for benchmarks and tests).
  std::vector<EncodedBatch> Encode(const std::vector<std::string>& texts) const;

 private:
  SequenceSession session_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  EmbeddingConfig config_;
  std::string output_name_;
  bool pooled_output_ = false;
  size_t declared_dim_ = 0;
};

}  // namespace tp
