#include "lib/model/yaml.h"

#include <yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"

namespace gwapi::model {
namespace {



bool IsOneOf(absl::string_view s, std::initializer_list<absl::string_view> set) {
  for (absl::string_view c : set) {
    if (s == c) return true;
  }
  return false;
}

// Integer per YAML 1.1 as go-yaml v2 reads it: [-+]?(0b[01_]+|0[0-7_]+|
// 0x[0-9a-fA-F_]+|[1-9][0-9_]*|0). Underscores are ignored.
bool ParseYamlInt(absl::string_view s, int64_t* out) {
  std::string digits;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && s[1] == 'o') {
    base = 8;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  for (char c : s) {
    if (c == '_') continue;
    bool ok = (base == 2 && (c == '0' || c == '1')) || (base == 8 && c >= '0' && c <= '7') ||
              (base == 10 && absl::ascii_isdigit(c)) || (base == 16 && absl::ascii_isxdigit(c));
    if (!ok) return false;
    digits.push_back(c);
  }
  if (digits.empty()) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(digits.c_str(), &end, base);
  if (errno == ERANGE || *end != '\0') return false;
  if (negative) {
    if (v > static_cast<unsigned long long>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<unsigned long long>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// Float per YAML 1.1: [-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?, .inf, .nan.
bool ParseYamlFloat(absl::string_view s, double* out) {
  absl::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (IsOneOf(body, {".inf", ".Inf", ".INF"})) {
    *out = negative ? -HUGE_VAL : HUGE_VAL;
    return true;
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    *out = std::nan("");
    return true;
  }
  // Must look like a number: digits, one dot or an exponent.
  bool digit = false, dot_or_exp = false;
  std::string clean;
  for (char c : s) {
    if (c == '_') continue;
    if (absl::ascii_isdigit(c)) {
      digit = true;
    } else if (c == '.' || c == 'e' || c == 'E') {
      dot_or_exp = true;
    } else if (c != '-' && c != '+') {
      return false;
    }
    clean.push_back(c);
  }
  if (!digit || !dot_or_exp) return false;
  return absl::SimpleAtod(clean, out);
}

// Resolves a plain (unquoted, untagged) scalar.
Value ResolvePlain(absl::string_view s) {
  if (s.empty() || IsOneOf(s, {"~", "null", "Null", "NULL"})) return Value();
  if (IsOneOf(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    return Value::Bool(true);
  }
  if (IsOneOf(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return Value::Bool(false);
  }
  int64_t i;
  if (ParseYamlInt(s, &i)) return Value::Int(i);
  double d;
  if (ParseYamlFloat(s, &d)) return Value::Double(d);
  return Value::String(std::string(s));
}

// Owns a libyaml parser and the current event.
class EventReader {
 public:
  explicit EventReader(absl::string_view text) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~EventReader() {
    if (have_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  absl::Status Next() {
    if (have_event_) yaml_event_delete(&event_);
    have_event_ = false;
    if (!yaml_parser_parse(&parser_, &event_)) {
      std::string location = absl::StrCat("line ", parser_.problem_mark.line + 1, ", column ",
                                           parser_.problem_mark.column + 1);
      absl::Status s = absl::InvalidArgumentError(
          absl::StrCat("malformed YAML at ", location, ": ",
                       parser_.problem ? parser_.problem : "parse error",
                       parser_.context ? absl::StrCat(" ", parser_.context) : ""));
      SetLocation(s, location);
      return s;
    }
    have_event_ = true;
    return absl::OkStatus();
  }
  const yaml_event_t& event() const { return event_; }

 private:
  yaml_parser_t parser_;
  yaml_event_t event_;
  bool have_event_ = false;
};

class Builder {
 public:
  Builder(absl::string_view text, const DecodeLimits& limits) : reader_(text), limits_(limits) {}

  absl::StatusOr<std::vector<YamlDocument>> Run() {
    std::vector<YamlDocument> docs;
    for (;;) {
      if (absl::Status s = reader_.Next(); !s.ok()) return s;
      const yaml_event_t& e = reader_.event();
      if (e.type == YAML_STREAM_END_EVENT) break;
      if (e.type != YAML_DOCUMENT_START_EVENT) continue;
      int line = static_cast<int>(e.start_mark.line) + 1;
      anchors_.clear();
      if (absl::Status s = reader_.Next(); !s.ok()) return s;
      Value v;
      if (reader_.event().type != YAML_DOCUMENT_END_EVENT) {
        if (absl::Status s = Node(0, &v); !s.ok()) return s;
        if (absl::Status s = reader_.Next(); !s.ok()) return s;  // DOCUMENT_END
      }
      if (v.is_null()) continue;
      if (docs.size() >= limits_.max_objects) {
        return absl::InvalidArgumentError(absl::StrCat(
            "more than ", limits_.max_objects, " YAML documents (max_objects)"));
      }
      docs.push_back(YamlDocument{std::move(v), line});
    }
    return docs;
  }

 private:
  absl::Status Error(absl::string_view what) {
    const yaml_event_t& e = reader_.event();
    std::string location =
        absl::StrCat("line ", e.start_mark.line + 1, ", column ", e.start_mark.column + 1);
    std::string path = absl::StrJoin(path_, "");
    absl::Status s = absl::InvalidArgumentError(
        absl::StrCat(path.empty() ? "" : absl::StrCat(path, ": "), what, " (", location, ")"));
    SetLocation(s, location);
    return s;
  }

  absl::Status Remember(const yaml_char_t* anchor, const Value& v) {
    if (anchor != nullptr) anchors_[reinterpret_cast<const char*>(anchor)] = v;
    return absl::OkStatus();
  }

  // Reads the node whose first event is current into *out.
  absl::Status Node(size_t depth, Value* out) {
    const yaml_event_t& e = reader_.event();
    switch (e.type) {
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(reinterpret_cast<const char*>(e.data.alias.anchor));
        if (it == anchors_.end()) return Error("unknown alias");
        alias_nodes_ += it->second.CountNodes();
        if (alias_nodes_ > limits_.max_alias_nodes) {
          return Error(absl::StrCat("YAML aliases expand to more than ", limits_.max_alias_nodes,
                                    " nodes (max_alias_nodes)"));
        }
        *out = it->second;
        return absl::OkStatus();
      }
      case YAML_SCALAR_EVENT: {
        absl::string_view text(reinterpret_cast<const char*>(e.data.scalar.value),
                              e.data.scalar.length);
        if (text.size() > limits_.max_string_bytes) {
          return Error(absl::StrCat("string of ", text.size(), " bytes exceeds the limit of ",
                                    limits_.max_string_bytes, " bytes (max_string_bytes)"));
        }
        const char* tag = reinterpret_cast<const char*>(e.data.scalar.tag);
        if (tag != nullptr && absl::string_view(tag) == "tag:yaml.org,2002:str") {
          *out = Value::String(std::string(text));
        } else if (e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
          *out = ResolvePlain(text);
        } else {
          *out = Value::String(std::string(text));
        }
        return Remember(e.data.scalar.anchor, *out);
      }
      case YAML_SEQUENCE_START_EVENT: {
        if (depth >= limits_.max_depth) return DepthError();
        std::string anchor = AnchorOf(e.data.sequence_start.anchor);
        Value::Array arr;
        for (;;) {
          GWAPI_RETURN_IF_ERROR(reader_.Next());
          if (reader_.event().type == YAML_SEQUENCE_END_EVENT) break;
          path_.push_back(absl::StrCat("[", arr.size(), "]"));
          arr.emplace_back();
          absl::Status s = Node(depth + 1, &arr.back());
          path_.pop_back();
          if (!s.ok()) return s;
        }
        *out = Value::MakeArray(std::move(arr));
        if (!anchor.empty()) anchors_[anchor] = *out;
        return absl::OkStatus();
      }
      case YAML_MAPPING_START_EVENT: {
        if (depth >= limits_.max_depth) return DepthError();
        std::string anchor = AnchorOf(e.data.mapping_start.anchor);
        *out = Value::MakeObject();
        std::vector<Value> merges;
        for (;;) {
          GWAPI_RETURN_IF_ERROR(reader_.Next());
          if (reader_.event().type == YAML_MAPPING_END_EVENT) break;
          bool plain = reader_.event().type == YAML_SCALAR_EVENT &&
                       reader_.event().data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
          Value key;
          if (absl::Status s = Node(depth + 1, &key); !s.ok()) return s;
          std::string key_text;
          if (key.is_string()) {
            key_text = key.string_value();
          } else if (key.is_object() || key.is_array()) {
            return Error("mapping keys must be scalars");
          } else {
            key_text = key.ToJson();  // as sigs.k8s.io/yaml stringifies keys
          }
          GWAPI_RETURN_IF_ERROR(reader_.Next());
          path_.push_back(absl::StrCat(path_.empty() ? "" : ".", key_text));
          Value v;
          absl::Status s = Node(depth + 1, &v);
          path_.pop_back();
          if (!s.ok()) return s;
          if (plain && key_text == "<<") {
            merges.push_back(std::move(v));
            continue;
          }
          if (out->Find(key_text) != nullptr) {
            return Error(absl::StrCat("duplicate field \"", key_text, "\""));
          }
          out->mutable_object().emplace_back(std::move(key_text), std::move(v));
        }
        // Merge keys fill in what the mapping does not set itself.
        for (const Value& m : merges) {
          const Value::Array* list = m.is_array() ? &m.array() : nullptr;
          size_t n = list ? list->size() : 1;
          for (size_t i = 0; i < n; ++i) {
            const Value& src = list ? (*list)[i] : m;
            if (!src.is_object()) return Error("merge key (<<) value must be a mapping");
            for (const Value::Member& member : src.object()) {
              if (out->Find(member.first) == nullptr) out->Set(member.first, member.second);
            }
          }
        }
        if (!anchor.empty()) anchors_[anchor] = *out;
        return absl::OkStatus();
      }
      default:
        return Error("unexpected YAML event");
    }
  }

  static std::string AnchorOf(const yaml_char_t* a) {
    return a == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(a));
  }

  absl::Status DepthError() {
    return Error(absl::StrCat("nesting deeper than ", limits_.max_depth, " levels (max_depth)"));
  }

  EventReader reader_;
  const DecodeLimits& limits_;
  absl::flat_hash_map<std::string, Value> anchors_;
  size_t alias_nodes_ = 0;
  std::vector<std::string> path_;
};

}  // namespace

absl::StatusOr<std::vector<YamlDocument>> ParseYaml(absl::string_view text,
                                                    const DecodeLimits& limits) {
  if (text.size() > limits.max_input_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("input of ", text.size(), " bytes exceeds the limit of ",
                     limits.max_input_bytes, " bytes (max_input_bytes)"));
  }
  Builder builder(text, limits);
  return builder.Run();
}

}  // namespace gwapi::model
