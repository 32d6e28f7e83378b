#include "custom_ops/op_domain.h"

#include <climits>
#include <mutex>
#include <string>

#include "attention/attention_op.h"
#include "custom_ops/op_util.h"
#include "dense/dense_op.h"
#include "errors.h"

namespace tp::ort {

OrtCustomOp CpuCustomOpBase() {
  OrtCustomOp op{};
  op.version = ORT_API_VERSION;
  op.GetExecutionProviderType = [](const OrtCustomOp*) -> const char* { return "CPUExecutionProvider"; };
  op.GetInputMemoryType = [](const OrtCustomOp*, size_t) { return OrtMemTypeDefault; };
  op.GetVariadicInputMinArity = [](const OrtCustomOp*) { return 1; };
  op.GetVariadicInputHomogeneity = [](const OrtCustomOp*) { return 1; };
  op.GetVariadicOutputMinArity = [](const OrtCustomOp*) { return 1; };
  op.GetVariadicOutputHomogeneity = [](const OrtCustomOp*) { return 1; };
  op.GetStartVersion = [](const OrtCustomOp*) { return 1; };
  op.GetEndVersion = [](const OrtCustomOp*) { return INT_MAX; };
  op.GetMayInplace = [](int**, int**) -> size_t { return 0; };
  op.ReleaseMayInplace = [](int*, int*) {};
  op.GetAliasMap = [](int**, int**) -> size_t { return 0; };
  op.ReleaseAliasMap = [](int*, int*) {};
  return op;
}

OrtCustomOpDomain* CustomOpDomain(const OrtApi& api) {
  static std::once_flag once;
  static OrtCustomOpDomain* domain = nullptr;
  static std::string error;
  std::call_once(once, [&] {
    OrtStatus* status = api.CreateCustomOpDomain(kCustomOpDomain, &domain);
    if (!status) status = api.CustomOpDomain_Add(domain, &AttentionOp());
    if (!status) status = api.CustomOpDomain_Add(domain, &DenseOp());
    if (status) {
      error = api.GetErrorMessage(status);
      api.ReleaseStatus(status);
    }
  });
  if (!error.empty()) throw Error("NATIVE_LOAD_FAILED", "registering the addon's custom ops: " + error);
  return domain;
}

}  // namespace tp::ort
