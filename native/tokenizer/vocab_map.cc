#include "vocab_map.h"

#include <stdexcept>

namespace tp {

void VocabMap::Place(const Slot& s, uint64_t h) {
  size_t i = static_cast<size_t>(h) & mask_;
  while (slots_[i].id >= 0) i = (i + 1) & mask_;
  slots_[i] = s;
}

void VocabMap::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  size_t capacity = old.empty() ? 64 : old.size() * 2;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const Slot& s : old) {
    if (s.id >= 0) Place(s, Hash(arena_.data() + s.offset, s.length));
  }
}

bool VocabMap::Insert(std::string_view key, int32_t id) {
  if (id < 0) throw std::invalid_argument("VocabMap: negative id");
  if (Find(key) >= 0) return false;
  if (arena_.size() + key.size() > 0xFFFFFFFFu) throw std::length_error("VocabMap: vocabulary too large");
  if ((size_ + 1) * 2 > slots_.size()) Grow();  // load factor <= 1/2
  Slot s;
  s.offset = static_cast<uint32_t>(arena_.size());
  s.length = static_cast<uint32_t>(key.size());
  const uint64_t h = Hash(key.data(), key.size());
  s.tag = static_cast<uint32_t>(h >> 32);
  s.id = id;
  arena_.append(key.data(), key.size());
  Place(s, h);
  ++size_;
  if (key.size() > max_key_length_) max_key_length_ = key.size();
  return true;
}

TokenTable::TokenTable(const VocabMap& vocab) {
  int32_t max_id = -1;
  size_t bytes = 0;
  vocab.ForEach([&](std::string_view key, int32_t id) {
    if (id > max_id) max_id = id;
    bytes += key.size();
  });
  arena_.reserve(bytes);
  // Dense when the ids leave few holes (the usual 0..n-1); a hash map for odd files with huge ids.
  const bool dense = max_id >= 0 && static_cast<size_t>(max_id) < 2 * vocab.size() + 1024;
  if (dense) dense_.assign(static_cast<size_t>(max_id) + 1, Span{0, 0});
  vocab.ForEach([&](std::string_view key, int32_t id) {
    Span span{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(key.size() + 1)};
    if (dense) {
      if (dense_[static_cast<size_t>(id)].length_plus_one != 0) return;
      dense_[static_cast<size_t>(id)] = span;
    } else if (!sparse_.emplace(id, span).second) {
      return;
    }
    arena_.append(key.data(), key.size());
  });
}

}  // namespace tp
