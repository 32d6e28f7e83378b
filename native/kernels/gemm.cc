#include "kernels/gemm.h"

#include <algorithm>
#include <cstring>

#include "kernels/vector_ops.h"

namespace tp::kernels {

namespace {

using vec::kLanes;
using vec::Load;
using vec::Splat;
using vec::Store;
using vec::V;

// Register tile: kTileRows x (kPanelVectors registers) accumulators, plus the panel row's
// registers and one broadcast. 14 x 2 + 2 + 1 = 31 of AVX-512's 32; 6 x 2 + 2 + 1 = 15 of 16.
constexpr size_t kPanelVectors = 2;
constexpr size_t kPanel = kPanelVectors * kLanes;
constexpr size_t kTileRows = vec::kRegisters >= 32 ? 14 : 6;
// Depth of one pass: a panel slice of kDepth x kPanel floats (48 KiB with AVX-512) is what the
// tiles of a row block reuse; deeper layers (the feed-forward output's k = 1536 or 3072) are
// summed over several passes.
constexpr size_t kDepth = 384;
// Rows packed at a time: 4 tiles; small enough that a layer of a few hundred rows still splits
// into several tasks for the thread pool.
constexpr size_t kRowBlock = 4 * kTileRows;

// packed[t][i][r] = x[(t * kTileRows + r) * ld + i] for the rows of one block (zero past `rows`):
// each tile's rows interleaved, so that the inner loop reads one contiguous kTileRows floats
// per step of the sum.
void PackRows(const float* x, size_t ld, size_t rows, size_t depth, float* packed) {
  for (size_t t0 = 0; t0 < rows; t0 += kTileRows) {
    const size_t r_end = std::min(kTileRows, rows - t0);
    for (size_t i = 0; i < depth; ++i) {
      size_t r = 0;
      for (; r < r_end; ++r) packed[r] = x[(t0 + r) * ld + i];
      for (; r < kTileRows; ++r) packed[r] = 0.0f;
      packed += kTileRows;
    }
  }
}

// y[r][0:cols] (+)= sum_i a[i][r] * b[i][0:kPanel] for r < rows: the register tile. `accumulate`
// adds to what an earlier pass stored.
void Tile(const float* a, const float* b, size_t depth, float* y, size_t ldy, bool accumulate, size_t rows,
          size_t cols) {
  V acc[kTileRows][kPanelVectors] = {};
  for (size_t i = 0; i < depth; ++i) {
    V w[kPanelVectors];
    for (size_t v = 0; v < kPanelVectors; ++v) w[v] = Load(b + v * kLanes);
    for (size_t r = 0; r < kTileRows; ++r)
      for (size_t v = 0; v < kPanelVectors; ++v) acc[r][v] += a[r] * w[v];
    a += kTileRows;
    b += kPanel;
  }
  for (size_t r = 0; r < rows; ++r) {
    float* out = y + r * ldy;
    if (cols == kPanel) {
      for (size_t v = 0; v < kPanelVectors; ++v) {
        V sum = acc[r][v];
        if (accumulate) sum += Load(out + v * kLanes);
        Store(out + v * kLanes, sum);
      }
    } else {
      float spill[kPanel];
      for (size_t v = 0; v < kPanelVectors; ++v) Store(spill + v * kLanes, acc[r][v]);
      for (size_t c = 0; c < cols; ++c) out[c] = accumulate ? out[c] + spill[c] : spill[c];
    }
  }
}

// 0.5 x (1 + erf(x / sqrt 2)) through erfc(|x| / sqrt 2) (Numerical Recipes' Chebyshev fit
// erfcc, fractional error < 1.2e-7): 0.5 x erfc(z) for x < 0, x - 0.5 x erfc(z) otherwise, so
// that the tail of large negative x keeps its relative precision instead of cancelling.
inline V Gelu(V x) {
  const V z = (x < 0.0f ? -x : x) * 0.70710678118654752f;
  const V t = 1.0f / (1.0f + 0.5f * z);
  V p = Splat(0.17087277f);
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  const V half_x_erfc = 0.5f * x * (t * vec::Exp(p - z * z));
  return x < 0.0f ? half_x_erfc : x - half_x_erfc;
}

inline V Finish(V sum, const float* bias, Activation activation, const float* residual) {
  if (bias) sum += Load(bias);
  if (activation == Activation::kGelu) sum = Gelu(sum);
  if (residual) sum += Load(residual);
  return sum;
}

// The epilogue over y[rows][col_begin : col_begin + cols], while the block is still in cache.
void Epilogue(float* y, size_t ldy, size_t rows, size_t col_begin, size_t cols, const DenseEpilogue& e,
              const float* residual) {
  if (!e.bias && e.activation == Activation::kNone && !residual) return;
  const float* bias = e.bias ? e.bias + col_begin : nullptr;
  for (size_t r = 0; r < rows; ++r) {
    float* out = y + r * ldy + col_begin;
    const float* res = residual ? residual + r * ldy + col_begin : nullptr;
    size_t c = 0;
    for (; c + kLanes <= cols; c += kLanes)
      Store(out + c, Finish(Load(out + c), bias ? bias + c : nullptr, e.activation, res ? res + c : nullptr));
    if (c < cols) {
      // The last few columns go through the same vector code, padded with zeros.
      float sum[kLanes] = {}, b[kLanes] = {}, rv[kLanes] = {};
      const size_t tail = cols - c;
      std::memcpy(sum, out + c, tail * sizeof(float));
      if (bias) std::memcpy(b, bias + c, tail * sizeof(float));
      if (res) std::memcpy(rv, res + c, tail * sizeof(float));
      Store(sum, Finish(Load(sum), bias ? b : nullptr, e.activation, res ? rv : nullptr));
      std::memcpy(out + c, sum, tail * sizeof(float));
    }
  }
}

}  // namespace

size_t DensePanelWidth() { return kPanel; }

size_t DenseRowBlock() { return kRowBlock; }

PackedWeights PackWeights(const float* w, size_t k, size_t n) {
  PackedWeights packed;
  packed.k = k;
  packed.n = n;
  const size_t panels = (n + kPanel - 1) / kPanel;
  packed.panels.assign(panels * k * kPanel, 0.0f);
  for (size_t p = 0; p < panels; ++p) {
    const size_t c0 = p * kPanel, cols = std::min(kPanel, n - c0);
    float* panel = packed.panels.data() + p * k * kPanel;
    for (size_t i = 0; i < k; ++i) std::memcpy(panel + i * kPanel, w + i * n + c0, cols * sizeof(float));
  }
  return packed;
}

void DenseRows(const float* x, const PackedWeights& w, const DenseEpilogue& epilogue, size_t row_begin,
               size_t row_end, size_t col_begin, size_t col_end, float* y, DenseScratch& scratch) {
  const size_t k = w.k, n = w.n;
  col_end = std::min(col_end, n);
  if (row_begin >= row_end || col_begin >= col_end) return;
  if (k == 0) {
    // An empty sum: the epilogue of zeros.
    for (size_t r = row_begin; r < row_end; ++r) std::fill(y + r * n + col_begin, y + r * n + col_end, 0.0f);
    Epilogue(y + row_begin * n, n, row_end - row_begin, col_begin, col_end - col_begin, epilogue,
             epilogue.residual ? epilogue.residual + row_begin * n : nullptr);
    return;
  }
  scratch.packed_rows.resize(((kRowBlock + kTileRows - 1) / kTileRows) * kTileRows * std::min(k, kDepth));
  float* packed = scratch.packed_rows.data();
  for (size_t r0 = row_begin; r0 < row_end; r0 += kRowBlock) {
    const size_t rows = std::min(kRowBlock, row_end - r0);
    float* y_block = y + r0 * n;
    const float* residual = epilogue.residual ? epilogue.residual + r0 * n : nullptr;
    for (size_t i0 = 0; i0 < k; i0 += kDepth) {
      const size_t depth = std::min(kDepth, k - i0);
      const bool last = i0 + depth == k;
      PackRows(x + r0 * k + i0, k, rows, depth, packed);
      for (size_t c0 = col_begin; c0 < col_end; c0 += kPanel) {
        const size_t cols = std::min(kPanel, col_end - c0);
        const float* panel = w.panels.data() + (c0 / kPanel) * k * kPanel + i0 * kPanel;
        for (size_t t0 = 0; t0 < rows; t0 += kTileRows)
          Tile(packed + t0 * depth, panel, depth, y_block + t0 * n + c0, n, i0 > 0, std::min(kTileRows, rows - t0),
               cols);
        if (last) Epilogue(y_block, n, rows, c0, cols, epilogue, residual);
      }
    }
  }
}

void GeluInPlace(float* x, size_t n) {
  const DenseEpilogue gelu{nullptr, Activation::kGelu, nullptr};
  Epilogue(x, n, 1, 0, n, gelu, nullptr);
}

}  // namespace tp::kernels
