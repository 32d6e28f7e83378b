// Byte-level BPE's text side (GPT-2, RoBERTa, BART): Hugging Face's ByteLevel pre-tokenizer.
//
// 1. add_prefix_space: a segment (text between added tokens) that does not start with ' ' gets
//    one in front.
// 2. use_regex: the segment is split into words by GPT-2's pattern
//      's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//    (leftmost-first alternation, as Oniguruma runs it), here as a hand-written state machine
//    over code points that needs at most two code points of look-ahead (the contractions), plus
//    the last code point of a whitespace run (the one that `\s+(?!\S)` leaves to the next word).
//    Classes come from unicode_tables (onig's \p{L}, \p{N}; \s = White_Space).
// 3. Every UTF-8 byte of a word becomes one character of GPT-2's 256-character alphabet
//    (bytes_to_unicode), so that the BPE vocabulary never meets an unknown character.
//
// Words of any length are kept whole (the BPE model has no length cap).
#ifndef TP_TOKENIZER_BYTE_LEVEL_H_
#define TP_TOKENIZER_BYTE_LEVEL_H_

#include <memory>
#include <string>

#include "json_util.h"
#include "pipeline.h"

namespace tp {

namespace byte_level {
// GPT-2's bytes_to_unicode: the character that stands for byte b.
char32_t ByteToChar(unsigned char b);
// The byte a character stands for, or -1 when c is not one of the 256.
int CharToByte(char32_t c);
// Appends the byte-level spelling (UTF-8) of the UTF-8 bytes [p, p + n) to out; returns the
// number of characters appended (= n).
size_t AppendMapped(const char* p, size_t n, std::string& out);
}  // namespace byte_level

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  bool Split(const char32_t* cps, size_t n, State& state, WordSink& sink) const override;
  bool Finish(State& state, WordSink& sink) const override;
  void AddToFingerprint(Hasher& h) const override;

 private:
  bool Step(char32_t c, State& state, WordSink& sink) const;
  const bool add_prefix_space_;
  const bool use_regex_;
};

// "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": ..., "trim_offsets": ...,
// "use_regex": ...}. trim_offsets only changes offsets, which Encode does not produce.
std::unique_ptr<PreTokenizer> ParseByteLevelPreTokenizer(const json_util::Json& pre_tokenizer, const std::string& path);

}  // namespace tp

#endif  // TP_TOKENIZER_BYTE_LEVEL_H_
