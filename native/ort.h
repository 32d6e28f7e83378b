// ONNX Runtime through its C API, loaded at run time with dlopen from a path that TypeScript
// resolves (onnxruntime-node's bundled library, or ORT_LIBRARY_PATH). Nothing here links
// against ONNX Runtime, so one addon binary works with any runtime >= the headers' API version.
#pragma once

#include <onnxruntime_c_api.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tp::ort {

struct RuntimeInfo {
  std::string library_path;
  std::string version;        // the runtime's own version string, e.g. "1.30.0"
  uint32_t api_version = 0;   // the C API version this addon requested (ORT_API_VERSION)
  int intra_threads = 0;      // size of the process-wide intra-op pool
  // True when sessions share this process's global thread pool. False only when another
  // library (e.g. onnxruntime-node) created the ORT environment first without global pools;
  // sessions then get per-session pools of intra_threads threads.
  bool global_thread_pool = false;
};

// Loads the library and creates the process-wide OrtEnv with a global intra-op thread pool.
// Idempotent for the same arguments; a different library path or thread count afterwards is
// an error (tp::Error CONFIG_INVALID), because there is only one environment per process.
// Throws tp::Error NATIVE_LOAD_FAILED when the library cannot be loaded or is too old.
RuntimeInfo Initialize(const std::string& library_path, int intra_threads);
bool IsInitialized();
RuntimeInfo Info();  // requires IsInitialized()
const OrtApi& Api();  // requires IsInitialized()

// Throws tp::Error(code, context + ": " + ORT message) if status is an error; frees it.
void Check(OrtStatus* status, const char* code, const std::string& context);

// Owning handle of an OrtValue.
class Value {
 public:
  Value() = default;
  explicit Value(OrtValue* v) : v_(v) {}
  Value(Value&& o) noexcept : v_(o.v_) { o.v_ = nullptr; }
  Value& operator=(Value&& o) noexcept;
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  ~Value();
  OrtValue* get() const { return v_; }
  std::vector<int64_t> Shape() const;
  template <class T>
  T* Data() const {
    void* p = nullptr;
    Check(Api().GetTensorMutableData(v_, &p), "INFERENCE_FAILED", "reading an output tensor");
    return static_cast<T*>(p);
  }

 private:
  OrtValue* v_ = nullptr;
};

// A tensor that borrows `data` (which must outlive it): no copy.
Value TensorView(void* data, size_t bytes, const std::vector<int64_t>& shape,
                 ONNXTensorElementDataType type);

struct TensorSpec {
  std::string name;
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  std::vector<int64_t> dims;  // -1 for symbolic dimensions
};

// One inference session. Run() is safe to call from several threads at once (ORT guarantees
// it for sessions), so one Session serves every AsyncWorker of a model.
class Session {
 public:
  // Throws tp::Error MODEL_INVALID naming the file and ORT's reason. With `model_bytes`, the
  // session is built from those bytes (a rewritten graph of model_path, see
  // src/models/attention-fusion) and model_path only names it in errors; ORT copies what it
  // keeps, so the bytes can be freed afterwards.
  static std::shared_ptr<Session> Load(const std::string& model_path,
                                       const std::vector<uint8_t>* model_bytes = nullptr);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::vector<TensorSpec>& inputs() const { return inputs_; }
  const std::vector<TensorSpec>& outputs() const { return outputs_; }
  const TensorSpec* FindInput(const std::string& name) const;
  const TensorSpec* FindOutput(const std::string& name) const;

  std::vector<Value> Run(const std::vector<const char*>& input_names,
                         const std::vector<const OrtValue*>& inputs,
                         const std::vector<const char*>& output_names) const;

 private:
  Session() = default;
  OrtSession* session_ = nullptr;
  std::vector<TensorSpec> inputs_;
  std::vector<TensorSpec> outputs_;
};

}  // namespace tp::ort
