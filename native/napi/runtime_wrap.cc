#include "napi/addon_data.h"
#include "napi/args.h"
#include "napi/async_task.h"
#include "ort.h"

namespace tp::napi {

namespace {

Napi::Object ToJs(Napi::Env env, const ort::RuntimeInfo& info) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("libraryPath", info.library_path);
  o.Set("version", info.version);
  o.Set("apiVersion", info.api_version);
  o.Set("threads", info.intra_threads);
  o.Set("globalThreadPool", info.global_thread_pool);
  return o;
}

// initRuntime({ libraryPath, threads }) -> RuntimeInfo
Napi::Value InitRuntimeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options = RequireObject(info, 0, "options");
  const std::string path = RequireString(options, "libraryPath");
  const size_t threads = RequireSize(options, "threads", 0, 1024);
  return Rethrowing(env, [&] { return ToJs(env, ort::Initialize(path, static_cast<int>(threads))); });
}

Napi::Value RuntimeInfoJs(const Napi::CallbackInfo& info) {
  if (!ort::IsInitialized()) return info.Env().Null();
  return ToJs(info.Env(), ort::Info());
}

}  // namespace

void InitRuntime(Napi::Env env, Napi::Object exports) {
  exports.Set("initRuntime", Napi::Function::New(env, InitRuntimeJs, "initRuntime"));
  exports.Set("runtimeInfo", Napi::Function::New(env, RuntimeInfoJs, "runtimeInfo"));
}

}  // namespace tp::napi
