#include "kernels/gemm.h"

#include <algorithm>
#include <cstdint>
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
// Depth of one pass: a tile's slice of X (kTileRows x kDepth floats, 21 KiB with AVX-512) stays in
// L1 while the panels of a column chunk pass under it; deeper layers (the feed-forward output's
// k = 1536 or 3072) are summed over several passes.
constexpr size_t kDepth = 384;
// Columns per chunk: the part of packed W one pass reads (kDepth x kChunk floats, 384 KiB)
// stays in L2 while every row tile of the call passes over it.
constexpr size_t kChunk = 256 / kPanel * kPanel;

// y[r][0:cols] (+)= sum_i x[r][i] * b[i][0:kPanel] for r < kTileRows: the register tile. x is read
// in place (row stride ldx), so X is never repacked: each step broadcasts one float of each of
// the tile's rows against one row of the packed panel. `accumulate` adds to what an earlier pass
// stored; only the first `rows` rows and `cols` columns are stored.
void Tile(const float* x, size_t ldx, const float* b, size_t depth, float* y, size_t ldy, bool accumulate, size_t rows,
          size_t cols) {
  V acc[kTileRows][kPanelVectors] = {};
  for (size_t i = 0; i < depth; ++i) {
    V w[kPanelVectors];
    for (size_t v = 0; v < kPanelVectors; ++v) w[v] = Load(b + v * kLanes);
    for (size_t r = 0; r < kTileRows; ++r)
      for (size_t v = 0; v < kPanelVectors; ++v) acc[r][v] += x[r * ldx + i] * w[v];
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
// kUnroll vectors at a time, each step interleaved across them: one vector's chain (a division,
// a degree-9 polynomial, exp) is ~100 cycles of latency, so one at a time leaves the FMA units
// mostly idle.
constexpr size_t kUnroll = 4;

inline void Gelu(V (&x)[kUnroll]) {
  V z[kUnroll], t[kUnroll], p[kUnroll];
  for (size_t u = 0; u < kUnroll; ++u) {
    z[u] = (x[u] < 0.0f ? -x[u] : x[u]) * 0.70710678118654752f;
    t[u] = 1.0f / (1.0f + 0.5f * z[u]);
    p[u] = Splat(0.17087277f);
  }
  for (const float c : {-0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f, 0.09678418f, 0.37409196f,
                        1.00002368f, -1.26551223f})
    for (size_t u = 0; u < kUnroll; ++u) p[u] = p[u] * t[u] + c;
  for (size_t u = 0; u < kUnroll; ++u) {
    const V half_x_erfc = 0.5f * x[u] * (t[u] * vec::Exp(p[u] - z[u] * z[u]));
    x[u] = x[u] < 0.0f ? half_x_erfc : x[u] - half_x_erfc;
  }
}

// act(v + bias) + residual over one row segment of n floats, in place.
void FinishRow(float* v, size_t n, const float* bias, Activation activation, const float* residual) {
  if (bias)
    for (size_t c = 0; c < n; ++c) v[c] += bias[c];
  if (activation == Activation::kGelu) {
    constexpr size_t kBlock = kUnroll * kLanes;
    for (size_t c = 0; c < n; c += kBlock) {
      // The last block goes through the same code, padded with zeros.
      const size_t count = std::min(kBlock, n - c);
      float padded[kBlock] = {};
      float* at = count == kBlock ? v + c : padded;
      if (count < kBlock) std::memcpy(padded, v + c, count * sizeof(float));
      V x[kUnroll];
      for (size_t u = 0; u < kUnroll; ++u) x[u] = Load(at + u * kLanes);
      Gelu(x);
      for (size_t u = 0; u < kUnroll; ++u) Store(at + u * kLanes, x[u]);
      if (count < kBlock) std::memcpy(v + c, padded, count * sizeof(float));
    }
  }
  if (residual)
    for (size_t c = 0; c < n; ++c) v[c] += residual[c];
}

// The epilogue over y[rows][col_begin : col_begin + cols], while the block is still in cache.
void Epilogue(float* y, size_t ldy, size_t rows, size_t col_begin, size_t cols, const DenseEpilogue& e,
              const float* residual) {
  if (!e.bias && e.activation == Activation::kNone && !residual) return;
  for (size_t r = 0; r < rows; ++r)
    FinishRow(y + r * ldy + col_begin, cols, e.bias ? e.bias + col_begin : nullptr, e.activation,
              residual ? residual + r * ldy + col_begin : nullptr);
}

}  // namespace

size_t DensePanelWidth() { return kPanel; }

size_t DenseTileRows() { return kTileRows; }

PackedWeights PackWeights(const float* w, size_t k, size_t n) {
  PackedWeights packed;
  packed.k = k;
  packed.n = n;
  const size_t panels = (n + kPanel - 1) / kPanel;
  constexpr size_t kAlignFloats = 64 / sizeof(float);
  packed.storage.assign(panels * k * kPanel + kAlignFloats, 0.0f);
  float* base = packed.storage.data();
  base += (kAlignFloats - (reinterpret_cast<uintptr_t>(base) / sizeof(float)) % kAlignFloats) % kAlignFloats;
  packed.panels = base;
  for (size_t p = 0; p < panels; ++p) {
    const size_t c0 = p * kPanel, cols = std::min(kPanel, n - c0);
    float* panel = base + p * k * kPanel;
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
  for (size_t i0 = 0; i0 < k; i0 += kDepth) {
    const size_t depth = std::min(kDepth, k - i0);
    const bool last = i0 + depth == k;
    for (size_t chunk = col_begin; chunk < col_end; chunk += kChunk) {
      const size_t chunk_end = std::min(col_end, chunk + kChunk);
      for (size_t t0 = row_begin; t0 < row_end; t0 += kTileRows) {
        const size_t rows = std::min(kTileRows, row_end - t0);
        const float* tile_x = x + t0 * k + i0;
        size_t ldx = k;
        if (rows < kTileRows) {
          // The last, partial tile: its rows copied and zero-padded, not read past the end of X.
          scratch.partial_tile.assign(kTileRows * depth, 0.0f);
          for (size_t r = 0; r < rows; ++r)
            std::memcpy(scratch.partial_tile.data() + r * depth, tile_x + r * k, depth * sizeof(float));
          tile_x = scratch.partial_tile.data();
          ldx = depth;
        }
        for (size_t c0 = chunk; c0 < chunk_end; c0 += kPanel) {
          const float* panel = w.panels + (c0 / kPanel) * k * kPanel + i0 * kPanel;
          Tile(tile_x, ldx, panel, depth, y + t0 * n + c0, n, i0 > 0, rows, std::min(kPanel, chunk_end - c0));
        }
        if (last)
          Epilogue(y + t0 * n, n, rows, chunk, chunk_end - chunk, epilogue,
                   epilogue.residual ? epilogue.residual + t0 * n : nullptr);
      }
    }
  }
}

void GeluInPlace(float* x, size_t n) {
  const DenseEpilogue gelu{nullptr, Activation::kGelu, nullptr};
  Epilogue(x, n, 1, 0, n, gelu, nullptr);
}

}  // namespace tp::kernels
