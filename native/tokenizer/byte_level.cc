#include "byte_level.h"

#include "unicode_tables.h"
#include "utf8.h"

namespace tp {

namespace byte_level {
namespace {

// bytes_to_unicode(): printable Latin-1 bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand
// for themselves; the other 68 bytes, in increasing order, get U+0100, U+0101, ... U+0143.
struct Tables {
  char32_t to_char[256];
  int16_t to_byte[0x144];   // indexed by character
  unsigned char utf8[256][2];  // UTF-8 of to_char[b]
  unsigned char utf8_len[256];
  constexpr Tables() : to_char(), to_byte(), utf8(), utf8_len() {
    for (int c = 0; c < 0x144; ++c) to_byte[c] = -1;
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      to_char[b] = printable ? static_cast<char32_t>(b) : next++;
      to_byte[to_char[b]] = static_cast<int16_t>(b);
      const char32_t c = to_char[b];
      if (c < 0x80) {
        utf8[b][0] = static_cast<unsigned char>(c);
        utf8_len[b] = 1;
      } else {
        utf8[b][0] = static_cast<unsigned char>(0xC0 | (c >> 6));
        utf8[b][1] = static_cast<unsigned char>(0x80 | (c & 0x3F));
        utf8_len[b] = 2;
      }
    }
  }
};
constexpr Tables kTables;

}  // namespace

char32_t ByteToChar(unsigned char b) { return kTables.to_char[b]; }

int CharToByte(char32_t c) { return c < 0x144 ? kTables.to_byte[c] : -1; }

size_t AppendMapped(const char* p, size_t n, std::string& out) {
  for (size_t i = 0; i < n; ++i) {
    const unsigned char b = static_cast<unsigned char>(p[i]);
    out.append(reinterpret_cast<const char*>(kTables.utf8[b]), kTables.utf8_len[b]);
  }
  return n;
}

}  // namespace byte_level

namespace {

// Classes of the pattern: \p{L}, \p{N}, \s, and everything else ([^\s\p{L}\p{N}]).
enum Class : unsigned char { kL, kN, kS, kO };

struct AsciiClasses {
  unsigned char cls[128];
  constexpr AsciiClasses() : cls() {
    for (int c = 0; c < 128; ++c) {
      cls[c] = kO;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) cls[c] = kL;
      if (c >= '0' && c <= '9') cls[c] = kN;
      if ((c >= 0x09 && c <= 0x0D) || c == ' ') cls[c] = kS;  // White_Space in ASCII
    }
  }
};
constexpr AsciiClasses kAscii;

inline Class Classify(char32_t c) {
  if (c < 0x80) return static_cast<Class>(kAscii.cls[c]);
  const uint16_t p = unicode::Properties(c);
  if (p & unicode::kLetterProp) return kL;
  if (p & unicode::kNumberProp) return kN;
  if (p & unicode::kWhiteSpaceProp) return kS;
  return kO;
}

// What the state's word is, and what is held back in state.pending.
enum Mode : int {
  kIdle = 0,    // nothing: the next code point starts a match
  kLetters,     // word = " "? \p{L}+
  kNumbers,     // word = " "? \p{N}+
  kOthers,      // word = " "? [^\s\p{L}\p{N}]+
  kSpace1,      // word = one whitespace code point, also in pending[0]
  kSpaces,      // word = a run of 2+ whitespace code points, the last one also in pending[0]
  kApos,        // pending = "'" (a contraction may follow)
  kApos2,       // pending = "'" + one of r v l
};

inline Mode RunOf(Class cls) { return cls == kL ? kLetters : cls == kN ? kNumbers : kOthers; }

// Appends the byte-level spelling of code point c to the state's word.
inline void Append(PreTokenizer::State& state, char32_t c) {
  char buf[4];
  const size_t n = c < 0x80 ? (buf[0] = static_cast<char>(c), 1) : utf8::Encode(c, buf);
  state.chars += byte_level::AppendMapped(buf, n, state.word);
}

inline size_t Utf8Length(char32_t c) {
  char buf[4];
  return c < 0x80 ? 1 : utf8::Encode(c, buf);
}

}  // namespace

bool ByteLevelPreTokenizer::Step(char32_t c, State& state, WordSink& sink) const {
  const Class cls = Classify(c);
  for (;;) {
    switch (state.mode) {
      case kLetters:
      case kNumbers:
      case kOthers:
        if (RunOf(cls) == state.mode && cls != kS) {
          Append(state, c);
          return true;
        }
        state.mode = kIdle;
        if (!state.Flush(sink)) return false;
        break;
      case kSpace1:
      case kSpaces: {
        if (cls == kS) {
          Append(state, c);
          state.pending[0] = c;
          state.mode = kSpaces;
          return true;
        }
        // \s+(?!\S) takes all but the last whitespace code point; the last one is a word of its
        // own, or the " " of " ?\p{L}+" etc. when it is a space.
        const char32_t last = state.pending[0];
        state.pending.clear();
        if (state.mode == kSpaces) {
          const size_t last_chars = Utf8Length(last);  // byte-level characters = UTF-8 bytes
          size_t last_bytes = 0;
          for (size_t k = 0; k < last_chars; ++k) {
            last_bytes += (static_cast<unsigned char>(state.word[state.word.size() - 1 - last_bytes]) & 0xC0) == 0x80 ? 2 : 1;
          }
          const size_t head = state.word.size() - last_bytes;
          if (!sink.OnWord(std::string_view(state.word.data(), head), state.chars - last_chars)) {
            state.mode = kIdle;
            return false;
          }
          state.word.erase(0, head);
          state.chars = last_chars;
        }
        if (last == ' ') {
          state.mode = RunOf(cls);
          Append(state, c);
          return true;
        }
        state.mode = kIdle;
        if (!state.Flush(sink)) return false;
        break;
      }
      case kApos:
        if (c == 's' || c == 't' || c == 'm' || c == 'd') {
          state.pending.clear();
          Append(state, '\'');
          Append(state, c);
          state.mode = kIdle;
          return state.Flush(sink);
        }
        if (c == 'r' || c == 'v' || c == 'l') {
          state.pending.push_back(c);
          state.mode = kApos2;
          return true;
        }
        // No contraction: the apostrophe starts a run of "others".
        state.pending.clear();
        Append(state, '\'');
        state.mode = kOthers;
        continue;
      case kApos2: {
        const char32_t x = state.pending[1];
        state.pending.clear();
        if ((x != 'l' && c == 'e') || (x == 'l' && c == 'l')) {
          Append(state, '\'');
          Append(state, x);
          Append(state, c);
          state.mode = kIdle;
          return state.Flush(sink);
        }
        // "'" alone (a letter follows it), then letters from x on.
        Append(state, '\'');
        state.mode = kLetters;
        if (!state.Flush(sink)) {
          state.mode = kIdle;
          return false;
        }
        Append(state, x);
        continue;
      }
      default:
        break;
    }
    break;
  }
  // kIdle: c starts a match.
  if (cls == kS) {
    Append(state, c);
    state.pending.assign(1, c);
    state.mode = kSpace1;
  } else if (c == '\'') {
    state.pending.assign(1, c);
    state.mode = kApos;
  } else {
    Append(state, c);
    state.mode = RunOf(cls);
  }
  return true;
}

bool ByteLevelPreTokenizer::Split(const char32_t* cps, size_t n, State& state, WordSink& sink) const {
  if (n == 0) return true;
  size_t i = 0;
  if (!state.started) {
    state.started = true;
    state.mode = kIdle;
    state.pending.clear();
    if (add_prefix_space_ && cps[0] != ' ') {
      if (!use_regex_) {
        Append(state, ' ');
      } else if (!Step(' ', state, sink)) {
        return false;
      }
    }
  }
  if (!use_regex_) {
    for (; i < n; ++i) Append(state, cps[i]);
    return true;
  }
  // Fast path for runs of ASCII letters inside a letter word (most of English text).
  for (; i < n; ++i) {
    const char32_t c = cps[i];
    if (state.mode == kLetters && c < 0x80 && kAscii.cls[c] == kL) {
      state.word.push_back(static_cast<char>(c));
      ++state.chars;
      continue;
    }
    if (!Step(c, state, sink)) return false;
  }
  return true;
}

bool ByteLevelPreTokenizer::Finish(State& state, WordSink& sink) const {
  const int mode = state.mode;
  const std::u32string pending = state.pending;
  state.mode = kIdle;
  state.pending.clear();
  state.started = false;
  switch (mode) {
    case kApos:
      Append(state, '\'');
      break;
    case kApos2:
      Append(state, '\'');
      if (!state.Flush(sink)) return false;
      Append(state, pending[1]);
      break;
    default:
      break;  // a run (of spaces too: \s+(?!\S) takes it all at the end) is the word as it is
  }
  return state.Flush(sink);
}

void ByteLevelPreTokenizer::AddToFingerprint(Hasher& h) const {
  h.Str("pre_tokenizer:ByteLevel");
  h.Bool(add_prefix_space_);
  h.Bool(use_regex_);
}

std::unique_ptr<PreTokenizer> ParseByteLevelPreTokenizer(const json_util::Json& pre_tokenizer, const std::string& path) {
  using namespace json_util;
  ExpectObject(pre_tokenizer, path);
  const bool add_prefix_space = GetBool(pre_tokenizer, path, "add_prefix_space", true);
  GetBool(pre_tokenizer, path, "trim_offsets", true);  // offsets only; checked for its type
  const bool use_regex = GetBool(pre_tokenizer, path, "use_regex", true);
  return std::make_unique<ByteLevelPreTokenizer>(add_prefix_space, use_regex);
}

}  // namespace tp
