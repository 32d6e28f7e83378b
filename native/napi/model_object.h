// The JavaScript face of a loaded native model (EmbeddingModel, ClassifierModel): created only
// by its load function, which hands over the model in a type-tagged External; close() drops the
// reference while AsyncWorkers still running keep their own.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "napi/args.h"
#include "napi/async_task.h"

namespace tp::napi {

template <class Derived, class ModelT>
class ModelObject : public Napi::ObjectWrap<Derived> {
 public:
  using ModelPtr = std::shared_ptr<const ModelT>;

  explicit ModelObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Derived>(info) {
    if (info.Length() != 1 || !info[0].IsExternal() ||
        !info[0].As<Napi::External<ModelPtr>>().CheckTypeTag(&Derived::kTag))
      ThrowType(info.Env(), std::string(Derived::kClassName) + " cannot be constructed directly; use " +
                                Derived::kLoaderName + "()");
    // Moved, not copied: the External lives until garbage collection, and a copy left in it
    // would keep the model (and its ONNX Runtime session) alive after close().
    model_ = std::move(*info[0].As<Napi::External<ModelPtr>>().Data());
  }

  // Wraps a freshly loaded model into a new JavaScript object (on the JavaScript thread).
  static Napi::Value NewInstance(Napi::Env env, Napi::FunctionReference& ctor, ModelPtr model) {
    auto external = Napi::External<ModelPtr>::New(env, new ModelPtr(std::move(model)), [](Napi::Env, ModelPtr* p) { delete p; });
    external.TypeTag(&Derived::kTag);
    return ctor.New({external});
  }

  // The model behind `value`, which must be an instance of `ctor` and not closed.
  static ModelPtr ModelOf(Napi::Env env, Napi::FunctionReference& ctor, Napi::Value value, const char* what) {
    if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(ctor.Value()))
      ThrowType(env, std::string(what) + " must be a model returned by " + Derived::kLoaderName + "()");
    return Napi::ObjectWrap<Derived>::Unwrap(value.As<Napi::Object>())->Model(env);
  }

 protected:
  const ModelPtr& Model(Napi::Env env) const {
    if (!model_) throw MakeError(env, "ENRICHER_CLOSED", std::string("this ") + Derived::kClassName + " was closed");
    return model_;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    model_.reset();
    return info.Env().Undefined();
  }

 private:
  ModelPtr model_;
};

}  // namespace tp::napi
