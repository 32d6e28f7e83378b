// libFuzzer target: tokenizer.json parsing. Any input is either a Tokenizer or a TokenizerError
// (tokenizer.h promises nothing else); a Tokenizer must then encode and decode.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::unique_ptr<tp::Tokenizer> tok;
  try {
    tok = tp::Tokenizer::FromJson(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const tp::TokenizerError&) {
    return 0;
  }
  FUZZ_CHECK(tok != nullptr);
  (void)tok->fingerprint();
  (void)tok->pad_id();
  (void)tok->vocab_size();
  (void)tok->max_text_id();
  (void)tok->unk_id();
  (void)tok->default_max_length();
  (void)tok->TokenToId("[UNK]");
  static const char* const kTexts[] = {"", "Hello, world! I can't log in.", "café naïve 東京 😀 <mask> [MASK]",
                                       "  leading   spaces\tand\nnewlines  ", "\xff\xfe\xc3(", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
  for (const char* text : kTexts) {
    for (size_t max_length : {size_t{0}, tok->num_special_tokens() + 3}) {
      try {
        tp::fuzz::CheckTokenizer(*tok, text, max_length);
      } catch (const tp::TokenizerError&) {
        // e.g. an unsupported decoder is reported only when Decode is called
      }
    }
  }
  return 0;
}
