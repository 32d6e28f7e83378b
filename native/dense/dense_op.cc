#include "dense/dense_op.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "custom_ops/op_util.h"
#include "kernels/gemm.h"
#include "ort.h"

namespace tp::ort {

namespace {

struct DenseKernel {
  const OrtApi* api;
  kernels::PackedWeights weights;
  kernels::Activation activation;
};

OrtStatus* Fail(const OrtApi* api, const std::string& message) { return OpError(api, kDenseOp, message); }

std::string DimsText(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

// Expands `residual` (dims `from`, numpy broadcasting) to the output's full shape `to`; false when
// it does not broadcast to exactly that shape.
bool BroadcastTo(const float* residual, const std::vector<int64_t>& from, const std::vector<int64_t>& to,
                 std::vector<float>& out) {
  if (from.size() > to.size()) return false;
  const size_t rank = to.size(), offset = rank - from.size();
  std::vector<size_t> in_strides(rank, 0);
  size_t stride = 1;
  for (size_t i = rank; i-- > offset;) {
    const int64_t f = from[i - offset];
    if (f != to[i] && f != 1) return false;
    in_strides[i] = f == 1 ? 0 : stride;
    stride *= static_cast<size_t>(f);
  }
  size_t total = 1;
  for (int64_t d : to) total *= static_cast<size_t>(d);
  out.resize(total);
  std::vector<size_t> index(rank, 0);
  for (size_t flat = 0; flat < total; ++flat) {
    size_t src = 0;
    for (size_t i = 0; i < rank; ++i) src += index[i] * in_strides[i];
    out[flat] = residual[src];
    for (size_t i = rank; i-- > 0;) {
      if (++index[i] < static_cast<size_t>(to[i])) break;
      index[i] = 0;
    }
  }
  return true;
}

struct ParallelWork {
  const float* x;
  const kernels::PackedWeights* weights;
  kernels::DenseEpilogue epilogue;
  size_t rows;
  size_t columns;
  bool split_rows;
  size_t unit;            // rows (a register tile) or columns (a packed panel) per unit
  size_t units_per_task;  // units of one task: a contiguous range
  float* y;
  std::atomic<bool> out_of_memory{false};
};

void RunTask(void* user, size_t index) {
  auto& w = *static_cast<ParallelWork*>(user);
  // ORT's pool threads run many tasks; each keeps its partial-tile buffer between calls.
  thread_local kernels::DenseScratch scratch;
  const size_t begin = index * w.units_per_task * w.unit, end = begin + w.units_per_task * w.unit;
  try {
    if (w.split_rows)
      kernels::DenseRows(w.x, *w.weights, w.epilogue, begin, std::min(w.rows, end), 0, w.columns, w.y, scratch);
    else
      kernels::DenseRows(w.x, *w.weights, w.epilogue, 0, w.rows, begin, std::min(w.columns, end), w.y, scratch);
  } catch (...) {
    // Only std::bad_alloc can get here (scratch growth); exceptions must not cross ORT's pool.
    w.out_of_memory = true;
  }
}

OrtStatus* Compute(void* op_kernel, OrtKernelContext* context) noexcept {
  const auto& kernel = *static_cast<DenseKernel*>(op_kernel);
  const OrtApi* api = kernel.api;
  const size_t K = kernel.weights.k, N = kernel.weights.n;
  size_t count = 0;
  TP_RETURN_IF_ERROR(api->KernelContext_GetInputCount(context, &count));
  const OrtValue* x_value = nullptr;
  TP_RETURN_IF_ERROR(api->KernelContext_GetInput(context, 0, &x_value));
  if (x_value == nullptr) return Fail(api, "input X is missing");
  std::vector<int64_t> x_dims;
  ONNXTensorElementDataType type;
  TP_RETURN_IF_ERROR(ShapeOf(api, x_value, x_dims, type));
  if (type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) return Fail(api, "X must be float32");
  if (x_dims.empty() || x_dims.back() != static_cast<int64_t>(K))
    return Fail(api, "X has shape " + DimsText(x_dims) + ", its last dimension must be " + std::to_string(K));
  std::vector<int64_t> y_dims(x_dims.begin(), x_dims.end() - 1);
  y_dims.push_back(static_cast<int64_t>(N));
  size_t rows = 1;
  for (size_t i = 0; i + 1 < x_dims.size(); ++i) rows *= static_cast<size_t>(x_dims[i]);

  ParallelWork work;
  work.weights = &kernel.weights;
  work.epilogue.activation = kernel.activation;
  work.rows = rows;
  work.columns = N;
  void* p = nullptr;
  TP_RETURN_IF_ERROR(api->GetTensorMutableData(const_cast<OrtValue*>(x_value), &p));
  work.x = static_cast<const float*>(p);

  const OrtValue* bias = nullptr;
  if (count > 2) TP_RETURN_IF_ERROR(api->KernelContext_GetInput(context, 2, &bias));
  if (bias) {
    std::vector<int64_t> dims;
    TP_RETURN_IF_ERROR(ShapeOf(api, bias, dims, type));
    if (type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT || dims.size() != 1 || dims[0] != static_cast<int64_t>(N))
      return Fail(api, "bias must be float32 of shape [" + std::to_string(N) + "], got " + DimsText(dims));
    TP_RETURN_IF_ERROR(api->GetTensorMutableData(const_cast<OrtValue*>(bias), &p));
    work.epilogue.bias = static_cast<const float*>(p);
  }

  const OrtValue* residual = nullptr;
  std::vector<float> broadcast;
  if (count > 3) TP_RETURN_IF_ERROR(api->KernelContext_GetInput(context, 3, &residual));
  if (residual) {
    std::vector<int64_t> dims;
    TP_RETURN_IF_ERROR(ShapeOf(api, residual, dims, type));
    if (type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) return Fail(api, "residual must be float32");
    TP_RETURN_IF_ERROR(api->GetTensorMutableData(const_cast<OrtValue*>(residual), &p));
    work.epilogue.residual = static_cast<const float*>(p);
    if (dims != y_dims) {
      // Exports add residuals of the output's own shape; anything else that Add would
      // broadcast is expanded here rather than refused.
      try {
        if (!BroadcastTo(work.epilogue.residual, dims, y_dims, broadcast))
          return Fail(api, "residual of shape " + DimsText(dims) + " does not broadcast to the output's " +
                               DimsText(y_dims));
      } catch (const std::bad_alloc&) {
        return api->CreateStatus(ORT_FAIL, "Dense: out of memory");
      }
      work.epilogue.residual = broadcast.data();
    }
  }

  OrtValue* output = nullptr;
  TP_RETURN_IF_ERROR(api->KernelContext_GetOutput(context, 0, y_dims.data(), y_dims.size(), &output));
  if (rows == 0 || N == 0) return nullptr;
  TP_RETURN_IF_ERROR(api->GetTensorMutableData(output, &p));
  work.y = static_cast<float*>(p);

  // One contiguous range per pool thread, like MLAS splits its GEMMs: each thread then reads each
  // chunk of W once for all its rows. Rows are split when there are enough of them, else columns
  // (a classifier head's single row per text).
  const size_t threads = std::max(1, Info().intra_threads);
  const size_t tile = kernels::DenseTileRows(), panel = kernels::DensePanelWidth();
  const size_t tiles = (rows + tile - 1) / tile, panels = (N + panel - 1) / panel;
  work.split_rows = tiles >= 2 * threads || tiles >= panels;
  const size_t units = work.split_rows ? tiles : panels;
  const size_t tasks = std::min(threads, units);
  work.units_per_task = (units + tasks - 1) / tasks;
  work.unit = work.split_rows ? tile : panel;
  TP_RETURN_IF_ERROR(api->KernelContext_ParallelFor(context, RunTask, (units + work.units_per_task - 1) / work.units_per_task, 0, &work));
  return work.out_of_memory ? api->CreateStatus(ORT_FAIL, "Dense: out of memory") : nullptr;
}

OrtStatus* ReadActivation(const OrtApi* api, const OrtKernelInfo* info, kernels::Activation& activation) {
  size_t size = 0;
  OrtStatus* status = api->KernelInfoGetAttribute_string(info, "activation", nullptr, &size);
  if (status) {
    // Absent: no activation.
    api->ReleaseStatus(status);
    activation = kernels::Activation::kNone;
    return nullptr;
  }
  std::string name(size, '\0');
  TP_RETURN_IF_ERROR(api->KernelInfoGetAttribute_string(info, "activation", name.data(), &size));
  name.resize(size > 0 ? size - 1 : 0);  // the size counts the terminating NUL
  if (name == "none") {
    activation = kernels::Activation::kNone;
  } else if (name == "gelu") {
    activation = kernels::Activation::kGelu;
  } else {
    return Fail(api, "activation must be \"none\" or \"gelu\", got \"" + name + "\"");
  }
  return nullptr;
}

OrtStatus* CreateKernel(const OrtCustomOp*, const OrtApi* api, const OrtKernelInfo* info, void** out) noexcept {
  kernels::Activation activation = kernels::Activation::kNone;
  TP_RETURN_IF_ERROR(ReadActivation(api, info, activation));
  int is_constant = 0;
  const OrtValue* w = nullptr;
  TP_RETURN_IF_ERROR(api->KernelInfoGetConstantInput_tensor(info, 1, &is_constant, &w));
  if (!is_constant || w == nullptr) return Fail(api, "W must be a constant initializer");
  std::vector<int64_t> dims;
  ONNXTensorElementDataType type;
  TP_RETURN_IF_ERROR(ShapeOf(api, w, dims, type));
  if (type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT || dims.size() != 2 || dims[0] < 0 || dims[1] < 0)
    return Fail(api, "W must be a float32 matrix [K, N], got " + DimsText(dims));
  void* data = nullptr;
  TP_RETURN_IF_ERROR(api->GetTensorMutableData(const_cast<OrtValue*>(w), &data));
  try {
    auto kernel = std::make_unique<DenseKernel>();
    kernel->api = api;
    kernel->activation = activation;
    kernel->weights = kernels::PackWeights(static_cast<const float*>(data), static_cast<size_t>(dims[0]),
                                           static_cast<size_t>(dims[1]));
    *out = kernel.release();
  } catch (const std::bad_alloc&) {
    return api->CreateStatus(ORT_FAIL, "Dense: out of memory packing the weights");
  }
  return nullptr;
}

OrtCustomOp MakeOp() {
  OrtCustomOp op = CpuCustomOpBase();
  op.GetName = [](const OrtCustomOp*) { return kDenseOp; };
  op.GetInputTypeCount = [](const OrtCustomOp*) -> size_t { return 4; };
  op.GetInputType = [](const OrtCustomOp*, size_t) { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; };
  op.GetInputCharacteristic = [](const OrtCustomOp*, size_t i) {
    return i < 2 ? INPUT_OUTPUT_REQUIRED : INPUT_OUTPUT_OPTIONAL;
  };
  op.GetOutputTypeCount = [](const OrtCustomOp*) -> size_t { return 1; };
  op.GetOutputType = [](const OrtCustomOp*, size_t) { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; };
  op.GetOutputCharacteristic = [](const OrtCustomOp*, size_t) { return INPUT_OUTPUT_REQUIRED; };
  op.CreateKernelV2 = CreateKernel;
  op.KernelComputeV2 = Compute;
  op.KernelDestroy = [](void* k) { delete static_cast<DenseKernel*>(k); };
  return op;
}

}  // namespace

const OrtCustomOp& DenseOp() {
  static const OrtCustomOp op = MakeOp();
  return op;
}

}  // namespace tp::ort
