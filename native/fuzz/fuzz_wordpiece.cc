// libFuzzer target: the BERT WordPiece tokenizer of the fixture model (tiny-bert), on any bytes.
// The first byte picks max_length (0 = none, else 1..255), the rest is the text.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tok = tp::fuzz::LoadFixture("tiny-bert");
  if (size == 0) return 0;
  const size_t max_length = data[0] % 4 == 0 ? 0 : data[0];
  tp::fuzz::CheckTokenizer(*tok, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), max_length);
  return 0;
}
