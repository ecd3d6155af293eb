#include "lib/model/json.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "simdjson.h"

namespace gwapi::model {
namespace {

// Converts the DOM into a Value, tracking the field path for error messages.
class Converter {
 public:
  explicit Converter(const DecodeLimits& limits) : limits_(limits) {}

  absl::Status Convert(simdjson::dom::element e, Value* out) {
    using simdjson::dom::element_type;
    switch (e.type()) {
      case element_type::NULL_VALUE:
        *out = Value();
        return absl::OkStatus();
      case element_type::BOOL:
        *out = Value::Bool(e.get_bool().value_unsafe());
        return absl::OkStatus();
      case element_type::INT64:
        *out = Value::Int(e.get_int64().value_unsafe());
        return absl::OkStatus();
      case element_type::UINT64:
        // Beyond int64: JSON numbers are doubles to the API server too.
        *out = Value::Double(static_cast<double>(e.get_uint64().value_unsafe()));
        return absl::OkStatus();
      case element_type::DOUBLE:
        *out = Value::Double(e.get_double().value_unsafe());
        return absl::OkStatus();
      case element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        if (s.size() > limits_.max_string_bytes) return TooLong(s.size());
        *out = Value::String(std::string(s));
        return absl::OkStatus();
      }
      case element_type::ARRAY: {
        simdjson::dom::array a = e.get_array().value_unsafe();
        Value::Array arr;
        arr.reserve(a.size());
        size_t i = 0;
        for (simdjson::dom::element child : a) {
          path_.push_back(PathStep{{}, i++});
          arr.emplace_back();
          absl::Status s = Convert(child, &arr.back());
          path_.pop_back();
          if (!s.ok()) return s;
        }
        *out = Value::MakeArray(std::move(arr));
        return absl::OkStatus();
      }
      case element_type::OBJECT: {
        simdjson::dom::object o = e.get_object().value_unsafe();
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
          if (key.size() > limits_.max_string_bytes) return TooLong(key.size());
          bool duplicate = false;
          if (large) {
            duplicate = !seen.insert(kv.key).second;
          } else {
            for (const Value::Member& m : obj) duplicate |= m.first == key;
          }
          if (duplicate) return Error(absl::StrCat("duplicate field \"", key, "\""));
          path_.push_back(PathStep{key, 0});
          obj.emplace_back(std::string(kv.key), Value());
          absl::Status s = Convert(kv.value, &obj.back().second);
          path_.pop_back();
          if (!s.ok()) return s;
        }
        *out = Value::MakeObject(std::move(obj));
        return absl::OkStatus();
      }
    }
    return Error("unknown JSON element");
  }

 private:
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

  const DecodeLimits& limits_;
  std::vector<PathStep> path_;
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

}  // namespace

absl::StatusOr<Value> ParseJson(absl::string_view text, const DecodeLimits& limits) {
  if (text.size() > limits.max_input_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("input of ", text.size(), " bytes exceeds the limit of ",
                     limits.max_input_bytes, " bytes (max_input_bytes)"));
  }
  simdjson::dom::parser parser;
  if (auto err = parser.allocate(text.size(), limits.max_depth); err) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate JSON parser: ", simdjson::error_message(err)));
  }
  simdjson::dom::element root;
  auto err = parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(root);
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
    return s;
  }
  Value out;
  Converter conv(limits);
  absl::Status s = conv.Convert(root, &out);
  if (!s.ok()) return s;
  return out;
}

}  // namespace gwapi::model
