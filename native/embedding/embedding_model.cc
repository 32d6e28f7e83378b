#include "embedding/embedding_model.h"

#include <algorithm>
#include <cstring>

#include "errors.h"
#include "kernels/kernels.h"

namespace tp {

namespace {

bool IsIntegerIds(ONNXTensorElementDataType t) {
  return t == ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 || t == ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
}

std::string DescribeIo(const std::vector<ort::TensorSpec>& specs) {
  std::string out;
  for (const auto& s : specs) out += (out.empty() ? "" : ", ") + s.name;
  return out.empty() ? "(none)" : out;
}

}  // namespace

EmbeddingModel::EmbeddingModel(std::shared_ptr<const ort::Session> session,
                               std::shared_ptr<const Tokenizer> tokenizer, EmbeddingConfig config)
    : session_(std::move(session)), tokenizer_(std::move(tokenizer)), config_(config) {
  const ort::Session& s = *session_;
  input_ids_ = s.FindInput("input_ids");
  attention_mask_ = s.FindInput("attention_mask");
  token_type_ids_ = s.FindInput("token_type_ids");
  if (input_ids_ == nullptr || attention_mask_ == nullptr)
    throw Error("MODEL_INVALID", "not a sentence encoder: the graph needs inputs input_ids and attention_mask; it has " +
                                     DescribeIo(s.inputs()));
  for (const auto& in : s.inputs()) {
    if (&in != input_ids_ && &in != attention_mask_ && &in != token_type_ids_)
      throw Error("MODEL_INVALID", "the graph has an input this pipeline cannot feed: " + in.name +
                                       " (known: input_ids, attention_mask, token_type_ids)");
    if (!IsIntegerIds(in.type))
      throw Error("MODEL_INVALID", "graph input " + in.name + " must be int64 or int32");
  }

  // Token-level outputs are pooled here; a graph that already pools (sentence-transformers
  // exports with "sentence_embedding") is used as is.
  const ort::TensorSpec* out = nullptr;
  for (const char* name : {"last_hidden_state", "token_embeddings"})
    if (!out) out = s.FindOutput(name);
  if (!out) out = s.FindOutput("sentence_embedding");
  if (!out)
    for (const auto& o : s.outputs())
      if (!out && o.dims.size() == 3) out = &o;
  if (!out)
    throw Error("MODEL_INVALID", "no usable output: expected last_hidden_state [batch, sequence, hidden]; the graph has " +
                                     DescribeIo(s.outputs()));
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
  std::vector<Encoding> encodings;
  encodings.reserve(texts.size());
  std::vector<size_t> lengths;
  lengths.reserve(texts.size());
  for (const auto& text : texts) {
    encodings.push_back(tokenizer_->Encode(text, config_.max_length));
    lengths.push_back(encodings.back().ids.size());
  }
  const int64_t pad = tokenizer_->pad_id();
  std::vector<EncodedBatch> out;
  for (Batch& plan : PlanBatches(lengths, config_.limits)) {
    EncodedBatch b;
    b.batch = plan.members.size();
    b.seq = plan.padded_length;
    b.input_ids.assign(b.batch * b.seq, pad);
    b.attention_mask.assign(b.batch * b.seq, 0);
    b.token_type_ids.assign(b.batch * b.seq, 0);
    for (size_t row = 0; row < b.batch; ++row) {
      const Encoding& e = encodings[plan.members[row]];
      for (size_t t = 0; t < e.ids.size(); ++t) {
        b.input_ids[row * b.seq + t] = e.ids[t];
        b.attention_mask[row * b.seq + t] = 1;
        b.token_type_ids[row * b.seq + t] = t < e.type_ids.size() ? e.type_ids[t] : 0;
      }
    }
    b.members = std::move(plan.members);
    out.push_back(std::move(b));
  }
  return out;
}

ort::Value EmbeddingModel::MakeInput(const ort::TensorSpec& spec, std::vector<int64_t>& values,
                                     std::vector<int32_t>& narrow, const std::vector<int64_t>& shape) const {
  if (spec.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64)
    return ort::TensorView(values.data(), values.size() * sizeof(int64_t), shape, spec.type);
  narrow.assign(values.begin(), values.end());
  return ort::TensorView(narrow.data(), narrow.size() * sizeof(int32_t), shape, spec.type);
}

EmbeddingModel::Result EmbeddingModel::Embed(const std::vector<std::string>& texts) const {
  Result result;
  result.dim = declared_dim_;
  if (texts.empty()) return result;

  std::vector<EncodedBatch> batches = Encode(texts);
  std::vector<float> pooled;
  for (EncodedBatch& b : batches) {
    const std::vector<int64_t> shape = {static_cast<int64_t>(b.batch), static_cast<int64_t>(b.seq)};
    std::vector<int32_t> ids32, mask32, types32;
    std::vector<const char*> names;
    std::vector<ort::Value> values;
    names.push_back(input_ids_->name.c_str());
    values.push_back(MakeInput(*input_ids_, b.input_ids, ids32, shape));
    names.push_back(attention_mask_->name.c_str());
    values.push_back(MakeInput(*attention_mask_, b.attention_mask, mask32, shape));
    if (token_type_ids_) {
      names.push_back(token_type_ids_->name.c_str());
      values.push_back(MakeInput(*token_type_ids_, b.token_type_ids, types32, shape));
    }
    std::vector<const OrtValue*> raw;
    for (const auto& v : values) raw.push_back(v.get());
    std::vector<ort::Value> outputs = session_->Run(names, raw, {output_name_.c_str()});

    const std::vector<int64_t> out_shape = outputs[0].Shape();
    const size_t rank = pooled_output_ ? 2 : 3;
    if (out_shape.size() != rank || out_shape[0] != static_cast<int64_t>(b.batch) ||
        (rank == 3 && out_shape[1] != static_cast<int64_t>(b.seq)) || out_shape.back() <= 0)
      throw Error("MODEL_INVALID", "output " + output_name_ + " has an unexpected shape");
    const size_t dim = static_cast<size_t>(out_shape.back());
    if (result.data.empty()) {
      result.dim = dim;
      result.data.assign(texts.size() * dim, 0.0f);
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
