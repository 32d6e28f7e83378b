#include "attention/attention_op.h"

#include <atomic>
#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include "custom_ops/op_util.h"
#include "kernels/attention.h"

namespace tp::ort {

namespace {

struct AttentionKernel {
  const OrtApi* api;
  int64_t num_heads;
  float scale;
};

OrtStatus* Fail(const OrtApi* api, const std::string& message) { return OpError(api, kAttentionOp, message); }

struct ParallelWork {
  const float* q;
  const float* k;
  const float* v;
  const float* bias;
  const int64_t* mask;
  kernels::AttentionShape shape;
  float scale;
  float* out;
  size_t heads_per_task;
  std::atomic<bool> out_of_memory{false};
};

void RunHead(void* user, size_t index) {
  const auto& w = *static_cast<const ParallelWork*>(user);
  // ORT's pool threads run many heads; each keeps its scratch between calls.
  thread_local kernels::AttentionScratch scratch;
  try {
    const size_t tasks_per_row = w.shape.heads / w.heads_per_task;
    const size_t h_begin = (index % tasks_per_row) * w.heads_per_task;
    kernels::MaskedSelfAttention(w.q, w.k, w.v, w.bias, w.mask, w.shape, w.scale, index / tasks_per_row, h_begin,
                                 h_begin + w.heads_per_task, w.out, scratch);
  } catch (...) {
    // Only std::bad_alloc can get here (scratch growth); exceptions must not cross ORT's pool.
    const_cast<ParallelWork&>(w).out_of_memory = true;
  }
}

OrtStatus* Compute(void* op_kernel, OrtKernelContext* context) noexcept {
  const auto& kernel = *static_cast<AttentionKernel*>(op_kernel);
  const OrtApi* api = kernel.api;
  size_t count = 0;
  TP_RETURN_IF_ERROR(api->KernelContext_GetInputCount(context, &count));
  if (count != 5) return Fail(api, "expects 5 inputs (query, key, value, bias, attention_mask)");
  const OrtValue* inputs[5];
  std::vector<int64_t> dims[5];
  ONNXTensorElementDataType types[5];
  for (size_t i = 0; i < 5; ++i) {
    TP_RETURN_IF_ERROR(api->KernelContext_GetInput(context, i, &inputs[i]));
    if (inputs[i] == nullptr) return Fail(api, "input " + std::to_string(i) + " is missing");
    TP_RETURN_IF_ERROR(ShapeOf(api, inputs[i], dims[i], types[i]));
  }
  for (size_t i = 0; i < 4; ++i)
    if (types[i] != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) return Fail(api, "query, key, value and bias must be float32");
  if (types[4] != ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64) return Fail(api, "attention_mask must be int64");
  const std::vector<int64_t>& qd = dims[0];
  const std::vector<int64_t>& kd = dims[1];
  if (kd.size() != 3 || dims[2] != kd) return Fail(api, "key and value must have the same shape [batch, seq, hidden]");
  if (qd.size() != 3 || qd[0] != kd[0] || qd[2] != kd[2])
    return Fail(api, "query must have shape [batch, queries, hidden], with key's batch and hidden");
  const int64_t batch = kd[0], seq = kd[1], queries = qd[1], hidden = kd[2];
  if (hidden <= 0 || hidden % kernel.num_heads != 0)
    return Fail(api, "hidden size " + std::to_string(hidden) + " is not a multiple of num_heads " +
                         std::to_string(kernel.num_heads));
  if (dims[3].size() != 1 || dims[3][0] != 3 * hidden) return Fail(api, "bias must have shape [3 * hidden]");
  if (dims[4].size() != 2 || dims[4][0] != batch || dims[4][1] != seq)
    return Fail(api, "attention_mask must have shape [batch, seq]");

  OrtValue* output = nullptr;
  TP_RETURN_IF_ERROR(api->KernelContext_GetOutput(context, 0, qd.data(), qd.size(), &output));
  if (batch == 0 || seq == 0 || queries == 0) return nullptr;

  ParallelWork work;
  void* p = nullptr;
  TP_RETURN_IF_ERROR(api->GetTensorMutableData(const_cast<OrtValue*>(inputs[0]), &p));
  work.q = static_cast<const float*>(p);
  TP_RETURN_IF_ERROR(api->GetTensorMutableData(const_cast<OrtValue*>(inputs[1]), &p));
  work.k = static_cast<const float*>(p);
  TP_RETURN_IF_ERROR(api->GetTensorMutableData(const_cast<OrtValue*>(inputs[2]), &p));
  work.v = static_cast<const float*>(p);
  TP_RETURN_IF_ERROR(api->GetTensorMutableData(const_cast<OrtValue*>(inputs[3]), &p));
  work.bias = static_cast<const float*>(p);
  TP_RETURN_IF_ERROR(api->GetTensorMutableData(const_cast<OrtValue*>(inputs[4]), &p));
  work.mask = static_cast<const int64_t*>(p);
  TP_RETURN_IF_ERROR(api->GetTensorMutableData(output, &p));
  work.out = static_cast<float*>(p);
  work.shape = {static_cast<size_t>(batch), static_cast<size_t>(seq), static_cast<size_t>(queries),
                static_cast<size_t>(hidden), static_cast<size_t>(kernel.num_heads)};
  work.scale = kernel.scale;
  // One task per batch row (all its heads: each token row is then read front to back once), or
  // per head when a single row would leave the pool's other threads idle.
  work.heads_per_task = work.shape.batch >= 2 ? work.shape.heads : 1;
  const size_t tasks = work.shape.batch * (work.shape.heads / work.heads_per_task);
  TP_RETURN_IF_ERROR(api->KernelContext_ParallelFor(context, RunHead, tasks, 0, &work));
  return work.out_of_memory ? api->CreateStatus(ORT_FAIL, "MaskedSelfAttention: out of memory") : nullptr;
}

OrtStatus* CreateKernel(const OrtCustomOp*, const OrtApi* api, const OrtKernelInfo* info, void** out) noexcept {
  int64_t heads = 0;
  float scale = 0.0f;
  TP_RETURN_IF_ERROR(api->KernelInfoGetAttribute_int64(info, "num_heads", &heads));
  TP_RETURN_IF_ERROR(api->KernelInfoGetAttribute_float(info, "scale", &scale));
  if (heads <= 0 || heads > 4096) return Fail(api, "num_heads must be a positive integer");
  if (!std::isfinite(scale) || scale <= 0.0f) return Fail(api, "scale must be a positive finite number");
  *out = new (std::nothrow) AttentionKernel{api, heads, scale};
  return *out ? nullptr : api->CreateStatus(ORT_FAIL, "out of memory");
}

OrtCustomOp MakeOp() {
  OrtCustomOp op = CpuCustomOpBase();
  op.GetName = [](const OrtCustomOp*) { return kAttentionOp; };
  op.GetInputTypeCount = [](const OrtCustomOp*) -> size_t { return 5; };
  op.GetInputType = [](const OrtCustomOp*, size_t i) {
    return i == 4 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  };
  op.GetOutputTypeCount = [](const OrtCustomOp*) -> size_t { return 1; };
  op.GetOutputType = [](const OrtCustomOp*, size_t) { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; };
  op.GetInputCharacteristic = [](const OrtCustomOp*, size_t) { return INPUT_OUTPUT_REQUIRED; };
  op.GetOutputCharacteristic = [](const OrtCustomOp*, size_t) { return INPUT_OUTPUT_REQUIRED; };
  op.CreateKernelV2 = CreateKernel;
  op.KernelComputeV2 = Compute;
  op.KernelDestroy = [](void* k) { delete static_cast<AttentionKernel*>(k); };
  return op;
}

}  // namespace

const OrtCustomOp& AttentionOp() {
  static const OrtCustomOp op = MakeOp();
  return op;
}

}  // namespace tp::ort
