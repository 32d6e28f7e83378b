#include "ort.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <sstream>

#include "custom_ops/op_domain.h"
#include "errors.h"

namespace tp::ort {

namespace {

struct Runtime {
  const OrtApi* api = nullptr;
  OrtEnv* env = nullptr;
  OrtMemoryInfo* cpu_memory = nullptr;
  RuntimeInfo info;
};

std::mutex g_init_mutex;
// Created once and never destroyed: ORT's pool threads must not race static destructors at
// process exit, and the library stays loaded for the life of the process anyway.
Runtime* g_runtime = nullptr;

const Runtime& Rt() {
  if (g_runtime == nullptr)
    throw Error("NATIVE_LOAD_FAILED", "ONNX Runtime is not initialized (call initRuntime first)");
  return *g_runtime;
}

std::string ApiVersionToRelease(uint32_t api) { return "1." + std::to_string(api); }

// Creates the environment with global thread pools, and finds out whether they are in effect:
// ORT keeps one OrtEnv per process, so if another library in this process created it first
// (without global pools), our options are ignored and DisablePerSessionThreads sessions
// would fail to run.
bool ProbeGlobalThreadPool(const OrtApi& api, OrtEnv* env) {
  // A session needs a model: this is the smallest valid one, an Identity graph (ONNX
  // protobuf: ir_version 7, opset 13, float[1] input "x" -> output "y"), serialized with
  // onnx-proto. Creating a session is enough: without global pools ORT refuses it.
  static const unsigned char kIdentityModel[] = {
      0x08, 0x07, 0x12, 0x02, 0x74, 0x70, 0x3a, 0x37, 0x0a, 0x10, 0x0a, 0x01, 0x78, 0x12, 0x01,
      0x79, 0x22, 0x08, 0x49, 0x64, 0x65, 0x6e, 0x74, 0x69, 0x74, 0x79, 0x12, 0x01, 0x67, 0x5a,
      0x0f, 0x0a, 0x01, 0x78, 0x12, 0x0a, 0x0a, 0x08, 0x08, 0x01, 0x12, 0x04, 0x0a, 0x02, 0x08,
      0x01, 0x62, 0x0f, 0x0a, 0x01, 0x79, 0x12, 0x0a, 0x0a, 0x08, 0x08, 0x01, 0x12, 0x04, 0x0a,
      0x02, 0x08, 0x01, 0x42, 0x04, 0x0a, 0x00, 0x10, 0x0d};
  OrtSessionOptions* options = nullptr;
  OrtSession* session = nullptr;
  bool ok = false;
  if (api.CreateSessionOptions(&options) == nullptr) {
    if (OrtStatus* s = api.DisablePerSessionThreads(options)) {
      api.ReleaseStatus(s);
    } else if (OrtStatus* s2 = api.CreateSessionFromArray(env, kIdentityModel, sizeof(kIdentityModel),
                                                          options, &session)) {
      api.ReleaseStatus(s2);
    } else {
      ok = true;
    }
  }
  if (session) api.ReleaseSession(session);
  if (options) api.ReleaseSessionOptions(options);
  return ok;
}

}  // namespace

void Check(OrtStatus* status, const char* code, const std::string& context) {
  if (status == nullptr) return;
  const OrtApi& api = *Rt().api;
  std::string message = context + ": " + api.GetErrorMessage(status);
  api.ReleaseStatus(status);
  throw Error(code, message);
}

RuntimeInfo Initialize(const std::string& library_path, int intra_threads) {
  std::lock_guard<std::mutex> lock(g_init_mutex);
  if (g_runtime != nullptr) {
    const RuntimeInfo& info = g_runtime->info;
    if (library_path != info.library_path)
      throw Error("CONFIG_INVALID", "ONNX Runtime is already loaded from " + info.library_path +
                                        " in this process; cannot also load " + library_path);
    if (intra_threads != 0 && intra_threads != info.intra_threads)
      throw Error("CONFIG_INVALID",
                  "this process's ONNX Runtime thread pool already has " +
                      std::to_string(info.intra_threads) + " threads; all enrichers share it, so " +
                      std::to_string(intra_threads) + " cannot be used. Pass the same `threads` or omit it.");
    return info;
  }
  if (intra_threads < 0 || intra_threads > 1024)
    throw Error("CONFIG_INVALID", "threads must be between 1 and 1024, got " + std::to_string(intra_threads));

  void* handle = dlopen(library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    throw Error("NATIVE_LOAD_FAILED",
                "could not load the ONNX Runtime library " + library_path + ": " + (why ? why : "unknown error") +
                    ". Reinstall onnxruntime-node, or set ORT_LIBRARY_PATH to a libonnxruntime.so of version " +
                    ApiVersionToRelease(ORT_API_VERSION) + " or newer.");
  }
  using GetApiBaseFn = const OrtApiBase* (*)();
  auto get_api_base = reinterpret_cast<GetApiBaseFn>(dlsym(handle, "OrtGetApiBase"));
  if (get_api_base == nullptr) {
    dlclose(handle);
    throw Error("NATIVE_LOAD_FAILED", library_path + " is not an ONNX Runtime library (no OrtGetApiBase symbol). " +
                                          "Set ORT_LIBRARY_PATH to libonnxruntime.so.");
  }
  const OrtApiBase* base = get_api_base();
  // Copied: the library's own string is gone once it is unloaded below.
  const char* version_c = base ? base->GetVersionString() : nullptr;
  const std::string version = version_c ? version_c : "?";
  const OrtApi* api = base ? base->GetApi(ORT_API_VERSION) : nullptr;
  if (api == nullptr) {
    dlclose(handle);
    throw Error("NATIVE_LOAD_FAILED",
                "ONNX Runtime " + version + " at " + library_path +
                    " is too old: this addon needs " + ApiVersionToRelease(ORT_API_VERSION) +
                    " or newer (C API version " + std::to_string(ORT_API_VERSION) +
                    "). Install a newer onnxruntime-node, or point ORT_LIBRARY_PATH at a newer libonnxruntime.so.");
  }

  auto rt = std::make_unique<Runtime>();
  rt->api = api;
  auto fail = [&](OrtStatus* status, const char* what) {
    if (status == nullptr) return;
    std::string message = std::string(what) + ": " + api->GetErrorMessage(status);
    api->ReleaseStatus(status);
    throw Error("NATIVE_LOAD_FAILED", message);
  };
  OrtThreadingOptions* threading = nullptr;
  fail(api->CreateThreadingOptions(&threading), "creating ONNX Runtime threading options");
  struct ThreadingGuard {
    const OrtApi* api;
    OrtThreadingOptions* t;
    ~ThreadingGuard() { api->ReleaseThreadingOptions(t); }
  } guard{api, threading};
  fail(api->SetGlobalIntraOpNumThreads(threading, intra_threads), "setting intra-op threads");
  fail(api->SetGlobalInterOpNumThreads(threading, 1), "setting inter-op threads");
  fail(api->CreateEnvWithGlobalThreadPools(ORT_LOGGING_LEVEL_ERROR, "ticket-processor", threading, &rt->env),
       "creating the ONNX Runtime environment");
  fail(api->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &rt->cpu_memory),
       "creating CPU memory info");

  rt->info.library_path = library_path;
  rt->info.version = version;
  rt->info.api_version = ORT_API_VERSION;
  rt->info.intra_threads = intra_threads;
  rt->info.global_thread_pool = ProbeGlobalThreadPool(*api, rt->env);
  g_runtime = rt.release();
  return g_runtime->info;
}

bool IsInitialized() {
  std::lock_guard<std::mutex> lock(g_init_mutex);
  return g_runtime != nullptr;
}

RuntimeInfo Info() { return Rt().info; }

const OrtApi& Api() { return *Rt().api; }

Value& Value::operator=(Value&& o) noexcept {
  if (this != &o) {
    if (v_) Api().ReleaseValue(v_);
    v_ = o.v_;
    o.v_ = nullptr;
  }
  return *this;
}

Value::~Value() {
  if (v_) Api().ReleaseValue(v_);
}

std::vector<int64_t> Value::Shape() const {
  const OrtApi& api = Api();
  OrtTensorTypeAndShapeInfo* info = nullptr;
  Check(api.GetTensorTypeAndShape(v_, &info), "INFERENCE_FAILED", "reading a tensor shape");
  size_t rank = 0;
  OrtStatus* status = api.GetDimensionsCount(info, &rank);
  std::vector<int64_t> dims(rank);
  if (status == nullptr && rank > 0) status = api.GetDimensions(info, dims.data(), rank);
  api.ReleaseTensorTypeAndShapeInfo(info);
  Check(status, "INFERENCE_FAILED", "reading a tensor shape");
  return dims;
}

Value TensorView(void* data, size_t bytes, const std::vector<int64_t>& shape,
                 ONNXTensorElementDataType type) {
  OrtValue* value = nullptr;
  Check(Api().CreateTensorWithDataAsOrtValue(Rt().cpu_memory, data, bytes, shape.data(), shape.size(), type,
                                             &value),
        "INFERENCE_FAILED", "creating an input tensor");
  return Value(value);
}

namespace {

TensorSpec ReadSpec(const OrtApi& api, OrtTypeInfo* type_info, std::string name) {
  TensorSpec spec;
  spec.name = std::move(name);
  ONNXType onnx_type = ONNX_TYPE_UNKNOWN;
  Check(api.GetOnnxTypeFromTypeInfo(type_info, &onnx_type), "MODEL_INVALID", "reading model I/O types");
  if (onnx_type != ONNX_TYPE_TENSOR) return spec;  // type stays UNDEFINED: not a plain tensor
  const OrtTensorTypeAndShapeInfo* tensor = nullptr;
  Check(api.CastTypeInfoToTensorInfo(type_info, &tensor), "MODEL_INVALID", "reading model I/O types");
  Check(api.GetTensorElementType(tensor, &spec.type), "MODEL_INVALID", "reading model I/O types");
  size_t rank = 0;
  Check(api.GetDimensionsCount(tensor, &rank), "MODEL_INVALID", "reading model I/O shapes");
  spec.dims.resize(rank);
  if (rank > 0) Check(api.GetDimensions(tensor, spec.dims.data(), rank), "MODEL_INVALID", "reading model I/O shapes");
  return spec;
}

}  // namespace

std::shared_ptr<Session> Session::Load(const std::string& model_path, const std::vector<uint8_t>* model_bytes) {
  const Runtime& rt = Rt();
  const OrtApi& api = *rt.api;
  OrtSessionOptions* options = nullptr;
  Check(api.CreateSessionOptions(&options), "MODEL_INVALID", "creating session options");
  struct OptionsGuard {
    const OrtApi& api;
    OrtSessionOptions* o;
    ~OptionsGuard() { api.ReleaseSessionOptions(o); }
  } options_guard{api, options};
  Check(api.SetSessionGraphOptimizationLevel(options, ORT_ENABLE_ALL), "MODEL_INVALID", "session options");
  Check(api.SetSessionExecutionMode(options, ORT_SEQUENTIAL), "MODEL_INVALID", "session options");
  if (rt.info.global_thread_pool) {
    Check(api.DisablePerSessionThreads(options), "MODEL_INVALID", "session options");
  } else {
    Check(api.SetIntraOpNumThreads(options, rt.info.intra_threads), "MODEL_INVALID", "session options");
    Check(api.SetInterOpNumThreads(options, 1), "MODEL_INVALID", "session options");
  }

  // Diagnostics: ORT's per-node timings, written as <prefix>_<date>.json when the session closes.
  if (const char* prefix = std::getenv("TICKET_PROCESSOR_ORT_PROFILE"); prefix && *prefix)
    Check(api.EnableProfiling(options, prefix), "MODEL_INVALID", "enabling ONNX Runtime profiling");
  // Every session may use the addon's custom ops (a graph without them is unaffected).
  Check(api.AddCustomOpDomain(options, CustomOpDomain(api)), "MODEL_INVALID", "session options");

  std::shared_ptr<Session> session(new Session());
  Check(model_bytes ? api.CreateSessionFromArray(rt.env, model_bytes->data(), model_bytes->size(), options,
                                                 &session->session_)
                    : api.CreateSession(rt.env, model_path.c_str(), options, &session->session_),
        "MODEL_INVALID", "could not load ONNX model " + model_path);

  OrtAllocator* allocator = nullptr;
  Check(api.GetAllocatorWithDefaultOptions(&allocator), "MODEL_INVALID", "getting the default allocator");
  auto read_io = [&](bool input, std::vector<TensorSpec>& out) {
    size_t count = 0;
    Check(input ? api.SessionGetInputCount(session->session_, &count)
                : api.SessionGetOutputCount(session->session_, &count),
          "MODEL_INVALID", "reading model I/O");
    for (size_t i = 0; i < count; ++i) {
      char* name = nullptr;
      Check(input ? api.SessionGetInputName(session->session_, i, allocator, &name)
                  : api.SessionGetOutputName(session->session_, i, allocator, &name),
            "MODEL_INVALID", "reading model I/O names");
      std::string owned(name);
      if (OrtStatus* freed = api.AllocatorFree(allocator, name)) api.ReleaseStatus(freed);
      OrtTypeInfo* type_info = nullptr;
      Check(input ? api.SessionGetInputTypeInfo(session->session_, i, &type_info)
                  : api.SessionGetOutputTypeInfo(session->session_, i, &type_info),
            "MODEL_INVALID", "reading model I/O types");
      try {
        out.push_back(ReadSpec(api, type_info, std::move(owned)));
      } catch (...) {
        api.ReleaseTypeInfo(type_info);
        throw;
      }
      api.ReleaseTypeInfo(type_info);
    }
  };
  read_io(true, session->inputs_);
  read_io(false, session->outputs_);
  return session;
}

Session::~Session() {
  if (session_) Api().ReleaseSession(session_);
}

const TensorSpec* Session::FindInput(const std::string& name) const {
  for (const auto& s : inputs_)
    if (s.name == name) return &s;
  return nullptr;
}

const TensorSpec* Session::FindOutput(const std::string& name) const {
  for (const auto& s : outputs_)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<Value> Session::Run(const std::vector<const char*>& input_names,
                                const std::vector<const OrtValue*>& inputs,
                                const std::vector<const char*>& output_names) const {
  std::vector<OrtValue*> outputs(output_names.size(), nullptr);
  Check(Api().Run(session_, nullptr, input_names.data(), inputs.data(), inputs.size(), output_names.data(),
                  output_names.size(), outputs.data()),
        "INFERENCE_FAILED", "ONNX Runtime inference failed");
  std::vector<Value> result;
  result.reserve(outputs.size());
  for (OrtValue* v : outputs) result.emplace_back(v);
  return result;
}

}  // namespace tp::ort
