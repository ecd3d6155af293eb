#include "lib/model/yaml.h"

#include <yaml.h>

#include <cerrno>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
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

// strconv.ParseInt/ParseUint(s, 0, 64) as Go defines them: optional sign,
// prefix 0x/0X, 0o/0O, 0b/0B or a bare leading 0 (octal), digits of that base.
// Sets *is_int for values in int64, else *u for values in uint64 only.
bool ParseGoInteger(absl::string_view s, int64_t* i, double* u, bool* is_int) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    base = 8;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  unsigned __int128 v = 0;
  for (char c : s) {
    int d;
    if (absl::ascii_isdigit(c)) {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
    v = v * base + d;
    if (v > static_cast<unsigned __int128>(UINT64_MAX)) return false;
  }
  if (negative) {
    if (v > static_cast<unsigned __int128>(INT64_MAX) + 1) return false;
    *i = static_cast<int64_t>(0 - static_cast<uint64_t>(v));
    *is_int = true;
  } else if (v <= static_cast<unsigned __int128>(INT64_MAX)) {
    *i = static_cast<int64_t>(v);
    *is_int = true;
  } else {
    *u = static_cast<double>(static_cast<uint64_t>(v));
    *is_int = false;
  }
  return true;
}

// go-yaml v2's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool IsYamlStyleFloat(absl::string_view s) {
  size_t i = 0;
  auto digits = [&]() {
    size_t start = i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  } else {
    if (!digits()) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// Resolves a plain (unquoted, untagged) scalar as go-yaml v2's resolve()
// does: a fixed table of words, then — only for scalars starting with a
// digit, sign or dot — int64, uint64 and float, underscores ignored.
// Timestamps stay strings, as sigs.k8s.io/yaml turns them back into text.
Value ResolvePlain(absl::string_view s) {
  if (s.empty() || IsOneOf(s, {"~", "null", "Null", "NULL"})) return Value();
  if (IsOneOf(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    return Value::Bool(true);
  }
  if (IsOneOf(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return Value::Bool(false);
  }
  if (IsOneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return Value::Double(HUGE_VAL);
  }
  if (IsOneOf(s, {"-.inf", "-.Inf", "-.INF"})) return Value::Double(-HUGE_VAL);
  if (IsOneOf(s, {".nan", ".NaN", ".NAN"})) return Value::Double(std::nan(""));
  char c = s[0];
  if (c == '.') {
    double d;
    if (IsYamlStyleFloat(s) && absl::SimpleAtod(s, &d)) return Value::Double(d);
    return Value::String(std::string(s));
  }
  if (!absl::ascii_isdigit(c) && c != '-' && c != '+') return Value::String(std::string(s));
  std::string plain;
  plain.reserve(s.size());
  for (char ch : s) {
    if (ch != '_') plain.push_back(ch);
  }
  int64_t i;
  double u;
  bool is_int;
  if (ParseGoInteger(plain, &i, &u, &is_int)) return is_int ? Value::Int(i) : Value::Double(u);
  double d;
  if (IsYamlStyleFloat(plain) && absl::SimpleAtod(plain, &d)) return Value::Double(d);
  return Value::String(std::string(s));
}

// How sigs.k8s.io/yaml turns a non-string mapping key into a JSON key.
std::string KeyText(const Value& key) {
  if (key.is_double()) {
    double d = key.double_value();
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    // strconv.FormatFloat(d, 'g', -1, 32): the shortest text that reads
    // back as the same float32.
    float f = static_cast<float>(d);
    char buf[64];
    int prec = 1;
    for (; prec < 9; ++prec) {
      std::snprintf(buf, sizeof(buf), "%.*e", prec - 1, static_cast<double>(f));
      if (std::strtof(buf, nullptr) == f) break;
    }
    int exp = 0;
    if (const char* e = std::strchr(buf, 'e')) exp = std::atoi(e + 1);
    // Go's 'g' with the shortest precision switches to %e at exponent 6.
    if (exp < -4 || exp >= 6) {
      std::snprintf(buf, sizeof(buf), "%.*e", prec - 1, static_cast<double>(f));
    } else {
      std::snprintf(buf, sizeof(buf), "%.*f", std::max(prec - 1 - exp, 0), static_cast<double>(f));
    }
    return buf;
  }
  return key.ToJson();  // ints, booleans, null
}

// The depth of a value's tree: 0 for a scalar.
size_t Depth(const Value& v) {
  size_t d = 0;
  if (v.is_array()) {
    for (const Value& e : v.array()) d = std::max(d, Depth(e));
    return d + 1;
  }
  if (v.is_object()) {
    for (const Value::Member& m : v.object()) d = std::max(d, Depth(m.second));
    return d + 1;
  }
  return 0;
}

// Owns a libyaml parser and the current event.
class EventReader {
 public:
  explicit EventReader(absl::string_view text) : text_(text) {
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
      size_t line = parser_.problem_mark.line + 1, column = parser_.problem_mark.column + 1;
      if (parser_.error == YAML_READER_ERROR) {
        // Encoding errors carry a byte offset, not a mark.
        line = 1;
        column = 1;
        for (size_t i = 0; i < parser_.problem_offset && i < text_.size(); ++i) {
          if (text_[i] == '\n') {
            ++line;
            column = 1;
          } else {
            ++column;
          }
        }
      }
      std::string location = absl::StrCat("line ", line, ", column ", column);
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
  absl::string_view text_;
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
    std::string path;
    for (const PathStep& step : path_) {
      if (step.key.data() == nullptr) {
        absl::StrAppend(&path, "[", step.index, "]");
      } else {
        absl::StrAppend(&path, path.empty() ? "" : ".", step.key);
      }
    }
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
        if (depth + Depth(it->second) > limits_.max_depth) return DepthError();
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
          path_.push_back(PathStep{{}, arr.size()});
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
        absl::flat_hash_set<std::string> seen;
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
            key_text = KeyText(key);
          }
          GWAPI_RETURN_IF_ERROR(reader_.Next());
          path_.push_back(PathStep{key_text, 0});
          Value v;
          absl::Status s = Node(depth + 1, &v);
          path_.pop_back();
          if (!s.ok()) return s;
          if (plain && key_text == "<<") {
            merges.push_back(std::move(v));
            continue;
          }
          if (!seen.insert(key_text).second) {
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
  // The path to the node being read: a key, or (empty key) an array index.
  // Rendered only when there is an error.
  struct PathStep {
    absl::string_view key;
    size_t index;
  };
  std::vector<PathStep> path_;
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
