// Helpers shared by the addon's ONNX Runtime custom ops (native/attention/, native/dense/): the
// C API reports failures as OrtStatus values, and an op's kernel must never let a C++
// exception cross into ORT's thread pool.
#pragma once

#include <onnxruntime_c_api.h>

#include <string>
#include <vector>

namespace tp::ort {

#define TP_RETURN_IF_ERROR(expr)           \
  do {                                     \
    if (OrtStatus* _s = (expr)) return _s; \
  } while (0)

// An ORT_INVALID_ARGUMENT status whose message names the op.
inline OrtStatus* OpError(const OrtApi* api, const char* op, const std::string& message) {
  return api->CreateStatus(ORT_INVALID_ARGUMENT, (std::string(op) + ": " + message).c_str());
}

// The element type and dimensions of a tensor value.
inline OrtStatus* ShapeOf(const OrtApi* api, const OrtValue* value, std::vector<int64_t>& dims,
                          ONNXTensorElementDataType& type) {
  OrtTensorTypeAndShapeInfo* info = nullptr;
  TP_RETURN_IF_ERROR(api->GetTensorTypeAndShape(value, &info));
  size_t rank = 0;
  OrtStatus* status = api->GetTensorElementType(info, &type);
  if (!status) status = api->GetDimensionsCount(info, &rank);
  if (!status) {
    dims.resize(rank);
    if (rank > 0) status = api->GetDimensions(info, dims.data(), rank);
  }
  api->ReleaseTensorTypeAndShapeInfo(info);
  return status;
}

// The parts of an OrtCustomOp that every op of the addon fills in the same way: CPU, the
// default memory type, no variadic inputs, no in-place or alias hints, every opset version.
OrtCustomOp CpuCustomOpBase();

}  // namespace tp::ort
