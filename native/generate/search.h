// Greedy and beam search over any decoder, with Hugging Face transformers' semantics (v4.3x
// greedy_search / beam_search + BeamSearchScorer), so that settings from generation_config.json
// mean what they mean there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "generate/generation_config.h"

namespace tp {

// The model side of a search: one decoder step for all rows, and cache reordering between steps.
class DecoderSteps {
 public:
  virtual ~DecoderSteps() = default;
  // Logits [rows, vocab] for the last position of each row's sequence (start token included).
  // The returned pointer stays valid until the next call.
  virtual const float* Step(const std::vector<std::vector<int32_t>>& sequences, size_t* vocab) = 0;
  // Row r continues what row source[r] was (beam reordering); source.size() == rows.
  virtual void Reorder(const std::vector<size_t>& source) = 0;
};

// Returns, per input item, the generated ids without the decoder start token and without the
// final EOS. Greedy uses batch rows; beam search batch * num_beams rows (item b owns rows
// b * num_beams ... + num_beams - 1).
std::vector<std::vector<int32_t>> GreedySearch(DecoderSteps& decoder, size_t batch, const GenerationConfig& config);
std::vector<std::vector<int32_t>> BeamSearch(DecoderSteps& decoder, size_t batch, const GenerationConfig& config);

}  // namespace tp
