#include <memory>

#include "napi/addon_data.h"
#include "napi/args.h"
#include "napi/async_task.h"
#include "napi/model_wraps.h"
#include "tokenizer/tokenizer.h"

namespace tp::napi {

namespace {

Napi::Int32Array ToInt32Array(Napi::Env env, const std::vector<int32_t>& values) {
  Napi::Int32Array out = Napi::Int32Array::New(env, values.size());
  std::copy(values.begin(), values.end(), out.Data());
  return out;
}

// new Tokenizer(tokenizerJson: string): a standalone tokenizer, for tests, tools and fuzzing
// from JavaScript. Models own their tokenizers; this class is not on the inference path.
class TokenizerWrap : public Napi::ObjectWrap<TokenizerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Tokenizer",
                       {InstanceMethod<&TokenizerWrap::Encode>("encode"),
                        InstanceMethod<&TokenizerWrap::Decode>("decode"),
                        InstanceAccessor<&TokenizerWrap::VocabSize>("vocabSize"),
                        InstanceAccessor<&TokenizerWrap::Fingerprint>("fingerprint")});
  }

  explicit TokenizerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TokenizerWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1) ThrowType(env, "tokenizerJson must be a string");
    const std::string json = RequireString(env, info[0], "tokenizerJson");
    tokenizer_ = Rethrowing(env, [&] {
      try {
        return std::shared_ptr<const Tokenizer>(Tokenizer::FromJson(json));
      } catch (const TokenizerError& e) {
        throw Error("MODEL_INVALID", e.what());
      }
    });
  }

 private:
  // encode(text: string, maxLength = 0) -> { ids: Int32Array, typeIds: Int32Array }
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1) ThrowType(env, "text must be a string");
    const std::string text = RequireString(env, info[0], "text");
    const size_t max_length =
        info.Length() > 1 && !info[1].IsUndefined() ? RequireSize(env, info[1], "maxLength", 0, 1 << 24) : 0;
    Encoding encoding = Rethrowing(env, [&] {
      try {
        return tokenizer_->Encode(text, max_length);
      } catch (const TokenizerError& e) {
        throw Error("INPUT_INVALID", e.what());  // e.g. a maxLength shorter than the template's special tokens
      }
    });
    Napi::Object out = Napi::Object::New(env);
    out.Set("ids", ToInt32Array(env, encoding.ids));
    out.Set("typeIds", ToInt32Array(env, encoding.type_ids));
    return out;
  }

  // decode(ids: Int32Array, skipSpecialTokens = true, cleanUpTokenizationSpaces = false) -> string
  Napi::Value Decode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      ThrowType(env, "ids must be an Int32Array");
    const Napi::Int32Array array = info[0].As<Napi::Int32Array>();
    const std::vector<int32_t> ids(array.Data(), array.Data() + array.ElementLength());
    auto flag = [&](size_t i, bool fallback, const char* name) {
      if (info.Length() <= i || info[i].IsUndefined()) return fallback;
      if (!info[i].IsBoolean()) ThrowType(env, std::string(name) + " must be a boolean");
      return info[i].As<Napi::Boolean>().Value();
    };
    const bool skip_special = flag(1, true, "skipSpecialTokens");
    const bool clean_up = flag(2, false, "cleanUpTokenizationSpaces");
    const std::string text = Rethrowing(env, [&] {
      try {
        return tokenizer_->Decode(ids, skip_special, clean_up);
      } catch (const TokenizerError& e) {
        throw Error("MODEL_INVALID", e.what());  // a decoder tokenizer.json names that is not supported
      }
    });
    return Napi::String::New(env, text);
  }

  Napi::Value VocabSize(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(tokenizer_->vocab_size()));
  }

  Napi::Value Fingerprint(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), Hex64(tokenizer_->fingerprint()));
  }

  std::shared_ptr<const Tokenizer> tokenizer_;
};

}  // namespace

void InitTokenizer(Napi::Env env, Napi::Object exports) { exports.Set("Tokenizer", TokenizerWrap::Define(env)); }

}  // namespace tp::napi
