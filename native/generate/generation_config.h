// Generation settings, with Hugging Face transformers' meaning (generation_config.json): lengths
// count the decoder start token, as `max_length` / `min_length` do there.
#pragma once

#include <cstdint>

namespace tp {

enum class EarlyStopping { kFalse, kTrue, kNever };

struct GenerationConfig {
  int32_t max_length = 20;      // decoder length at which generation stops (start token included)
  int32_t min_length = 0;       // EOS is banned while the length is below this
  int32_t min_new_tokens = 0;   // ... and while fewer new tokens than this were generated
  int32_t num_beams = 1;        // 1 = greedy
  float length_penalty = 1.0f;  // beam scores are sum_logprobs / length^length_penalty
  EarlyStopping early_stopping = EarlyStopping::kFalse;
  int32_t no_repeat_ngram_size = 0;  // 0 = off
  int32_t decoder_start_token_id = 2;
  int32_t eos_token_id = 2;
  int32_t pad_token_id = 1;
  int32_t forced_bos_token_id = -1;  // -1 = none
  int32_t forced_eos_token_id = -1;  // -1 = none
};

}  // namespace tp
