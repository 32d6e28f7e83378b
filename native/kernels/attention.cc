#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/vector_ops.h"

namespace tp::kernels {

namespace {

using vec::Exp;
using vec::Load;
using vec::RoundUp;
using vec::Splat;
using vec::Store;
using V16 = vec::V;
using I16 = vec::VI;
constexpr size_t kLanes = vec::kLanes;
// Query rows scored together: each key-column load feeds this many FMAs. With 32 vector
// registers, 12 rows x 2 column blocks = 24 accumulators (the FMA units need at least 8 chains in
// flight, and the loads must not outnumber the FMAs); with 16, 4 x 2.
constexpr size_t kRows = vec::kRegisters >= 32 ? 12 : 4;

// Pairwise (tree) reductions: log2(lanes) dependent steps instead of a lanes-long chain.
inline float HorizontalSum(V16 v) {
  float lanes[kLanes];
  Store(lanes, v);
  for (size_t half = kLanes / 2; half > 0; half /= 2)
    for (size_t i = 0; i < half; ++i) lanes[i] += lanes[i + half];
  return lanes[0];
}

inline float HorizontalMax(V16 v) {
  float lanes[kLanes];
  Store(lanes, v);
  for (size_t half = kLanes / 2; half > 0; half /= 2)
    for (size_t i = 0; i < half; ++i) lanes[i] = std::max(lanes[i], lanes[i + half]);
  return lanes[0];
}

// scores[r][j] = queries[r] . keys_t[:, j] for kRows rows and B column blocks starting at jb:
// kRows * B independent FMA chains, each key-column load shared by kRows rows.
template <size_t B>
inline void ScoreBlock(const float* queries, const float* keys_t, size_t d, size_t padded, size_t jb, float* scores) {
  V16 acc[kRows][B] = {};
  for (size_t t = 0; t < d; ++t) {
    V16 kv[B];
    for (size_t c = 0; c < B; ++c) kv[c] = Load(keys_t + t * padded + jb + c * kLanes);
    for (size_t r = 0; r < kRows; ++r) {
      const float qv = queries[r * d + t];
      for (size_t c = 0; c < B; ++c) acc[r][c] += qv * kv[c];
    }
  }
  for (size_t r = 0; r < kRows; ++r)
    for (size_t c = 0; c < B; ++c) Store(scores + r * padded + jb + c * kLanes, acc[r][c]);
}

void ScoreRows(const float* queries, const float* keys_t, size_t d, size_t padded, float* scores) {
  size_t jb = 0;
  for (; jb + 2 * kLanes <= padded; jb += 2 * kLanes) ScoreBlock<2>(queries, keys_t, d, padded, jb, scores);
  if (jb < padded) ScoreBlock<1>(queries, keys_t, d, padded, jb, scores);
}

// row[j] = exp(row[j] - max) for j < n, 0 for the padding up to `padded`; returns 1 / sum.
float SoftmaxWeights(float* row, size_t n, size_t padded) {
  I16 lane;
  for (size_t i = 0; i < kLanes; ++i) lane[i] = static_cast<int32_t>(i);
  const float kNegInf = -std::numeric_limits<float>::infinity();
  V16 vmax = Splat(kNegInf);
  for (size_t jb = 0; jb < padded; jb += kLanes) {
    const V16 x = Load(row + jb);
    const V16 live = (lane + static_cast<int32_t>(jb)) < static_cast<int32_t>(n) ? x : Splat(kNegInf);
    vmax = live > vmax ? live : vmax;
  }
  const float max = HorizontalMax(vmax);
  V16 sum = {};
  for (size_t jb = 0; jb < padded; jb += kLanes) {
    V16 e = Exp(Load(row + jb) - max);
    e = (lane + static_cast<int32_t>(jb)) < static_cast<int32_t>(n) ? e : Splat(0.0f);
    Store(row + jb, e);
    sum += e;
  }
  return 1.0f / HorizontalSum(sum);
}

// For R query rows at once: out[r][0:d] = inv[r] * sum_j weights[r][j] * values[j][0:d], the
// d floats in C registers. R rows share each load of a value row and give R * C independent
// FMA chains.
template <size_t C, size_t R>
void WeightedValues(const float* weights, size_t stride, const float* values, size_t n, const float* inv,
                    float* const* out) {
  V16 acc[R][C] = {};
  for (size_t j = 0; j < n; ++j) {
    const float* row = values + j * C * kLanes;
    for (size_t c = 0; c < C; ++c) {
      const V16 x = Load(row + c * kLanes);
      for (size_t r = 0; r < R; ++r) acc[r][c] += weights[r * stride + j] * x;
    }
  }
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) Store(out[r] + c * kLanes, acc[r][c] * inv[r]);
}

template <size_t C>
void WeightedValuesRows(const float* weights, size_t stride, const float* values, size_t n, const float* inv,
                        float* const* out, size_t rows) {
  // Rows per block: about 24 accumulators with 32 registers, 8 with 16.
  constexpr size_t kBlock = vec::kRegisters >= 32 ? (C <= 2 ? 12 : C <= 4 ? 6 : C <= 8 ? 3 : 1) : (C <= 2 ? 4 : C <= 4 ? 2 : 1);
  size_t r = 0;
  for (; r + kBlock <= rows; r += kBlock)
    WeightedValues<C, kBlock>(weights + r * stride, stride, values, n, inv + r, out + r);
  for (; r < rows; ++r) WeightedValues<C, 1>(weights + r * stride, stride, values, n, inv + r, out + r);
}

// Any head size: plain loops (the compiler vectorizes over d where it can).
void WeightedValuesAnyWidth(const float* weights, const float* values, size_t n, size_t d, float inv, float* out) {
  std::fill(out, out + d, 0.0f);
  for (size_t j = 0; j < n; ++j) {
    const float w = weights[j];
    const float* row = values + j * d;
    for (size_t t = 0; t < d; ++t) out[t] += w * row[t];
  }
  for (size_t t = 0; t < d; ++t) out[t] *= inv;
}

// Rows r < rows of weights ([rows][stride]) against values ([n][d]) into out[r].
void WeightedValuesDispatch(const float* weights, size_t stride, const float* values, size_t n, size_t d,
                            const float* inv, float* const* out, size_t rows) {
  switch (d % kLanes == 0 ? d / kLanes : 0) {
    case 1: return WeightedValuesRows<1>(weights, stride, values, n, inv, out, rows);
    case 2: return WeightedValuesRows<2>(weights, stride, values, n, inv, out, rows);
    case 4: return WeightedValuesRows<4>(weights, stride, values, n, inv, out, rows);
    case 8: return WeightedValuesRows<8>(weights, stride, values, n, inv, out, rows);
    case 16: return WeightedValuesRows<16>(weights, stride, values, n, inv, out, rows);
    default:
      for (size_t r = 0; r < rows; ++r) WeightedValuesAnyWidth(weights + r * stride, values, n, d, inv[r], out[r]);
  }
}

}  // namespace

void MaskedSelfAttention(const float* q, const float* k, const float* v, const float* bias, const int64_t* mask,
                         const AttentionShape& shape, float scale, size_t b, size_t h_begin, size_t h_end,
                         float* out, AttentionScratch& s) {
  const size_t S = shape.seq, Q = shape.queries, H = shape.hidden, d = H / shape.heads;
  const size_t heads = h_end - h_begin, off = h_begin * d, width = heads * d;
  const float* bq = bias + off;
  const float* bk = bias + H + off;
  const float* bv = bias + 2 * H + off;
  const size_t row0 = b * S, qrow0 = b * Q;

  s.valid.clear();
  for (size_t j = 0; j < S; ++j)
    if (mask[row0 + j] != 0) s.valid.push_back(static_cast<int32_t>(j));
  const bool nothing_attended = s.valid.empty();
  if (nothing_attended)
    for (size_t j = 0; j < S; ++j) s.valid.push_back(static_cast<int32_t>(j));
  const size_t n = s.valid.size(), padded = RoundUp(n);

  // Per head: K^T ([d][padded]) and V ([n][d]) of the attended keys only, and the scaled queries
  // ([Q][d]), biases added. Each token's row is read once, front to back, for all heads of the
  // range: reading one head's slice of every row instead is a stride the prefetchers miss.
  s.keys_t.assign(heads * d * padded, 0.0f);
  s.values.resize(heads * n * d);
  s.queries.assign(heads * Q * d + kRows * d, 0.0f);
  // K^T is written a block of 16 keys at a time: their rows stay in L1 while each column x is
  // gathered into one run of 16 floats (one cache line), instead of one scattered store per float.
  constexpr size_t kKeyBlock = 16;
  const float* key_rows[kKeyBlock];
  for (size_t jb = 0; jb < n; jb += kKeyBlock) {
    const size_t count = std::min(kKeyBlock, n - jb);
    for (size_t j = 0; j < count; ++j) key_rows[j] = k + (row0 + static_cast<size_t>(s.valid[jb + j])) * H + off;
    for (size_t x = 0; x < width; ++x) {
      float* column = s.keys_t.data() + x * padded + jb;
      for (size_t j = 0; j < count; ++j) column[j] = key_rows[j][x] + bk[x];
    }
  }
  for (size_t jj = 0; jj < n; ++jj) {
    const float* vr = v + (row0 + static_cast<size_t>(s.valid[jj])) * H + off;
    for (size_t hh = 0; hh < heads; ++hh)
      for (size_t t = 0; t < d; ++t) s.values[(hh * n + jj) * d + t] = vr[hh * d + t] + bv[hh * d + t];
  }
  for (size_t i = 0; i < Q; ++i) {
    const float* qr = q + (qrow0 + i) * H + off;
    for (size_t hh = 0; hh < heads; ++hh)
      for (size_t t = 0; t < d; ++t) s.queries[(hh * Q + i) * d + t] = (qr[hh * d + t] + bq[hh * d + t]) * scale;
  }

  s.scores.resize(kRows * padded);
  for (size_t hh = 0; hh < heads; ++hh) {
    const float* keys_t = s.keys_t.data() + hh * d * padded;
    const float* values = s.values.data() + hh * n * d;
    for (size_t i0 = 0; i0 < Q; i0 += kRows) {
      const size_t rows = std::min(kRows, Q - i0);
      // A last, partial block also scores the rows after it (the next head's, or the zeroed
      // tail of the buffer): those scores are never read.
      if (!nothing_attended) ScoreRows(s.queries.data() + (hh * Q + i0) * d, keys_t, d, padded, s.scores.data());
      float inv[kRows];
      float* outs[kRows];
      for (size_t r = 0; r < rows; ++r) {
        float* weights = s.scores.data() + r * padded;
        if (nothing_attended) {
          std::fill(weights, weights + n, 1.0f);
          inv[r] = 1.0f / static_cast<float>(n);
        } else {
          inv[r] = SoftmaxWeights(weights, n, padded);
        }
        outs[r] = out + (qrow0 + i0 + r) * H + off + hh * d;
      }
      WeightedValuesDispatch(s.scores.data(), padded, values, n, d, inv, outs, rows);
    }
  }
}

}  // namespace tp::kernels
