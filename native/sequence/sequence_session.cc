#include "sequence/sequence_session.h"

#include "errors.h"

namespace tp {

namespace {

std::string Names(const std::vector<ort::TensorSpec>& specs) {
  std::string out;
  for (const auto& s : specs) out += (out.empty() ? "" : ", ") + s.name;
  return out.empty() ? "(none)" : out;
}

// Wraps `values` (int64) as the input tensor `spec` wants, narrowing to int32 if it must.
ort::Value MakeInput(const ort::TensorSpec& spec, std::vector<int64_t>& values, std::vector<int32_t>& narrow,
                     const std::vector<int64_t>& shape) {
  if (spec.type == ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64)
    return ort::TensorView(values.data(), values.size() * sizeof(int64_t), shape, spec.type);
  narrow.assign(values.begin(), values.end());
  return ort::TensorView(narrow.data(), narrow.size() * sizeof(int32_t), shape, spec.type);
}

}  // namespace

SequenceSession::SequenceSession(std::shared_ptr<const ort::Session> session, const std::string& role)
    : session_(std::move(session)) {
  const ort::Session& s = *session_;
  input_ids_ = s.FindInput("input_ids");
  attention_mask_ = s.FindInput("attention_mask");
  token_type_ids_ = s.FindInput("token_type_ids");
  if (input_ids_ == nullptr || attention_mask_ == nullptr)
    throw Error("MODEL_INVALID", "not a " + role + ": the graph needs inputs input_ids and attention_mask; it has " +
                                     Names(s.inputs()));
  for (const auto& in : s.inputs()) {
    if (&in != input_ids_ && &in != attention_mask_ && &in != token_type_ids_)
      throw Error("MODEL_INVALID", "the graph has an input this pipeline cannot feed: " + in.name +
                                       " (known: input_ids, attention_mask, token_type_ids)");
    if (in.type != ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 && in.type != ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32)
      throw Error("MODEL_INVALID", "graph input " + in.name + " must be int64 or int32");
  }
}

std::vector<ort::Value> SequenceSession::Run(EncodedBatch& b, const std::vector<const char*>& outputs) const {
  const std::vector<int64_t> shape = {static_cast<int64_t>(b.batch), static_cast<int64_t>(b.seq)};
  std::vector<int32_t> ids32, mask32, types32;
  std::vector<const char*> names = {input_ids_->name.c_str(), attention_mask_->name.c_str()};
  std::vector<ort::Value> values;
  values.push_back(MakeInput(*input_ids_, b.input_ids, ids32, shape));
  values.push_back(MakeInput(*attention_mask_, b.attention_mask, mask32, shape));
  if (token_type_ids_) {
    names.push_back(token_type_ids_->name.c_str());
    values.push_back(MakeInput(*token_type_ids_, b.token_type_ids, types32, shape));
  }
  std::vector<const OrtValue*> raw;
  for (const auto& v : values) raw.push_back(v.get());
  return session_->Run(names, raw, outputs);
}

}  // namespace tp
