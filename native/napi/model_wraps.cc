#include "napi/model_wraps.h"

#include <cstring>

#include "errors.h"

namespace tp::napi {

namespace {

const char* TypeName(ONNXTensorElementDataType t) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return "float32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return "float16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return "float64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return "int64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return "int32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: return "int8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return "uint8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: return "bool";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED: return "non-tensor";
    default: return "other";
  }
}

Napi::BigInt64Array ToBigInt64Array(Napi::Env env, const std::vector<int64_t>& v) {
  Napi::BigInt64Array out = Napi::BigInt64Array::New(env, v.size());
  if (!v.empty()) std::memcpy(out.Data(), v.data(), v.size() * sizeof(int64_t));
  return out;
}

}  // namespace

std::string Hex64(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = digits[v & 0xf];
  return s;
}

std::shared_ptr<const Tokenizer> ParseTokenizer(const std::string& json) {
  try {
    return Tokenizer::FromJson(json);
  } catch (const TokenizerError& e) {
    throw Error("MODEL_INVALID", e.what());
  }
}

Napi::Array TensorSpecsToJs(Napi::Env env, const std::vector<ort::TensorSpec>& specs) {
  Napi::Array out = Napi::Array::New(env, specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", specs[i].name);
    o.Set("type", TypeName(specs[i].type));
    Napi::Array dims = Napi::Array::New(env, specs[i].dims.size());
    for (size_t d = 0; d < specs[i].dims.size(); ++d) dims.Set(d, static_cast<double>(specs[i].dims[d]));
    o.Set("dims", dims);
    out.Set(i, o);
  }
  return out;
}

Napi::Float32Array ToFloat32Array(Napi::Env env, const std::vector<float>& values) {
  Napi::Float32Array out = Napi::Float32Array::New(env, values.size());
  if (!values.empty()) std::memcpy(out.Data(), values.data(), values.size() * sizeof(float));
  return out;
}

Napi::Array EncodedBatchesToJs(Napi::Env env, const std::vector<EncodedBatch>& batches) {
  Napi::Array out = Napi::Array::New(env, batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    const EncodedBatch& b = batches[i];
    Napi::Object o = Napi::Object::New(env);
    Napi::Uint32Array members = Napi::Uint32Array::New(env, b.members.size());
    for (size_t m = 0; m < b.members.size(); ++m) members[m] = static_cast<uint32_t>(b.members[m]);
    o.Set("members", members);
    o.Set("batch", static_cast<double>(b.batch));
    o.Set("seq", static_cast<double>(b.seq));
    o.Set("inputIds", ToBigInt64Array(env, b.input_ids));
    o.Set("attentionMask", ToBigInt64Array(env, b.attention_mask));
    o.Set("tokenTypeIds", ToBigInt64Array(env, b.token_type_ids));
    out.Set(i, o);
  }
  return out;
}

Napi::Value EmbeddingResultToJs(Napi::Env env, const EmbeddingModel::Result& r) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", ToFloat32Array(env, r.data));
  out.Set("dim", static_cast<double>(r.dim));
  return out;
}

Napi::Value ClassificationResultToJs(Napi::Env env, const ClassifierModel::Result& r) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("logits", ToFloat32Array(env, r.logits));
  out.Set("probs", ToFloat32Array(env, r.probs));
  out.Set("labels", static_cast<double>(r.labels));
  return out;
}

}  // namespace tp::napi
