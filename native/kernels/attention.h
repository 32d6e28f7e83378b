// Masked multi-head self-attention for one batch row and a range of heads: the core of the fused
// attention op (native/attention/). Compiled per CPU variant like kernels.cc; the loops are
// written once over GCC/Clang vector extensions, which each variant's -march lowers to its
// widest registers (4 SSE2 / 2 AVX2 / 1 AVX-512 register per 16 floats, 4 NEON on arm64).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tp::kernels {

struct AttentionShape {
  size_t batch = 0;
  size_t seq = 0;      // keys (and values) per batch row
  size_t queries = 0;  // query rows per batch row: seq for self-attention, fewer when only the
                       // first rows' outputs are read (src/models/last-layer-pruning)
  size_t hidden = 0;   // heads * head_dim
  size_t heads = 0;
};

// Per-thread working memory, reused across calls so the hot loop never allocates.
struct AttentionScratch {
  std::vector<float> keys_t;   // per head [head_dim][valid keys, padded to the vector width]: K^T
  std::vector<float> values;   // per head [valid keys][head_dim]
  std::vector<float> queries;  // per head [queries][head_dim], scaled
  std::vector<float> scores;   // [4 rows][valid keys, padded]
  std::vector<int32_t> valid;  // indices of the keys the mask lets through
};

// q: [batch, queries, hidden], k, v: [batch, seq, hidden], the projections before their bias;
// bias: [3 * hidden] (q, k, v biases in that order); mask: [batch, seq], nonzero = attend. For
// batch row b and heads h_begin <= h < h_end, writes out[b, i, h*d : (h+1)*d] (out: [batch,
// queries, hidden]) for every query i:
//   softmax_j(scale * (q_i + bq) . (k_j + bk)) over keys j with mask[b, j] != 0, times (v_j + bv).
// Masked keys get weight exactly 0, as the exports' additive finfo.min / masked_fill masks give
// after softmax. A row whose mask lets nothing through averages all values (what those masks
// give: every score becomes the same huge negative number).
void MaskedSelfAttention(const float* q, const float* k, const float* v, const float* bias, const int64_t* mask,
                         const AttentionShape& shape, float scale, size_t b, size_t h_begin, size_t h_end,
                         float* out, AttentionScratch& scratch);

}  // namespace tp::kernels
