#include "generate/logits_processors.h"

#include <algorithm>
#include <limits>

namespace tp {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Bans every token that would repeat an n-gram already in the sequence.
void BanRepeatedNgrams(float* scores, size_t vocab, const std::vector<int32_t>& seq, int32_t n) {
  const size_t len = seq.size();
  if (n <= 0 || len + 1 < static_cast<size_t>(n)) return;
  const size_t prefix = static_cast<size_t>(n) - 1;
  const int32_t* tail = seq.data() + (len - prefix);
  // Every earlier position whose n-1 tokens equal the tail bans the token that followed them.
  for (size_t start = 0; start + prefix < len; ++start) {
    if (std::equal(tail, tail + prefix, seq.data() + start)) {
      const int32_t banned = seq[start + prefix];
      if (banned >= 0 && static_cast<size_t>(banned) < vocab) scores[banned] = kNegInf;
    }
  }
}

void ForceToken(float* scores, size_t vocab, int32_t token) {
  if (token < 0 || static_cast<size_t>(token) >= vocab) return;
  std::fill(scores, scores + vocab, kNegInf);
  scores[token] = 0.0f;
}

}  // namespace

void ApplyLogitsProcessors(float* scores, size_t vocab, const std::vector<int32_t>& sequence,
                           const GenerationConfig& config) {
  const int32_t cur_len = static_cast<int32_t>(sequence.size());
  BanRepeatedNgrams(scores, vocab, sequence, config.no_repeat_ngram_size);
  const bool too_short = cur_len < config.min_length || cur_len - 1 < config.min_new_tokens;
  if (too_short && config.eos_token_id >= 0 && static_cast<size_t>(config.eos_token_id) < vocab)
    scores[config.eos_token_id] = kNegInf;
  if (config.forced_bos_token_id >= 0 && cur_len == 1) ForceToken(scores, vocab, config.forced_bos_token_id);
  if (config.forced_eos_token_id >= 0 && cur_len == config.max_length - 1)
    ForceToken(scores, vocab, config.forced_eos_token_id);
}

}  // namespace tp
