// The logits processors of Hugging Face generation that BART summarization uses, applied to one
// row of scores (raw logits for greedy, log-probabilities for beams) in transformers' order:
// no-repeat n-grams, minimum length / minimum new tokens, forced BOS, forced EOS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "generate/generation_config.h"

namespace tp {

// `sequence` is the row's decoder ids so far (start token included); cur_len = its size.
void ApplyLogitsProcessors(float* scores, size_t vocab, const std::vector<int32_t>& sequence,
                           const GenerationConfig& config);

}  // namespace tp
