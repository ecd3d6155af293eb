#include "lib/model/value.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace gwapi::model {

namespace {

// Member key equality, lengths first: most keys of an object differ in
// length, so most members are passed over without a call to memcmp
// (Value::Find runs for every ObjectMeta and validator lookup in
// BM_DecodeValidate_JsonList).
inline bool SameKey(const std::string& k, absl::string_view key) {
  return k.size() == key.size() &&
         (key.empty() || std::memcmp(k.data(), key.data(), key.size()) == 0);
}

}  // namespace

const Value* Value::Find(absl::string_view key) const {
  if (!is_object()) return nullptr;
  for (const Member& m : object()) {
    if (SameKey(m.first, key)) return &m.second;
  }
  return nullptr;
}

Value* Value::FindMutable(absl::string_view key) {
  if (!is_object()) return nullptr;
  for (Member& m : mutable_object()) {
    if (SameKey(m.first, key)) return &m.second;
  }
  return nullptr;
}

const Value* Value::FindPath(std::initializer_list<absl::string_view> keys) const {
  const Value* v = this;
  for (absl::string_view k : keys) {
    v = v->Find(k);
    if (v == nullptr) return nullptr;
  }
  return v;
}

absl::string_view Value::GetString(absl::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr || !v->is_string()) return {};
  return v->string_value();
}

Value& Value::Set(std::string key, Value v) {
  if (Value* existing = FindMutable(key)) {
    *existing = std::move(v);
    return *existing;
  }
  Object& o = mutable_object();
  o.emplace_back(std::move(key), std::move(v));
  return o.back().second;
}

bool Value::Erase(absl::string_view key) {
  if (!is_object()) return false;
  Object& o = mutable_object();
  for (auto it = o.begin(); it != o.end(); ++it) {
    if (SameKey(it->first, key)) {
      o.erase(it);
      return true;
    }
  }
  return false;
}

size_t Value::size() const {
  switch (type()) {
    case Type::kString:
      return string_value().size();
    case Type::kArray:
      return array().size();
    case Type::kObject:
      return object().size();
    default:
      return 0;
  }
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.int_value() == b.int_value();
    return a.number_value() == b.number_value();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::kNull:
      return true;
    case Value::Type::kBool:
      return a.bool_value() == b.bool_value();
    case Value::Type::kString:
      return a.string_value() == b.string_value();
    case Value::Type::kArray:
      return a.array() == b.array();
    case Value::Type::kObject: {
      if (a.object().size() != b.object().size()) return false;
      for (const Value::Member& m : a.object()) {
        const Value* other = b.Find(m.first);
        if (other == nullptr || !(*other == m.second)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  // Runs that need no escaping are appended whole: a push_back per byte was
  // most of rendering status JSON (bench/status_bench.cc).
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u != '"' && u != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    char c = s[i];
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {  // the other control characters
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned char>(c));
        out->append(buf);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void Value::AppendJson(std::string* out) const {
  switch (type()) {
    case Type::kNull:
      out->append("null");
      break;
    case Type::kBool:
      out->append(bool_value() ? "true" : "false");
      break;
    case Type::kInt:
      absl::StrAppend(out, int_value());
      break;
    case Type::kDouble: {
      double d = double_value();
      if (!std::isfinite(d)) {
        out->append("null");  // JSON has no Inf/NaN
      } else {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.17g", d);
        out->append(buf);
      }
      break;
    }
    case Type::kString:
      AppendJsonString(string_value(), out);
      break;
    case Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Value& v : array()) {
        if (!first) out->push_back(',');
        first = false;
        v.AppendJson(out);
      }
      out->push_back(']');
      break;
    }
    case Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const Member& m : object()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(m.first, out);
        out->push_back(':');
        m.second.AppendJson(out);
      }
      out->push_back('}');
      break;
    }
  }
}

std::string Value::ToJson() const {
  std::string out;
  AppendJson(&out);
  return out;
}

size_t Value::CountNodes() const {
  size_t n = 1;
  if (is_array()) {
    for (const Value& v : array()) n += v.CountNodes();
  } else if (is_object()) {
    for (const Member& m : object()) n += m.second.CountNodes();
  }
  return n;
}

}  // namespace gwapi::model
