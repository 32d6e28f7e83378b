// UTF-8 decoding that never fails: any ill-formed sequence becomes U+FFFD, following the
// Unicode/WHATWG "maximal subpart" practice (the same replacements as Node's TextDecoder and
// Rust's String::from_utf8_lossy), so arbitrary bytes are safe input.
#ifndef TP_TOKENIZER_UTF8_H_
#define TP_TOKENIZER_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tp {
namespace utf8 {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes the code point at p (p < end) and advances p past it (by 1 to 4 bytes; an ill-formed
// sequence advances past its maximal subpart, at least 1 byte, and yields U+FFFD).
char32_t DecodeSlow(const char*& p, const char* end);

inline char32_t Decode(const char*& p, const char* end) {
  unsigned char b = static_cast<unsigned char>(*p);
  if (b < 0x80) {
    ++p;
    return b;
  }
  return DecodeSlow(p, end);
}

// Writes the UTF-8 form of c (a scalar value; surrogates and values past U+10FFFF are written as
// U+FFFD) to out and returns its length (1 to 4).
size_t Encode(char32_t c, char out[4]);

inline void Append(std::string& s, char32_t c) {
  if (c < 0x80) {
    s.push_back(static_cast<char>(c));
    return;
  }
  char buf[4];
  s.append(buf, Encode(c, buf));
}

// Number of code points in s, counting each ill-formed subpart as one (as Decode does).
size_t CountCodePoints(std::string_view s);

// A forward reader over a UTF-8 string.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}
  bool done() const { return p_ >= end_; }
  const char* position() const { return p_; }
  void set_position(const char* p) { p_ = p; }
  char32_t Next() { return Decode(p_, end_); }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace utf8
}  // namespace tp

#endif  // TP_TOKENIZER_UTF8_H_
