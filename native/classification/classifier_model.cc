#include "classification/classifier_model.h"

#include <cstring>

#include "errors.h"
#include "kernels/kernels.h"

namespace tp {

ClassifierModel::ClassifierModel(std::shared_ptr<const ort::Session> session,
                                 std::shared_ptr<const Tokenizer> tokenizer, ClassifierConfig config)
    : session_(std::move(session), "sequence classifier"), tokenizer_(std::move(tokenizer)), config_(config) {
  const ort::TensorSpec* logits = session_.session().FindOutput("logits");
  if (logits == nullptr)
    throw Error("MODEL_INVALID", "not a sequence classifier: the graph has no output named logits");
  if (logits->type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT || logits->dims.size() != 2)
    throw Error("MODEL_INVALID", "output logits must be float32 [batch, labels]");
  declared_labels_ = logits->dims[1] > 0 ? static_cast<size_t>(logits->dims[1]) : 0;
  if (config_.max_length <= tokenizer_->num_special_tokens())
    throw Error("CONFIG_INVALID", "maxLength " + std::to_string(config_.max_length) +
                                      " leaves no room for text: the tokenizer adds " +
                                      std::to_string(tokenizer_->num_special_tokens()) + " special tokens");
}

std::vector<EncodedBatch> ClassifierModel::Encode(const std::vector<std::string>& texts) const {
  return BuildBatches(EncodeTexts(*tokenizer_, texts, {config_.max_length})[0], config_.limits, tokenizer_->pad_id());
}

ClassifierModel::Result ClassifierModel::Classify(const std::vector<std::string>& texts) const {
  return ClassifyEncodings(EncodeTexts(*tokenizer_, texts, {config_.max_length})[0]);
}

ClassifierModel::Result ClassifierModel::ClassifyEncodings(const std::vector<Encoding>& encodings) const {
  Result result;
  result.labels = declared_labels_;
  if (encodings.empty()) return result;
  for (EncodedBatch& b : BuildBatches(encodings, config_.limits, tokenizer_->pad_id())) {
    std::vector<ort::Value> outputs = session_.Run(b, {"logits"});
    const std::vector<int64_t> shape = outputs[0].Shape();
    if (shape.size() != 2 || shape[0] != static_cast<int64_t>(b.batch) || shape[1] <= 0)
      throw Error("MODEL_INVALID", "output logits has an unexpected shape");
    const size_t labels = static_cast<size_t>(shape[1]);
    if (result.logits.empty()) {
      result.labels = labels;
      result.logits.assign(encodings.size() * labels, 0.0f);
      result.probs.assign(encodings.size() * labels, 0.0f);
    } else if (labels != result.labels) {
      throw Error("MODEL_INVALID", "output logits changed width between batches");
    }
    const float* logits = outputs[0].Data<float>();
    for (size_t row = 0; row < b.batch; ++row) {
      const size_t at = b.members[row] * labels;
      std::memcpy(result.logits.data() + at, logits + row * labels, labels * sizeof(float));
      kernels::Softmax(logits + row * labels, labels, result.probs.data() + at);
    }
  }
  return result;
}

}  // namespace tp
