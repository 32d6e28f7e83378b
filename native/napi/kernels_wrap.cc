// The kernels exposed directly, for the per-variant microbenchmarks and for tests that check
// them against plain JavaScript. Each takes an optional trailing `repeat` count (default 1) so a
// benchmark can time the kernel itself rather than the call from JavaScript.
#include <cmath>

#include "kernels/attention.h"
#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "napi/addon_data.h"
#include "napi/args.h"

namespace tp::napi {

namespace {

Napi::Float32Array F32(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return RequireTypedArray<Napi::Float32Array>(info.Env(), info.Length() > i ? info[i] : info.Env().Undefined(),
                                               napi_float32_array, what, "Float32Array");
}

size_t Repeat(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return 1;
  return RequireSize(info.Env(), info[i], "repeat", 1, 1e9);
}

// meanPool(hidden: Float32Array, mask: BigInt64Array, batch, seq, dim, out: Float32Array, repeat?)
Napi::Value MeanPool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array hidden = F32(info, 0, "hidden");
  Napi::BigInt64Array mask = RequireTypedArray<Napi::BigInt64Array>(
      env, info.Length() > 1 ? info[1] : env.Undefined(), napi_bigint64_array, "mask", "BigInt64Array");
  const size_t batch = RequireSize(env, info.Length() > 2 ? info[2] : env.Undefined(), "batch", 0, 1 << 24);
  const size_t seq = RequireSize(env, info.Length() > 3 ? info[3] : env.Undefined(), "seq", 0, 1 << 24);
  const size_t dim = RequireSize(env, info.Length() > 4 ? info[4] : env.Undefined(), "dim", 0, 1 << 24);
  Napi::Float32Array out = F32(info, 5, "out");
  if (hidden.ElementLength() != batch * seq * dim) ThrowType(env, "hidden must hold batch * seq * dim floats");
  if (mask.ElementLength() != batch * seq) ThrowType(env, "mask must hold batch * seq values");
  if (out.ElementLength() != batch * dim) ThrowType(env, "out must hold batch * dim floats");
  for (size_t r = Repeat(info, 6); r > 0; --r)
    kernels::MaskedMeanPool(hidden.Data(), mask.Data(), batch, seq, dim, out.Data());
  return env.Undefined();
}

// l2Normalize(rows: Float32Array, dim, repeat?): in place
Napi::Value L2Normalize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array rows = F32(info, 0, "rows");
  const size_t dim = RequireSize(env, info.Length() > 1 ? info[1] : env.Undefined(), "dim", 1, 1 << 24);
  if (rows.ElementLength() % dim != 0) ThrowType(env, "rows must hold a whole number of rows of dim floats");
  for (size_t r = Repeat(info, 2); r > 0; --r)
    kernels::L2NormalizeRows(rows.Data(), rows.ElementLength() / dim, dim);
  return env.Undefined();
}

// dot(a: Float32Array, b: Float32Array, repeat?) -> number
Napi::Value Dot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array a = F32(info, 0, "a");
  Napi::Float32Array b = F32(info, 1, "b");
  if (a.ElementLength() != b.ElementLength()) ThrowType(env, "a and b must have the same length");
  float result = 0;
  for (size_t r = Repeat(info, 2); r > 0; --r) result = kernels::Dot(a.Data(), b.Data(), a.ElementLength());
  return Napi::Number::New(env, result);
}

// dotRows(query: Float32Array, matrix: Float32Array, out: Float32Array, repeat?)
Napi::Value DotRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array query = F32(info, 0, "query");
  Napi::Float32Array matrix = F32(info, 1, "matrix");
  Napi::Float32Array out = F32(info, 2, "out");
  const size_t dim = query.ElementLength();
  if (dim == 0 || matrix.ElementLength() != out.ElementLength() * dim)
    ThrowType(env, "matrix must hold out.length rows of query.length floats");
  for (size_t r = Repeat(info, 3); r > 0; --r)
    kernels::DotRows(query.Data(), matrix.Data(), out.ElementLength(), dim, out.Data());
  return env.Undefined();
}

// softmax(x: Float32Array, out: Float32Array, repeat?)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array x = F32(info, 0, "x");
  Napi::Float32Array out = F32(info, 1, "out");
  if (x.ElementLength() != out.ElementLength()) ThrowType(env, "x and out must have the same length");
  for (size_t r = Repeat(info, 2); r > 0; --r) kernels::Softmax(x.Data(), x.ElementLength(), out.Data());
  return env.Undefined();
}

// logSoftmax(x: Float32Array, out: Float32Array, repeat?)
Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array x = F32(info, 0, "x");
  Napi::Float32Array out = F32(info, 1, "out");
  if (x.ElementLength() != out.ElementLength()) ThrowType(env, "x and out must have the same length");
  for (size_t r = Repeat(info, 2); r > 0; --r) kernels::LogSoftmax(x.Data(), x.ElementLength(), out.Data());
  return env.Undefined();
}

// topK(x: Float32Array, k: number, repeat?) -> { scores: Float32Array, indices: Int32Array }
Napi::Value TopK(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array x = F32(info, 0, "x");
  const size_t k = RequireSize(env, info.Length() > 1 ? info[1] : env.Undefined(), "k", 0, 1 << 20);
  std::vector<kernels::ScoredIndex> top;
  for (size_t r = Repeat(info, 2); r > 0; --r) kernels::TopK(x.Data(), x.ElementLength(), k, top);
  Napi::Float32Array scores = Napi::Float32Array::New(env, top.size());
  Napi::Int32Array indices = Napi::Int32Array::New(env, top.size());
  for (size_t i = 0; i < top.size(); ++i) {
    scores[i] = top[i].score;
    indices[i] = top[i].index;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("scores", scores);
  out.Set("indices", indices);
  return out;
}

// dense(x: Float32Array [m*k], w: Float32Array [k*n], bias: Float32Array [n] | null,
//       residual: Float32Array [m*n] | null, activation: 'none' | 'gelu', m, k, n, out: Float32Array [m*n], repeat?)
// The fused dense op's math on one thread: the weights packed once, then every row.
Napi::Value Dense(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array x = F32(info, 0, "x");
  Napi::Float32Array w = F32(info, 1, "w");
  const bool has_bias = info.Length() > 2 && !info[2].IsNull() && !info[2].IsUndefined();
  const bool has_residual = info.Length() > 3 && !info[3].IsNull() && !info[3].IsUndefined();
  Napi::Float32Array bias = has_bias ? F32(info, 2, "bias") : Napi::Float32Array();
  Napi::Float32Array residual = has_residual ? F32(info, 3, "residual") : Napi::Float32Array();
  const std::string activation = info.Length() > 4 && info[4].IsString() ? info[4].As<Napi::String>().Utf8Value() : "";
  if (activation != "none" && activation != "gelu") ThrowType(env, "activation must be 'none' or 'gelu'");
  const size_t m = RequireSize(env, info.Length() > 5 ? info[5] : env.Undefined(), "m", 0, 1 << 24);
  const size_t k = RequireSize(env, info.Length() > 6 ? info[6] : env.Undefined(), "k", 0, 1 << 20);
  const size_t n = RequireSize(env, info.Length() > 7 ? info[7] : env.Undefined(), "n", 0, 1 << 20);
  Napi::Float32Array out = F32(info, 8, "out");
  if (x.ElementLength() != m * k) ThrowType(env, "x must hold m * k floats");
  if (w.ElementLength() != k * n) ThrowType(env, "w must hold k * n floats");
  if (has_bias && bias.ElementLength() != n) ThrowType(env, "bias must hold n floats");
  if (has_residual && residual.ElementLength() != m * n) ThrowType(env, "residual must hold m * n floats");
  if (out.ElementLength() != m * n) ThrowType(env, "out must hold m * n floats");
  const kernels::PackedWeights packed = kernels::PackWeights(w.Data(), k, n);
  const kernels::DenseEpilogue epilogue{has_bias ? bias.Data() : nullptr,
                                        activation == "gelu" ? kernels::Activation::kGelu : kernels::Activation::kNone,
                                        has_residual ? residual.Data() : nullptr};
  kernels::DenseScratch scratch;
  for (size_t r = Repeat(info, 9); r > 0; --r)
    kernels::DenseRows(x.Data(), packed, epilogue, 0, m, 0, n, out.Data(), scratch);
  return env.Undefined();
}

}  // namespace

// attention(q: Float32Array [batch*queries*hidden], k, v: Float32Array [batch*seq*hidden],
//           bias: Float32Array [3*hidden], mask: BigInt64Array [batch*seq], batch, seq, heads,
//           scale, out: Float32Array [batch*queries*hidden], repeat?)
// The fused attention op's math on one thread: every batch row, all heads.
Napi::Value Attention(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array q = F32(info, 0, "q");
  Napi::Float32Array k = F32(info, 1, "k");
  Napi::Float32Array v = F32(info, 2, "v");
  Napi::Float32Array bias = F32(info, 3, "bias");
  Napi::BigInt64Array mask = RequireTypedArray<Napi::BigInt64Array>(
      env, info.Length() > 4 ? info[4] : env.Undefined(), napi_bigint64_array, "mask", "BigInt64Array");
  kernels::AttentionShape shape;
  shape.batch = RequireSize(env, info.Length() > 5 ? info[5] : env.Undefined(), "batch", 0, 1 << 20);
  shape.seq = RequireSize(env, info.Length() > 6 ? info[6] : env.Undefined(), "seq", 0, 1 << 16);
  shape.heads = RequireSize(env, info.Length() > 7 ? info[7] : env.Undefined(), "heads", 1, 4096);
  const double scale = info.Length() > 8 && info[8].IsNumber() ? info[8].As<Napi::Number>().DoubleValue() : 0.0;
  if (!(scale > 0.0) || !std::isfinite(scale)) ThrowType(env, "scale must be a positive finite number");
  Napi::Float32Array out = F32(info, 9, "out");
  const size_t tokens = shape.batch * shape.seq;
  if (tokens == 0 || k.ElementLength() % tokens != 0) ThrowType(env, "k must hold batch * seq rows");
  shape.hidden = k.ElementLength() / tokens;
  if (shape.hidden == 0 || shape.hidden % shape.heads != 0) ThrowType(env, "the row width must be a multiple of heads");
  if (v.ElementLength() != k.ElementLength()) ThrowType(env, "k and v must have the same length");
  // q may hold fewer rows per batch row than k: the last layer after last-layer pruning.
  const size_t q_rows = shape.batch * shape.hidden;
  if (q.ElementLength() == 0 || q.ElementLength() % q_rows != 0)
    ThrowType(env, "q must hold batch * queries rows of k's width");
  shape.queries = q.ElementLength() / q_rows;
  if (out.ElementLength() != q.ElementLength()) ThrowType(env, "out must have q's length");
  if (bias.ElementLength() != 3 * shape.hidden) ThrowType(env, "bias must hold 3 * hidden floats");
  if (mask.ElementLength() != tokens) ThrowType(env, "mask must hold batch * seq values");
  kernels::AttentionScratch scratch;
  for (size_t r = Repeat(info, 10); r > 0; --r)
    for (size_t b = 0; b < shape.batch; ++b)
      kernels::MaskedSelfAttention(q.Data(), k.Data(), v.Data(), bias.Data(), mask.Data(), shape,
                                   static_cast<float>(scale), b, 0, shape.heads, out.Data(), scratch);
  return env.Undefined();
}

void InitKernels(Napi::Env env, Napi::Object exports) {
  Napi::Object k = Napi::Object::New(env);
  k.Set("simd", kernels::SimdLevel());
  k.Set("meanPool", Napi::Function::New(env, MeanPool, "meanPool"));
  k.Set("l2Normalize", Napi::Function::New(env, L2Normalize, "l2Normalize"));
  k.Set("dot", Napi::Function::New(env, Dot, "dot"));
  k.Set("dotRows", Napi::Function::New(env, DotRows, "dotRows"));
  k.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  k.Set("logSoftmax", Napi::Function::New(env, LogSoftmax, "logSoftmax"));
  k.Set("topK", Napi::Function::New(env, TopK, "topK"));
  k.Set("attention", Napi::Function::New(env, Attention, "attention"));
  k.Set("dense", Napi::Function::New(env, Dense, "dense"));
  exports.Set("kernels", k);
}

}  // namespace tp::napi
