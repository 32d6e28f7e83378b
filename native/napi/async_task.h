// One AsyncWorker per long operation (sharp's pattern): Execute() runs the task on the libuv
// pool and stores a failure; OnOK/OnError settle the promise on the JavaScript thread.
// Errors carry the stable `code` of tp::Error.
#pragma once

#include <napi.h>

#include <functional>
#include <string>

#include "errors.h"

namespace tp::napi {

inline Napi::Error MakeError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

// Runs `fn` and turns tp::Error into a JavaScript exception with its code.
template <class Fn>
auto Rethrowing(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error& e) {
    throw MakeError(env, e.code(), e.what());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw MakeError(env, "OUT_OF_MEMORY", "out of memory");
  } catch (const std::exception& e) {
    throw MakeError(env, "INTERNAL", e.what());
  }
}

template <class Result>
class AsyncTask : public Napi::AsyncWorker {
 public:
  using Work = std::function<Result()>;
  using Settle = std::function<Napi::Value(Napi::Env, Result&)>;

  static Napi::Promise Start(Napi::Env env, const char* name, Work work, Settle settle) {
    auto* task = new AsyncTask(env, name, std::move(work), std::move(settle));
    Napi::Promise promise = task->deferred_.Promise();
    task->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      result_ = work_();
    } catch (const Error& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      code_ = "OUT_OF_MEMORY";
      SetError("out of memory");
    } catch (const std::exception& e) {
      code_ = "INTERNAL";
      SetError(e.what());
    } catch (...) {
      code_ = "INTERNAL";
      SetError("unknown native error");
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(Rethrowing(env, [&] { return settle_(env, result_); }));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& error) override {
    error.Set("code", Napi::String::New(Env(), code_));
    deferred_.Reject(error.Value());
  }

 private:
  AsyncTask(Napi::Env env, const char* name, Work work, Settle settle)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        settle_(std::move(settle)) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Settle settle_;
  Result result_{};
  std::string code_ = "INTERNAL";
};

}  // namespace tp::napi
