// Helpers for reading tokenizer.json with nlohmann/json and clear errors: every error names the
// JSON path and what was found, e.g.
//   tokenizer.json: model.type "Unigram" is not supported (supported: WordPiece)
//   tokenizer.json: normalizer.lowercase must be a boolean, got string "yes"
#ifndef TP_TOKENIZER_JSON_UTIL_H_
#define TP_TOKENIZER_JSON_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tp {
namespace json_util {

using Json = nlohmann::json;

// Throws TokenizerError("tokenizer.json: <path> <message>").
[[noreturn]] void Fail(const std::string& path, const std::string& message);

// A short description of a value for messages: its type and, for scalars, the value
// (strings quoted and cut to 60 characters).
std::string Describe(const Json& value);
// s in double quotes, escaped, cut to 60 characters.
std::string Quoted(std::string_view s);

std::string Child(const std::string& path, std::string_view key);  // "a.b" (or "b" at the root)
std::string Index(const std::string& path, size_t i);              // "a[3]"
std::string Key(const std::string& path, std::string_view key);    // a["key"] (quoted, for maps)

// `value` (at `path`) must be an object.
void ExpectObject(const Json& value, const std::string& path);
void ExpectArray(const Json& value, const std::string& path);

// Member `key` of object `obj` at `path`: nullptr when absent (Find) or absent/null (FindNonNull).
const Json* Find(const Json& obj, std::string_view key);
const Json* FindNonNull(const Json& obj, std::string_view key);
// Member that must be present (and not null).
const Json& Require(const Json& obj, const std::string& path, std::string_view key);

bool AsBool(const Json& value, const std::string& path);
std::string AsString(const Json& value, const std::string& path);
// An integer in [min, max].
int64_t AsInt(const Json& value, const std::string& path, int64_t min, int64_t max);
// A token id: integer in [0, 2^31 - 1].
int32_t AsId(const Json& value, const std::string& path);

// Optional members with defaults (absent or null -> default).
bool GetBool(const Json& obj, const std::string& path, std::string_view key, bool def);
std::string GetString(const Json& obj, const std::string& path, std::string_view key, const std::string& def);

// The "type" member of a component object, required to be a string.
std::string TypeOf(const Json& obj, const std::string& path);
[[noreturn]] void Unsupported(const std::string& path, const std::string& value, const std::string& supported);

}  // namespace json_util
}  // namespace tp

#endif  // TP_TOKENIZER_JSON_UTIL_H_
