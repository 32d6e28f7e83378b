#include "json_util.h"

#include "tokenizer.h"
#include "utf8.h"

namespace tp {
namespace json_util {

void Fail(const std::string& path, const std::string& message) {
  throw TokenizerError("tokenizer.json: " + (path.empty() ? std::string("(root)") : path) + " " + message);
}

namespace {
std::string Quote(std::string_view s, size_t max_chars) {
  std::string out = "\"";
  size_t chars = 0;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    if (chars == max_chars) {
      out += "...";
      break;
    }
    const char* start = p;
    char32_t c = utf8::Decode(p, end);
    if (c < 0x20 || c == '"' || c == '\\') {
      static const char* kHex = "0123456789abcdef";
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
      }
    } else {
      out.append(start, static_cast<size_t>(p - start));
    }
    ++chars;
  }
  out += "\"";
  return out;
}
}  // namespace

std::string Quoted(std::string_view s) { return Quote(s, 60); }

std::string Describe(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return value.get<bool>() ? "boolean true" : "boolean false";
    case Json::value_t::string: return "string " + Quote(value.get_ref<const std::string&>(), 60);
    case Json::value_t::number_integer: return "number " + std::to_string(value.get<int64_t>());
    case Json::value_t::number_unsigned: return "number " + std::to_string(value.get<uint64_t>());
    case Json::value_t::number_float: return "number " + value.dump();
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    default: return "a value of unexpected type";
  }
}

std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string Index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }
std::string Key(const std::string& path, std::string_view key) { return path + "[" + Quote(key, 60) + "]"; }

void ExpectObject(const Json& value, const std::string& path) {
  if (!value.is_object()) Fail(path, "must be an object, got " + Describe(value));
}
void ExpectArray(const Json& value, const std::string& path) {
  if (!value.is_array()) Fail(path, "must be an array, got " + Describe(value));
}

const Json* Find(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  return it == obj.end() ? nullptr : &*it;
}
const Json* FindNonNull(const Json& obj, std::string_view key) {
  const Json* v = Find(obj, key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}
const Json& Require(const Json& obj, const std::string& path, std::string_view key) {
  ExpectObject(obj, path);
  const Json* v = Find(obj, key);
  if (v == nullptr) Fail(Child(path, key), "is missing");
  if (v->is_null()) Fail(Child(path, key), "must not be null");
  return *v;
}

bool AsBool(const Json& value, const std::string& path) {
  if (!value.is_boolean()) Fail(path, "must be a boolean, got " + Describe(value));
  return value.get<bool>();
}
std::string AsString(const Json& value, const std::string& path) {
  if (!value.is_string()) Fail(path, "must be a string, got " + Describe(value));
  return value.get<std::string>();
}
int64_t AsInt(const Json& value, const std::string& path, int64_t min, int64_t max) {
  bool ok = false;
  int64_t v = 0;
  if (value.is_number_unsigned()) {
    uint64_t u = value.get<uint64_t>();
    ok = u <= static_cast<uint64_t>(max);
    v = static_cast<int64_t>(u);
  } else if (value.is_number_integer()) {
    v = value.get<int64_t>();
    ok = true;
  }
  if (!ok || v < min || v > max) {
    Fail(path, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                   Describe(value));
  }
  return v;
}
int32_t AsId(const Json& value, const std::string& path) {
  return static_cast<int32_t>(AsInt(value, path, 0, 2147483647));
}

bool GetBool(const Json& obj, const std::string& path, std::string_view key, bool def) {
  const Json* v = FindNonNull(obj, key);
  return v ? AsBool(*v, Child(path, key)) : def;
}
std::string GetString(const Json& obj, const std::string& path, std::string_view key, const std::string& def) {
  const Json* v = FindNonNull(obj, key);
  return v ? AsString(*v, Child(path, key)) : def;
}

std::string TypeOf(const Json& obj, const std::string& path) {
  ExpectObject(obj, path);
  return AsString(Require(obj, path, "type"), Child(path, "type"));
}

void Unsupported(const std::string& path, const std::string& value, const std::string& supported) {
  Fail(path, Quote(value, 60) + " is not supported (supported: " + supported + ")");
}

}  // namespace json_util
}  // namespace tp
