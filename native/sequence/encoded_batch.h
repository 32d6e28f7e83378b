// Token sequences turned into the padded tensors one ONNX Runtime call receives.
#pragma once

#include <cstdint>
#include <vector>

#include "sequence/batch_plan.h"
#include "tokenizer/tokenizer.h"

namespace tp {

struct EncodedBatch {
  std::vector<size_t> members;  // indices into the encodings, longest first
  size_t batch = 0, seq = 0;
  std::vector<int64_t> input_ids, attention_mask, token_type_ids;  // [batch, seq], right-padded
};

// Plans length-sorted batches under `limits` and pads each to its longest member with pad_id.
std::vector<EncodedBatch> BuildBatches(const std::vector<Encoding>& encodings, const BatchLimits& limits,
                                       int32_t pad_id);

// Tokenizes every text once. With several max lengths (models that share a tokenizer but
// truncate differently), the sequence is read once, up to the longest limit, and finished
// (truncated, special tokens added) for each: result[m][i] is text i for max_lengths[m].
std::vector<std::vector<Encoding>> EncodeTexts(const Tokenizer& tokenizer, const std::vector<std::string>& texts,
                                               const std::vector<size_t>& max_lengths);

}  // namespace tp
