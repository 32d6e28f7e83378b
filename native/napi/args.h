// Typed accessors for the plain option objects TypeScript builds (sharp's "baton" pattern):
// TypeScript validates first and gives friendly errors; these checks are the last line so
// that no JavaScript value can make native code misbehave.
#pragma once

#include <napi.h>

#include <memory>

#include <cmath>
#include <string>
#include <vector>

namespace tp::napi {

[[noreturn]] inline void ThrowType(Napi::Env env, const std::string& message) {
  Napi::TypeError error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, "INPUT_INVALID"));
  throw error;
}

inline Napi::Object RequireObject(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsObject() || info[index].IsArray())
    ThrowType(info.Env(), std::string(what) + " must be an object");
  return info[index].As<Napi::Object>();
}

inline std::string RequireString(Napi::Env env, Napi::Value value, const std::string& what) {
  if (!value.IsString()) ThrowType(env, what + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

inline std::string RequireString(const Napi::Object& o, const char* key) {
  return RequireString(o.Env(), o.Get(key), std::string("options.") + key);
}

inline bool RequireBool(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) ThrowType(o.Env(), std::string("options.") + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

inline size_t RequireSize(Napi::Env env, Napi::Value v, const std::string& what, double min, double max) {
  if (!v.IsNumber()) ThrowType(env, what + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < min || d > max)
    ThrowType(env, what + " must be an integer from " + std::to_string(static_cast<long long>(min)) + " to " +
                       std::to_string(static_cast<long long>(max)));
  return static_cast<size_t>(d);
}

inline size_t RequireSize(const Napi::Object& o, const char* key, double min, double max) {
  return RequireSize(o.Env(), o.Get(key), std::string("options.") + key, min, max);
}

inline int64_t RequireInt(const Napi::Object& o, const char* key, double min, double max) {
  Napi::Value v = o.Get(key);
  const std::string what = std::string("options.") + key;
  if (!v.IsNumber()) ThrowType(o.Env(), what + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < min || d > max)
    ThrowType(o.Env(), what + " must be an integer from " + std::to_string(static_cast<long long>(min)) + " to " +
                           std::to_string(static_cast<long long>(max)));
  return static_cast<int64_t>(d);
}

inline double RequireNumber(const Napi::Object& o, const char* key, double min, double max) {
  Napi::Value v = o.Get(key);
  const std::string what = std::string("options.") + key;
  if (!v.IsNumber()) ThrowType(o.Env(), what + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < min || d > max)
    ThrowType(o.Env(), what + " must be a number from " + std::to_string(min) + " to " + std::to_string(max));
  return d;
}

inline std::vector<std::string> RequireStringArray(Napi::Env env, Napi::Value value, const std::string& what) {
  if (!value.IsArray()) ThrowType(env, what + " must be an array of strings");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) ThrowType(env, what + "[" + std::to_string(i) + "] must be a string");
    out.push_back(item.As<Napi::String>().Utf8Value());
  }
  return out;
}

template <class T>
T RequireTypedArray(Napi::Env env, Napi::Value value, napi_typedarray_type type, const std::string& what,
                    const char* type_name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type)
    ThrowType(env, what + " must be a " + type_name);
  return value.As<T>();
}

// options[key], when present, must be a Uint8Array (a Buffer is one); its bytes are copied
// so that a task on the libuv pool can read them after the call returns.
inline std::shared_ptr<const std::vector<uint8_t>> OptionalBytes(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    ThrowType(o.Env(), std::string(key) + " must be a Uint8Array");
  Napi::Uint8Array bytes = v.As<Napi::Uint8Array>();
  return std::make_shared<const std::vector<uint8_t>>(bytes.Data(), bytes.Data() + bytes.ByteLength());
}

}  // namespace tp::napi
