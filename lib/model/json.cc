#include "lib/model/json.h"

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "simdjson.h"

namespace gwapi::model {
namespace {

// Converts the DOM into a Value, tracking the field path for error messages.
class Converter {
 public:
  Converter(const DecodeLimits& limits, const JsonParseOptions& options)
      : limits_(limits), options_(options) {}

  // Where DecodeObjects finds the objects it hands to validation: the root
  // object, the elements of the root array, the items of such a *List.
  enum class Place : uint8_t { kValue, kDocument, kDocumentArray };

  // The Value of `e`; on an error, null with the error in status(). Built
  // in place (returned, never assigned): assigning into a default Value was
  // a variant reset and move per node (BM_Decode_JsonToValue).
  Value Convert(simdjson::dom::element e, Place place = Place::kValue) {
    using simdjson::dom::element_type;
    switch (e.type()) {
      case element_type::NULL_VALUE:
        return Value();
      case element_type::BOOL:
        return Value::Bool(e.get_bool().value_unsafe());
      case element_type::INT64:
        return Value::Int(e.get_int64().value_unsafe());
      case element_type::UINT64:
        // Beyond int64: JSON numbers are doubles to the API server too.
        return Value::Double(static_cast<double>(e.get_uint64().value_unsafe()));
      case element_type::DOUBLE:
        return Value::Double(e.get_double().value_unsafe());
      case element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        if (s.size() > limits_.max_string_bytes) return Fail(TooLong(s.size()));
        return Value::String(std::string(s));
      }
      case element_type::ARRAY: {
        simdjson::dom::array a = e.get_array().value_unsafe();
        Value::Array arr;
        arr.reserve(a.size());
        size_t i = 0;
        const Place children = place == Place::kDocumentArray ? Place::kDocument : Place::kValue;
        for (simdjson::dom::element child : a) {
          path_.push_back(PathStep{{}, i++});
          arr.push_back(Convert(child, children));
          path_.pop_back();
          if (!status_.ok()) return Value();
        }
        return Value::MakeArray(std::move(arr));
      }
      case element_type::OBJECT: {
        simdjson::dom::object o = e.get_object().value_unsafe();
        // Which member to leave out, and whether `items` holds documents.
        bool skip_status = false, list = false;
        if (place == Place::kDocument && options_.skip_top_level_status) {
          list = IsList(o);
          skip_status = !list;
        }
        bool skipped = false;  // a `status` member was skipped (duplicate check)
        Value::Object obj;
        obj.reserve(o.size());
        // The API server's strict decoder rejects duplicate fields. Small
        // objects (nearly all) are checked by a scan, large ones by a set
        // whose keys point into the parser's buffer.
        absl::flat_hash_set<std::string_view> seen;
        bool large = o.size() > kLinearScanMax;
        if (large) seen.reserve(o.size());
        for (simdjson::dom::key_value_pair kv : o) {
          absl::string_view key(kv.key.data(), kv.key.size());
          if (key.size() > limits_.max_string_bytes) return Fail(TooLong(key.size()));
          const bool is_skipped = skip_status && key == "status";
          bool duplicate = false;
          if (large) {
            duplicate = !seen.insert(kv.key).second;
          } else {
            // Sizes first: most keys differ in length.
            for (const Value::Member& m : obj) {
              duplicate |= m.first.size() == key.size() && m.first == key;
            }
            duplicate |= is_skipped && skipped;
          }
          if (duplicate) return Fail(Error(absl::StrCat("duplicate field \"", key, "\"")));
          path_.push_back(PathStep{key, 0});
          if (is_skipped) {
            skipped = true;
            absl::Status s = Check(kv.value);
            if (!s.ok()) return Fail(std::move(s));
          } else {
            obj.emplace_back(std::piecewise_construct,
                             std::forward_as_tuple(kv.key.data(), kv.key.size()),
                             std::forward_as_tuple(Convert(
                                 kv.value, list && key == "items" ? Place::kDocumentArray
                                                                  : Place::kValue)));
          }
          path_.pop_back();
          if (!status_.ok()) return Value();
        }
        return Value::MakeObject(std::move(obj));
      }
    }
    return Fail(Error("unknown JSON element"));
  }

  // The first error Convert met, else OK.
  const absl::Status& status() const { return status_; }

 private:
  // DecodeObjects' (decode.cc IsList) test on the DOM: a kind ending in
  // "List" and an `items` array or null.
  static bool IsList(simdjson::dom::object o) {
    std::string_view kind;
    if (o.at_key("kind").get_string().get(kind) != simdjson::SUCCESS) return false;
    if (!absl::EndsWith(absl::string_view(kind.data(), kind.size()), "List")) return false;
    simdjson::dom::element items;
    if (o.at_key("items").get(items) != simdjson::SUCCESS) return false;
    return items.is_array() || items.is_null();
  }

  // The checks Convert makes (string lengths, duplicate fields), without
  // building anything: for a skipped `status`.
  absl::Status Check(simdjson::dom::element e) {
    using simdjson::dom::element_type;
    switch (e.type()) {
      case element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        if (s.size() > limits_.max_string_bytes) return TooLong(s.size());
        return absl::OkStatus();
      }
      case element_type::ARRAY: {
        // Held in a local: value_unsafe() refers into its simdjson_result.
        simdjson::dom::array a = e.get_array().value_unsafe();
        size_t i = 0;
        for (simdjson::dom::element child : a) {
          path_.push_back(PathStep{{}, i++});
          absl::Status s = Check(child);
          path_.pop_back();
          if (!s.ok()) return s;
        }
        return absl::OkStatus();
      }
      case element_type::OBJECT: {
        simdjson::dom::object o = e.get_object().value_unsafe();
        absl::flat_hash_set<std::string_view> seen;
        seen.reserve(o.size());
        for (simdjson::dom::key_value_pair kv : o) {
          absl::string_view key(kv.key.data(), kv.key.size());
          if (key.size() > limits_.max_string_bytes) return TooLong(key.size());
          if (!seen.insert(kv.key).second) {
            return Error(absl::StrCat("duplicate field \"", key, "\""));
          }
          path_.push_back(PathStep{key, 0});
          absl::Status s = Check(kv.value);
          path_.pop_back();
          if (!s.ok()) return s;
        }
        return absl::OkStatus();
      }
      default:
        return absl::OkStatus();
    }
  }

  // One step of the path to the value being converted: a key, or (when the
  // key is empty) an array index. Rendered only when there is an error.
  struct PathStep {
    absl::string_view key;
    size_t index;
  };
  static constexpr size_t kLinearScanMax = 16;

  absl::Status Error(absl::string_view what) {
    std::string path;
    for (const PathStep& step : path_) {
      if (step.key.data() == nullptr) {
        absl::StrAppend(&path, "[", step.index, "]");
      } else {
        absl::StrAppend(&path, path.empty() ? "" : ".", step.key);
      }
    }
    absl::Status s = absl::InvalidArgumentError(
        path.empty() ? std::string(what) : absl::StrCat(path, ": ", what));
    SetLocation(s, path);
    return s;
  }
  absl::Status TooLong(size_t n) {
    return Error(absl::StrCat("string of ", n, " bytes exceeds the limit of ",
                              limits_.max_string_bytes, " bytes (max_string_bytes)"));
  }

  Value Fail(absl::Status s) {
    status_ = std::move(s);
    return Value();
  }

  const DecodeLimits& limits_;
  const JsonParseOptions& options_;
  std::vector<PathStep> path_;
  absl::Status status_;
};

// simdjson's DOM reports what went wrong but not where. On that (rare) path
// this small scanner walks the text again and returns the byte offset of the
// first syntax error, nesting excess or over-long integer.
size_t FindJsonErrorOffset(absl::string_view t, size_t max_depth) {
  enum class Want { kValue, kKey, kColon, kAfter };
  std::vector<char> stack;  // open containers, '{' or '['
  Want want = Want::kValue;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
  };
  auto skip_string = [&]() -> bool {  // at '"'; false if unterminated or bad
    for (++i; i < t.size(); ++i) {
      if (t[i] == '"') {
        ++i;
        return true;
      }
      if (static_cast<unsigned char>(t[i]) < 0x20) return false;
      if (t[i] == '\\') ++i;
    }
    return false;
  };
  for (;;) {
    skip_ws();
    if (i >= t.size()) return i;
    char c = t[i];
    switch (want) {
      case Want::kKey:
        if (c != '"' || !skip_string()) return i;
        want = Want::kColon;
        continue;
      case Want::kColon:
        if (c != ':') return i;
        ++i;
        want = Want::kValue;
        continue;
      case Want::kValue:
        if (c == '{' || c == '[') {
          if (stack.size() + 1 > max_depth) return i;
          stack.push_back(c);
          ++i;
          skip_ws();
          if (i < t.size() && t[i] == (c == '{' ? '}' : ']')) {
            stack.pop_back();
            ++i;
            want = Want::kAfter;
          } else {
            want = c == '{' ? Want::kKey : Want::kValue;
          }
        } else if (c == '"') {
          if (!skip_string()) return i;
          want = Want::kAfter;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
          size_t start = i, digits = 0;
          bool integer = true;
          if (t[i] == '-') ++i;
          for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) ++digits;
          for (; i < t.size() && (t[i] == '.' || t[i] == 'e' || t[i] == 'E' || t[i] == '+' ||
                                  t[i] == '-' || (t[i] >= '0' && t[i] <= '9'));
               ++i) {
            integer = false;
          }
          if (digits == 0 || (integer && digits > 19)) return start;
          want = Want::kAfter;
        } else if (t.substr(i, 4) == "true" || t.substr(i, 4) == "null") {
          i += 4;
          want = Want::kAfter;
        } else if (t.substr(i, 5) == "false") {
          i += 5;
          want = Want::kAfter;
        } else {
          return i;
        }
        continue;
      case Want::kAfter:
        break;
    }
    // After a value (or at the end of the top level).
    if (stack.empty()) return i;  // trailing content
    if (c == ',') {
      ++i;
      want = stack.back() == '{' ? Want::kKey : Want::kValue;
    } else if (c == (stack.back() == '{' ? '}' : ']')) {
      stack.pop_back();
      ++i;
      want = Want::kAfter;
    } else {
      return i;
    }
  }
}

std::string LineColumn(absl::string_view t, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < t.size(); ++i) {
    if (t[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::StrCat("line ", line, ", column ", column);
}

// This thread's parser, with room for `size` bytes at `max_depth`; null
// (and *error set) when it cannot be allocated. Reused across calls: a fresh
// parser's pages fault on every call (≈ 6 % of BM_DecodeValidate_JsonList,
// docs/PERFORMANCE.md), which BM_Simdjson_RawParse, reusing one, never pays.
thread_local std::unique_ptr<simdjson::dom::parser> thread_parser;

// Parsers for inputs larger than this are not kept between calls, so a
// thread never holds more than ~15x this (~1 GiB) after one huge input.
constexpr size_t kRetainMaxBytes = size_t{64} << 20;

simdjson::dom::parser* ThreadParser(size_t size, size_t max_depth, absl::Status* error) {
  // Released when this much larger than needed (and above kKeepBytes).
  constexpr size_t kShrinkFactor = 8;
  constexpr size_t kKeepBytes = size_t{1} << 20;
  std::unique_ptr<simdjson::dom::parser>& parser = thread_parser;
  if (parser != nullptr && parser->capacity() > kKeepBytes &&
      parser->capacity() / kShrinkFactor > size) {
    parser.reset();
  }
  if (parser == nullptr) parser = std::make_unique<simdjson::dom::parser>();
  if (parser->capacity() < size || parser->max_depth() != max_depth) {
    if (auto err = parser->allocate(std::max(size, parser->capacity()), max_depth); err) {
      parser.reset();
      *error = absl::ResourceExhaustedError(
          absl::StrCat("cannot allocate JSON parser: ", simdjson::error_message(err)));
      return nullptr;
    }
  }
  return parser.get();
}

}  // namespace

absl::StatusOr<Value> ParseJson(absl::string_view text, const DecodeLimits& limits,
                                const JsonParseOptions& options) {
  if (text.size() > limits.max_input_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("input of ", text.size(), " bytes exceeds the limit of ",
                     limits.max_input_bytes, " bytes (max_input_bytes)"));
  }
  absl::Status alloc_error;
  simdjson::dom::parser* parser = ThreadParser(text.size(), limits.max_depth, &alloc_error);
  if (parser == nullptr) return alloc_error;
  simdjson::dom::element root;
  // simdjson reads up to SIMDJSON_PADDING bytes past its input, so the input
  // is always copied into the parser's padded buffer: the caller's buffer is
  // never read past its end (about 2% of BM_DecodeValidate_JsonList).
  auto err = parser->parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(root);
  if (err) {
    std::string what;
    if (err == simdjson::DEPTH_ERROR) {
      what = absl::StrCat("nesting deeper than ", limits.max_depth, " levels (max_depth)");
    } else if (err == simdjson::NUMBER_ERROR) {
      // simdjson 3.0 rejects integers beyond 64 bits; no Gateway API field
      // can hold one (every integer field is int32 or int64).
      what = "a number is out of range (integers must fit in 64 bits)";
    } else {
      what = simdjson::error_message(err);
    }
    std::string location = LineColumn(text, FindJsonErrorOffset(text, limits.max_depth));
    absl::Status s =
        absl::InvalidArgumentError(absl::StrCat("malformed JSON at ", location, ": ", what));
    SetLocation(s, location);
    if (parser->capacity() > kRetainMaxBytes) thread_parser.reset();
    return s;
  }
  Converter conv(limits, options);
  Value out = conv.Convert(root, root.is_array() ? Converter::Place::kDocumentArray
                                                 : Converter::Place::kDocument);
  if (parser->capacity() > kRetainMaxBytes) thread_parser.reset();
  if (!conv.status().ok()) return conv.status();
  return out;
}

}  // namespace gwapi::model
