// An ONNX Runtime session fed with token batches: input_ids and attention_mask, plus
// token_type_ids when the graph has it (BERT) and not otherwise (DistilBERT). Shared by every
// model kind so that input checking and tensor wrapping live in one place.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ort.h"
#include "sequence/encoded_batch.h"

namespace tp {

class SequenceSession {
 public:
  // Throws tp::Error MODEL_INVALID when the graph's inputs are not token inputs; `role` names
  // the model in messages ("sentence encoder", "sequence classifier").
  SequenceSession(std::shared_ptr<const ort::Session> session, const std::string& role);

  const ort::Session& session() const { return *session_; }

  // Runs one batch (its vectors are borrowed for the call) and returns the named outputs.
  std::vector<ort::Value> Run(EncodedBatch& batch, const std::vector<const char*>& outputs) const;

 private:
  std::shared_ptr<const ort::Session> session_;
  const ort::TensorSpec* input_ids_ = nullptr;
  const ort::TensorSpec* attention_mask_ = nullptr;
  const ort::TensorSpec* token_type_ids_ = nullptr;
};

}  // namespace tp
