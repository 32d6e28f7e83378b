// Shared helpers of the libFuzzer targets (plain C++, no Node-API, no ONNX Runtime).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "tokenizer/tokenizer.h"

namespace tp::fuzz {

// Aborts with a message: libFuzzer records the input as a crash.
[[noreturn]] inline void Fail(const char* what) {
  std::fprintf(stderr, "fuzz check failed: %s\n", what);
  std::abort();
}
#define FUZZ_CHECK(cond) \
  do {                   \
    if (!(cond)) ::tp::fuzz::Fail(#cond); \
  } while (0)

// A fixture tokenizer.json, from $TP_FUZZ_FIXTURES (test/fixtures/models) or the path compiled in.
inline std::unique_ptr<Tokenizer> LoadFixture(const char* model) {
  const char* env = std::getenv("TP_FUZZ_FIXTURES");
  std::string dir = env ? env : TP_FUZZ_FIXTURES_DIR;
  std::ifstream in(dir + "/" + model + "/tokenizer.json", std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s/%s/tokenizer.json (set TP_FUZZ_FIXTURES)\n", dir.c_str(), model);
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return Tokenizer::FromJson(ss.str());
}

// Encode / EncodeSequence+Finish / Decode on one text, with the API's documented invariants.
inline void CheckTokenizer(const Tokenizer& tok, std::string_view text, size_t max_length) {
  const size_t specials = tok.num_special_tokens();
  if (max_length != 0 && max_length < specials) {
    try {
      tok.Encode(text, max_length);
      Fail("Encode accepted max_length < num_special_tokens()");
    } catch (const TokenizerError&) {
    }
    return;
  }
  const Encoding e = tok.Encode(text, max_length);
  FUZZ_CHECK(e.ids.size() == e.type_ids.size());
  FUZZ_CHECK(e.ids.size() >= specials);
  if (max_length) FUZZ_CHECK(e.ids.size() <= max_length);
  for (int32_t id : e.ids) FUZZ_CHECK(id >= 0 && id <= tok.max_id());
  // The two halves give the same ids as Encode (tokenizer.h).
  const size_t n = max_length ? max_length - specials : SIZE_MAX;
  const std::vector<int32_t> seq = tok.EncodeSequence(text, n);
  if (max_length) FUZZ_CHECK(seq.size() <= n);
  const Encoding f = tok.Finish(seq, max_length);
  FUZZ_CHECK(f.ids == e.ids);
  // Decode of what was encoded, and of arbitrary ids (unknown ones are skipped).
  const std::string d1 = tok.Decode(e.ids, true, true);
  const std::string d2 = tok.Decode(e.ids, false, false);
  (void)d1;
  (void)d2;
  std::vector<int32_t> odd = {-1, tok.max_id() + 1, 0, tok.max_id(), INT32_MAX, INT32_MIN};
  for (size_t i = 0; i < text.size() && i < 16; i++) odd.push_back(static_cast<int32_t>(static_cast<uint8_t>(text[i])) * 7);
  (void)tok.Decode(odd, false, true);
}

}  // namespace tp::fuzz
