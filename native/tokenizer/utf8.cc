#include "utf8.h"

namespace tp {
namespace utf8 {

char32_t DecodeSlow(const char*& p, const char* end) {
  const unsigned char* s = reinterpret_cast<const unsigned char*>(p);
  const unsigned char* e = reinterpret_cast<const unsigned char*>(end);
  unsigned char b0 = s[0];
  size_t need;
  char32_t cp;
  // Bounds of the second byte, which exclude overlong forms, surrogates and values > U+10FFFF.
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    // A continuation byte without a lead, or C0, C1, F5..FF: never valid.
    p += 1;
    return kReplacement;
  }
  const unsigned char* q = s + 1;
  for (size_t i = 0; i < need; ++i, ++q) {
    if (q >= e) {
      p = reinterpret_cast<const char*>(q);
      return kReplacement;  // truncated: the maximal subpart is everything read so far
    }
    unsigned char b = *q;
    if (i == 0 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) {
      p = reinterpret_cast<const char*>(q);  // the offending byte starts the next sequence
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  p = reinterpret_cast<const char*>(q);
  return cp;
}

size_t Encode(char32_t c, char out[4]) {
  if (c < 0x80) {
    out[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<char>(0xC0 | (c >> 6));
    out[1] = static_cast<char>(0x80 | (c & 0x3F));
    return 2;
  }
  if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = kReplacement;
  if (c < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (c >> 12));
    out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (c >> 18));
  out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (c & 0x3F));
  return 4;
}

size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    Decode(p, end);
    ++n;
  }
  return n;
}

}  // namespace utf8
}  // namespace tp
