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
          path_.push_back(absl::StrCat("[", i++, "]"));
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
        // Keys point into the parser's buffer, which outlives this call.
        absl::flat_hash_set<std::string_view> seen;
        seen.reserve(o.size());
        for (simdjson::dom::key_value_pair kv : o) {
          if (kv.key.size() > limits_.max_string_bytes) return TooLong(kv.key.size());
          if (!seen.insert(kv.key).second) {
            // The API server's strict decoder rejects duplicate fields.
            return Error(absl::StrCat("duplicate field \"", absl::string_view(kv.key.data(), kv.key.size()), "\""));
          }
          path_.push_back(absl::StrCat(path_.empty() ? "" : ".", absl::string_view(kv.key.data(), kv.key.size())));
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
  absl::Status Error(absl::string_view what) {
    std::string path = absl::StrJoin(path_, "");
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
  std::vector<std::string> path_;
};

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
  if (err == simdjson::DEPTH_ERROR) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed JSON: nesting deeper than ", limits.max_depth, " levels (max_depth)"));
  }
  if (err == simdjson::NUMBER_ERROR) {
    // simdjson 3.0 rejects integers beyond 64 bits; no Gateway API field can
    // hold one (every integer field is int32 or int64).
    return absl::InvalidArgumentError(
        "malformed JSON: a number is out of range (integers must fit in 64 bits)");
  }
  if (err) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON: ", simdjson::error_message(err)));
  }
  Value out;
  Converter conv(limits);
  absl::Status s = conv.Convert(root, &out);
  if (!s.ok()) return s;
  return out;
}

}  // namespace gwapi::model
