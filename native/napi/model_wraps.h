// Shared pieces of the model wrappers (embedding_wrap.cc, classifier_wrap.cc) and of
// analyze_wrap.cc, which runs several models on one tokenization.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "classification/classifier_model.h"
#include "embedding/embedding_model.h"
#include "napi/args.h"

namespace tp::napi {

// The model behind a JavaScript EmbeddingModel / ClassifierModel object; throws INPUT_INVALID
// for anything else and ENRICHER_CLOSED for a closed model.
std::shared_ptr<const EmbeddingModel> UnwrapEmbeddingModel(Napi::Env env, Napi::Value value);
std::shared_ptr<const ClassifierModel> UnwrapClassifierModel(Napi::Env env, Napi::Value value);

// tokenizer.json text -> tokenizer; parse errors become MODEL_INVALID. Runs off the JS thread.
std::shared_ptr<const Tokenizer> ParseTokenizer(const std::string& json);

// The batching options every model takes: { maxLength, tokenBudget, maxBatch }.
inline BatchLimits ReadBatchLimits(const Napi::Object& options) {
  BatchLimits limits;
  limits.token_budget = RequireSize(options, "tokenBudget", 1, 1 << 24);
  limits.max_batch = RequireSize(options, "maxBatch", 1, 1 << 16);
  return limits;
}

// 16 lowercase hex digits (tokenizer fingerprints).
std::string Hex64(uint64_t v);

Napi::Array TensorSpecsToJs(Napi::Env env, const std::vector<ort::TensorSpec>& specs);
Napi::Float32Array ToFloat32Array(Napi::Env env, const std::vector<float>& values);
Napi::Array EncodedBatchesToJs(Napi::Env env, const std::vector<EncodedBatch>& batches);
// { data: Float32Array [count * dim], dim }
Napi::Value EmbeddingResultToJs(Napi::Env env, const EmbeddingModel::Result& r);
// { logits: Float32Array, probs: Float32Array [count * labels], labels }
Napi::Value ClassificationResultToJs(Napi::Env env, const ClassifierModel::Result& r);

}  // namespace tp::napi
