// Groups sequences into batches so that padding is small and each batch stays under a token
// budget: sequences are sorted by length (longest first, ties in input order) and packed
// greedily, so a batch's padded length is the length of its first member.
#pragma once

#include <cstddef>
#include <vector>

namespace tp {

struct BatchLimits {
  size_t token_budget = 1024;  // max batch_size * padded_length (TypeScript passes its own)
  size_t max_batch = 32;       // max sequences per batch
};

struct Batch {
  std::vector<size_t> members;  // indices into the input, longest first
  size_t padded_length = 0;
};

std::vector<Batch> PlanBatches(const std::vector<size_t>& lengths, const BatchLimits& limits);

}  // namespace tp
