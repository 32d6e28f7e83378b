#include "sequence/batch_plan.h"

#include <algorithm>
#include <numeric>

namespace tp {

std::vector<Batch> PlanBatches(const std::vector<size_t>& lengths, const BatchLimits& limits) {
  std::vector<size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });

  const size_t max_batch = std::max<size_t>(limits.max_batch, 1);
  std::vector<Batch> batches;
  for (size_t i = 0; i < order.size();) {
    Batch batch;
    batch.padded_length = std::max<size_t>(lengths[order[i]], 1);
    // A sequence longer than the budget still gets a batch of its own.
    const size_t fit = std::max<size_t>(limits.token_budget / batch.padded_length, 1);
    const size_t take = std::min({fit, max_batch, order.size() - i});
    batch.members.assign(order.begin() + static_cast<std::ptrdiff_t>(i),
                         order.begin() + static_cast<std::ptrdiff_t>(i + take));
    batches.push_back(std::move(batch));
    i += take;
  }
  return batches;
}

}  // namespace tp
