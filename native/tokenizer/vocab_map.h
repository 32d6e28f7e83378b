// A hash map from token strings to ids that is looked up with std::string_view, without building
// strings: open addressing over one arena of key bytes. Built once, then read-only (safe to read
// from many threads).
#ifndef TP_TOKENIZER_VOCAB_MAP_H_
#define TP_TOKENIZER_VOCAB_MAP_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tp {

class VocabMap {
 public:
  // Inserts key -> id. Returns false (and changes nothing) if the key is already present.
  bool Insert(std::string_view key, int32_t id);
  // The id of key, or -1.
  int32_t Find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const uint64_t h = Hash(key.data(), key.size());
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    size_t i = static_cast<size_t>(h) & mask_;
    for (;;) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.tag == tag && s.length == key.size() &&
          (key.empty() || std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0)) {
        return s.id;
      }
      i = (i + 1) & mask_;
    }
  }
  size_t size() const { return size_; }
  // Longest key, in bytes.
  size_t max_key_length() const { return max_key_length_; }
  // Calls f(std::string_view key, int32_t id) for every entry, in no particular order.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.id >= 0) f(std::string_view(arena_.data() + s.offset, s.length), s.id);
    }
  }

  static uint64_t Hash(const char* p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (static_cast<uint64_t>(n) * 0xC2B2AE3D27D4EB4FULL);
    while (n >= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      h = (h ^ Mix(v)) * 0x9E3779B97F4A7C15ULL;
      p += 8;
      n -= 8;
    }
    if (n > 0) {
      uint64_t v = 0;
      std::memcpy(&v, p, n);
      h = (h ^ Mix(v)) * 0x9E3779B97F4A7C15ULL;
    }
    return Mix(h);
  }

 private:
  struct Slot {
    uint32_t offset = 0;
    uint32_t length = 0;
    uint32_t tag = 0;
    int32_t id = -1;  // -1: empty
  };
  static uint64_t Mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDULL;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ULL;
    x ^= x >> 33;
    return x;
  }
  void Grow();
  void Place(const Slot& s, uint64_t h);

  std::string arena_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  size_t max_key_length_ = 0;
};

// The reverse of a VocabMap, id -> token, for decoding (Hugging Face's vocab_r). A copy of the
// keys; built once, then read-only. When two tokens share an id, one of them is kept.
class TokenTable {
 public:
  TokenTable() = default;
  explicit TokenTable(const VocabMap& vocab);
  bool Find(int32_t id, std::string_view* token) const {
    if (id < 0) return false;
    Span span{0, 0};
    if (!dense_.empty()) {
      if (static_cast<size_t>(id) >= dense_.size()) return false;
      span = dense_[static_cast<size_t>(id)];
    } else {
      auto it = sparse_.find(id);
      if (it == sparse_.end()) return false;
      span = it->second;
    }
    if (span.length_plus_one == 0) return false;
    *token = std::string_view(arena_.data() + span.offset, span.length_plus_one - 1);
    return true;
  }

 private:
  struct Span {
    uint32_t offset;
    uint32_t length_plus_one;  // 0: no token
  };
  std::string arena_;
  std::vector<Span> dense_;  // by id, when ids are dense enough
  std::unordered_map<int32_t, Span> sparse_;
};

}  // namespace tp

#endif  // TP_TOKENIZER_VOCAB_MAP_H_
