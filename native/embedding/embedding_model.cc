#include "embedding/embedding_model.h"

#include <cstring>

#include "errors.h"
#include "kernels/kernels.h"

namespace tp {

EmbeddingModel::EmbeddingModel(std::shared_ptr<const ort::Session> session,
                               std::shared_ptr<const Tokenizer> tokenizer, EmbeddingConfig config)
    : session_(std::move(session), "sentence encoder"), tokenizer_(std::move(tokenizer)), config_(config) {
  const ort::Session& s = session_.session();
  // Token-level outputs are pooled here; a graph that already pools (sentence-transformers
  // exports with "sentence_embedding") is used as is.
  const ort::TensorSpec* out = nullptr;
  for (const char* name : {"last_hidden_state", "token_embeddings", "sentence_embedding"})
    if (!out) out = s.FindOutput(name);
  for (const auto& o : s.outputs())
    if (!out && o.dims.size() == 3) out = &o;
  if (!out)
    throw Error("MODEL_INVALID", "no usable output: expected last_hidden_state [batch, sequence, hidden]");
  if (out->type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT)
    throw Error("MODEL_INVALID", "output " + out->name + " must be float32");
  if (out->dims.size() != 3 && out->dims.size() != 2)
    throw Error("MODEL_INVALID", "output " + out->name + " must have rank 3 [batch, sequence, hidden] or 2 [batch, hidden]");
  output_name_ = out->name;
  pooled_output_ = out->dims.size() == 2;
  declared_dim_ = out->dims.back() > 0 ? static_cast<size_t>(out->dims.back()) : 0;
  if (config_.max_length <= tokenizer_->num_special_tokens())
    throw Error("CONFIG_INVALID", "maxLength " + std::to_string(config_.max_length) +
                                      " leaves no room for text: the tokenizer adds " +
                                      std::to_string(tokenizer_->num_special_tokens()) + " special tokens");
}

std::vector<EncodedBatch> EmbeddingModel::Encode(const std::vector<std::string>& texts) const {
  return BuildBatches(EncodeTexts(*tokenizer_, texts, {config_.max_length})[0], config_.limits, tokenizer_->pad_id());
}

EmbeddingModel::Result EmbeddingModel::Embed(const std::vector<std::string>& texts) const {
  return EmbedEncodings(EncodeTexts(*tokenizer_, texts, {config_.max_length})[0]);
}

EmbeddingModel::Result EmbeddingModel::EmbedEncodings(const std::vector<Encoding>& encodings) const {
  Result result;
  result.dim = declared_dim_;
  if (encodings.empty()) return result;

  std::vector<float> pooled;
  for (EncodedBatch& b : BuildBatches(encodings, config_.limits, tokenizer_->pad_id())) {
    std::vector<ort::Value> outputs = session_.Run(b, {output_name_.c_str()});
    const std::vector<int64_t> shape = outputs[0].Shape();
    const size_t rank = pooled_output_ ? 2 : 3;
    if (shape.size() != rank || shape[0] != static_cast<int64_t>(b.batch) ||
        (rank == 3 && shape[1] != static_cast<int64_t>(b.seq)) || shape.back() <= 0)
      throw Error("MODEL_INVALID", "output " + output_name_ + " has an unexpected shape");
    const size_t dim = static_cast<size_t>(shape.back());
    if (result.data.empty()) {
      result.dim = dim;
      result.data.assign(encodings.size() * dim, 0.0f);
    } else if (dim != result.dim) {
      throw Error("MODEL_INVALID", "output " + output_name_ + " changed width between batches");
    }

    const float* hidden = outputs[0].Data<float>();
    pooled.resize(b.batch * dim);
    if (pooled_output_) {
      std::memcpy(pooled.data(), hidden, pooled.size() * sizeof(float));
    } else {
      kernels::MaskedMeanPool(hidden, b.attention_mask.data(), b.batch, b.seq, dim, pooled.data());
    }
    if (config_.normalize) kernels::L2NormalizeRows(pooled.data(), b.batch, dim);
    for (size_t row = 0; row < b.batch; ++row)
      std::memcpy(result.data.data() + b.members[row] * dim, pooled.data() + row * dim, dim * sizeof(float));
  }
  return result;
}

}  // namespace tp
