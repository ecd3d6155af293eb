// Defaulting and validation walks over a compiled schema (schema.h), in the
// order the API server runs them for a custom resource: prune unknown
// fields, apply defaults, drop null fields that are neither nullable nor
// defaulted, then ObjectMeta, the OpenAPI checks, list-type uniqueness and,
// when nothing blocking was found, the CEL rules.
#include "lib/validate/validator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/base/status_macros.h"
#include "lib/model/json.h"
#include "lib/model/kinds.h"
#include "lib/validate/formats.h"
#include "lib/validate/object_meta.h"
#include "lib/validate/schema.h"
#include "lib/validate/schema_data.h"

namespace gwapi::validate {

std::string FieldError::ToString() const {
  std::string out = absl::StrCat(field, ": ", type);
  if (!value.empty()) absl::StrAppend(&out, ": ", value);
  if (!detail.empty()) absl::StrAppend(&out, ": ", detail);
  return out;
}

namespace internal {
namespace {

constexpr absl::string_view kRequired = "Required value";
constexpr absl::string_view kInvalid = "Invalid value";
constexpr absl::string_view kUnsupported = "Unsupported value";
constexpr absl::string_view kTooLong = "Too long";
constexpr absl::string_view kTooMany = "Too many";
constexpr absl::string_view kDuplicate = "Duplicate value";
constexpr absl::string_view kForbidden = "Forbidden";

// Doubles that are JSON integers, as go-openapi's IsFloat64AJSONInteger.
constexpr double kMaxJsonInteger = 9007199254740992.0;  // 2^53

std::string Json(const model::Value& v) { return v.ToJson(); }

std::string JsonString(absl::string_view s) {
  std::string out;
  model::AppendJsonString(s, &out);
  return out;
}

// The JSON type of a value, as kube-openapi names it in type errors.
absl::string_view TypeOf(const model::Value& v) {
  switch (v.type()) {
    case model::Value::Type::kNull:
      return "null";
    case model::Value::Type::kBool:
      return "boolean";
    case model::Value::Type::kInt:
      return "integer";
    case model::Value::Type::kDouble:
      return "number";
    case model::Value::Type::kString:
      return "string";
    case model::Value::Type::kArray:
      return "array";
    case model::Value::Type::kObject:
      return "object";
  }
  return "";
}

// A bound as kube-openapi prints it: integers natively for integer data.
std::string Bound(const model::Value& v, double bound) {
  if (v.is_int() && std::trunc(bound) == bound && std::fabs(bound) < 9.2e18) {
    return absl::StrCat(static_cast<int64_t>(bound));
  }
  return GoFloat(bound);
}

absl::string_view Plural(int64_t n, absl::string_view one, absl::string_view many) {
  return n == 1 ? one : many;
}

// Which properties of a node an object has: one word for up to 64.
class PropertySet {
 public:
  explicit PropertySet(size_t n) : bits_((n + 63) / 64, 0) {}
  void Set(size_t i) { bits_[i / 64] |= uint64_t{1} << (i % 64); }
  bool Has(size_t i) const { return (bits_[i / 64] >> (i % 64)) & 1; }

 private:
  absl::InlinedVector<uint64_t, 1> bits_;
};

// RE2::PartialMatch, memoized per thread. A match costs about a thousand
// instructions even for a short string, while most values that patterns
// check repeat from object to object (group and kind names, "", section
// and Service names): on bench/workload's HTTPRoutes the memo cut the
// schema walk from 35K to 27K instructions a route (callgrind). Long
// strings are matched directly.
bool MatchPattern(const RE2& re, uint64_t re_id, absl::string_view s) {
  constexpr size_t kMaxLen = 46;
  if (s.size() > kMaxLen) return RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), re);
  struct Entry {
    uint64_t re_id = 0;
    uint8_t len = 0;
    bool match = false;
    char text[kMaxLen];
  };
  static_assert(sizeof(Entry) == 56);
  thread_local Entry cache[512];
  size_t h = absl::Hash<absl::string_view>()(s) ^ (re_id * 0x9E3779B97F4A7C15u);
  Entry& e = cache[(h ^ (h >> 29)) % 512];
  if (e.re_id == re_id && e.len == s.size() && std::memcmp(e.text, s.data(), s.size()) == 0) {
    return e.match;
  }
  bool match = RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), re);
  e.re_id = re_id;
  e.len = static_cast<uint8_t>(s.size());
  std::memcpy(e.text, s.data(), s.size());
  e.match = match;
  return match;
}

// The path of the value being visited, kept as views and indices and
// rendered only when an error is reported. Push and Pop run for every node
// of every object, so they are a store and an increment.
class FieldPath {
 public:
  FieldPath() : segs_(kInline) {}
  void PushField(absl::string_view name) { Push({name, 0, kField}); }
  void PushIndex(size_t i) { Push({{}, i, kIndex}); }
  void PushKey(absl::string_view key) { Push({key, 0, kKey}); }
  void Pop() { --depth_; }

  // field.Path's String(): "spec.rules[0].filters[1]", "spec.labels[key]".
  std::string Render() const {
    std::string out;
    for (size_t i = 0; i < depth_; ++i) {
      const Seg& s = segs_[i];
      switch (s.kind) {
        case kField:
          if (!out.empty()) out.push_back('.');
          out.append(s.text.data(), s.text.size());
          break;
        case kIndex:
          absl::StrAppend(&out, "[", s.index, "]");
          break;
        case kKey:
          absl::StrAppend(&out, "[", s.text, "]");
          break;
      }
    }
    return out;
  }

 private:
  enum Kind : uint8_t { kField, kIndex, kKey };
  struct Seg {
    absl::string_view text;
    size_t index;
    Kind kind;
  };
  void Push(const Seg& s) {
    if (ABSL_PREDICT_FALSE(depth_ == segs_.size())) segs_.resize(2 * segs_.size());
    segs_[depth_++] = s;
  }
  static constexpr size_t kInline = 24;  // deeper than any Gateway API object
  absl::InlinedVector<Seg, kInline> segs_;
  size_t depth_ = 0;
};

FieldError MakeError(std::string field, absl::string_view type, std::string value,
                     std::string detail, std::string constraint) {
  FieldError e;
  e.field = std::move(field);
  e.type = std::string(type);
  e.value = std::move(value);
  e.detail = std::move(detail);
  e.constraint = std::move(constraint);
  return e;
}

// The schema walk: prunes and defaults (when given a mutable value) and
// runs the OpenAPI and list-type checks. One per DefaultAndValidate call.
class Walker {
 public:
  Walker(std::vector<FieldError>* errors, std::vector<FieldError>* list_errors)
      : errors_(errors), list_errors_(list_errors) {}

  // Visits `v` against `n`. `mv` is `&v` made mutable, or null for a
  // read-only check (the alternatives of allOf/anyOf/oneOf/not).
  void Visit(const SchemaNode& n, model::Value* mv, const model::Value& v);

  // True once an error of a kind that keeps CEL rules from running was
  // reported (type, enum, required, maxLength, maxItems, maxProperties).
  bool blocking() const { return blocking_; }

 private:
  struct TryResult {
    std::vector<FieldError> errors;
    int passes = 0;
    bool blocking = false;
  };

  void Add(const SchemaNode& n, absl::string_view keyword, absl::string_view type,
           std::string value, std::string detail, bool blocking) {
    errors_->push_back(MakeError(path_.Render(), type, std::move(value), std::move(detail),
                                 n.ConstraintId(keyword)));
    blocking_ = blocking_ || blocking;
  }

  void TypeError(const SchemaNode& n, absl::string_view actual) {
    std::string path = path_.Render();
    std::string detail =
        absl::StrCat(path, " in body must be of type ", n.type_name, ": ", GoQuote(actual));
    errors_->push_back(MakeError(std::move(path), kInvalid, JsonString(actual), std::move(detail),
                                 n.ConstraintId("type")));
    blocking_ = true;
  }

  bool CheckType(const SchemaNode& n, model::Value* mv, const model::Value& v);
  void CheckString(const SchemaNode& n, const std::string& s);
  void CheckNumber(const SchemaNode& n, const model::Value& v);
  void CheckEnum(const SchemaNode& n, const model::Value& v);
  void VisitObject(const SchemaNode& n, model::Value* mv, const model::Value& v);
  void VisitArray(const SchemaNode& n, model::Value* mv, const model::Value& v);
  void CheckListType(const SchemaNode& n, const model::Value::Array& items);
  void CheckCombinators(const SchemaNode& n, const model::Value& v);
  TryResult Try(const SchemaNode& n, const model::Value& v);
  void Merge(TryResult& r) {
    for (FieldError& e : r.errors) errors_->push_back(std::move(e));
    blocking_ = blocking_ || r.blocking;
  }

  std::vector<FieldError>* errors_;
  std::vector<FieldError>* list_errors_;
  FieldPath path_;
  bool blocking_ = false;
  // Checks passed so far; picks the alternative whose errors anyOf/oneOf
  // report, as kube-openapi's MatchCount does.
  int passes_ = 0;
};

void Walker::Visit(const SchemaNode& n, model::Value* mv, const model::Value& v) {
  if (v.is_null()) {
    // Nulls of non-nullable properties were pruned or defaulted already;
    // this is a null list item, map value or root.
    if (n.nullable || (n.type == JsonType::kAny && !n.int_or_string)) {
      ++passes_;
    } else {
      TypeError(n, "null");
    }
    return;
  }
  if (!CheckType(n, mv, v)) return;
  if (n.has_scalar_checks) {
    if (v.is_string()) {
      CheckString(n, v.string_value());
    } else if (v.is_number()) {
      CheckNumber(n, v);
    }
    if (!n.enum_values.empty()) CheckEnum(n, v);
  }
  if (v.is_object()) {
    VisitObject(n, mv, v);
  } else if (v.is_array()) {
    VisitArray(n, mv, v);
  }
  if (n.has_combinators) CheckCombinators(n, v);
}

bool Walker::CheckType(const SchemaNode& n, model::Value* mv, const model::Value& v) {
  bool ok = false;
  bool integral_double = false;
  if (v.is_double()) {
    double d = v.double_value();
    integral_double = std::trunc(d) == d && std::fabs(d) <= kMaxJsonInteger;
  }
  switch (n.type) {
    case JsonType::kAny:
      ok = !n.int_or_string || v.is_string() || v.is_int() || integral_double;
      break;
    case JsonType::kString:
      ok = v.is_string();
      break;
    case JsonType::kInteger:
      ok = v.is_int() || integral_double;
      break;
    case JsonType::kNumber:
      ok = v.is_number();
      break;
    case JsonType::kBoolean:
      ok = v.is_bool();
      break;
    case JsonType::kArray:
      ok = v.is_array();
      break;
    case JsonType::kObject:
      ok = v.is_object();
      break;
  }
  if (!ok) {
    TypeError(n, TypeOf(v));
    return false;
  }
  // The API server accepts 1.0 for an integer; store it as the integer it
  // is so readers of integer fields always find an int.
  if (integral_double && mv != nullptr && (n.type == JsonType::kInteger || n.int_or_string)) {
    *mv = model::Value::Int(static_cast<int64_t>(v.double_value()));
  }
  ++passes_;
  return true;
}

void Walker::CheckString(const SchemaNode& n, const std::string& s) {
  // kube-openapi's string validator stops at its first failure.
  int64_t bytes = static_cast<int64_t>(s.size());
  if (n.max_length >= 0 && bytes > n.max_length && RuneCount(s) > n.max_length) {
    Add(n, "maxLength", kTooLong, "",
        absl::StrCat("may not be more than ", n.max_length, " ",
                     Plural(n.max_length, "byte", "bytes")),
        true);
  } else if (n.min_length > 0 && bytes < 4 * n.min_length && RuneCount(s) < n.min_length) {
    std::string path = path_.Render();
    std::string detail =
        absl::StrCat(path, " in body should be at least ", n.min_length, " chars long");
    errors_->push_back(MakeError(std::move(path), kInvalid, JsonString(s), std::move(detail),
                                 n.ConstraintId("minLength")));
  } else if (n.pattern != nullptr && !MatchPattern(*n.pattern, n.pattern_id, s)) {
    std::string path = path_.Render();
    std::string detail = absl::StrCat(path, " in body should match '", n.pattern_text, "'");
    errors_->push_back(MakeError(std::move(path), kInvalid, JsonString(s), std::move(detail),
                                 n.ConstraintId("pattern")));
  } else {
    ++passes_;
  }

  bool format_ok = true;
  switch (n.format) {
    case Format::kDateTime:
      format_ok = IsDateTimeFormat(s);
      break;
    case Format::kIPv4:
      format_ok = IsIPv4Format(s);
      break;
    case Format::kIPv6:
      format_ok = IsIPv6Format(s);
      break;
    case Format::kCidr:
      format_ok = IsCidrFormat(s);
      break;
    case Format::kByte:
      format_ok = IsBase64Format(s);
      break;
    default:
      break;  // integer formats do not apply to strings
  }
  if (!format_ok) {
    std::string path = path_.Render();
    std::string detail =
        absl::StrCat(path, " in body must be of type ", n.format_name, ": ", GoQuote(s));
    errors_->push_back(MakeError(std::move(path), kInvalid, JsonString(s), std::move(detail),
                                 n.ConstraintId("format")));
    blocking_ = true;
  } else if (n.format != Format::kNone) {
    ++passes_;
  }
}

void Walker::CheckNumber(const SchemaNode& n, const model::Value& v) {
  double d = v.number_value();
  if (n.format == Format::kInt32 && n.type == JsonType::kInteger &&
      (d < -2147483648.0 || d > 2147483647.0)) {
    // go-openapi's IsValueValidAgainstRange. Upstream files it under the
    // field "<nil>"; it is reported at the field here.
    std::string path = path_.Render();
    std::string detail =
        absl::StrCat("Checked value must be of type integer with format int32 in ", path);
    errors_->push_back(
        MakeError(std::move(path), kInvalid, Json(v), std::move(detail), n.ConstraintId("format")));
  }
  if (n.has_multiple_of) {
    double q = d / n.multiple_of;
    if (std::trunc(q) != q) {
      std::string path = path_.Render();
      std::string detail =
          absl::StrCat(path, " in body should be a multiple of ", Bound(v, n.multiple_of));
      errors_->push_back(MakeError(std::move(path), kInvalid, Json(v), std::move(detail),
                                   n.ConstraintId("multipleOf")));
    }
  }
  if (n.has_maximum && (n.exclusive_maximum ? d >= n.maximum : d > n.maximum)) {
    std::string path = path_.Render();
    std::string detail =
        absl::StrCat(path, " in body should be less than ",
                     n.exclusive_maximum ? "" : "or equal to ", Bound(v, n.maximum));
    errors_->push_back(MakeError(std::move(path), kInvalid, Json(v), std::move(detail),
                                 n.ConstraintId("maximum")));
  }
  if (n.has_minimum && (n.exclusive_minimum ? d <= n.minimum : d < n.minimum)) {
    std::string path = path_.Render();
    std::string detail =
        absl::StrCat(path, " in body should be greater than ",
                     n.exclusive_minimum ? "" : "or equal to ", Bound(v, n.minimum));
    errors_->push_back(MakeError(std::move(path), kInvalid, Json(v), std::move(detail),
                                 n.ConstraintId("minimum")));
  }
  ++passes_;
}

void Walker::CheckEnum(const SchemaNode& n, const model::Value& v) {
  for (const model::Value& e : n.enum_values) {
    if (e == v) {
      ++passes_;
      return;
    }
  }
  Add(n, "enum", kUnsupported, Json(v), n.enum_detail, true);
}

void Walker::VisitObject(const SchemaNode& n, model::Value* mv, const model::Value& v) {
  constexpr int32_t kAdditional = -1;      // value of additionalProperties
  constexpr int32_t kUnknown = -2;         // kept unknown field (no schema)
  absl::InlinedVector<int32_t, 16> which;  // per member: property index or kind
  PropertySet present(n.properties.size());

  if (mv != nullptr) {
    // Pruning, defaulting and null pruning, as structural pruning and
    // structuraldefaulting.Default / PruneNonNullableNullsWithoutDefaults do.
    model::Value::Object& obj = mv->mutable_object();
    which.reserve(obj.size() + n.defaulted.size());
    size_t w = 0;
    for (size_t r = 0; r < obj.size(); ++r) {
      model::Value& value = obj[r].second;
      int32_t p = n.FindProperty(obj[r].first);
      if (p >= 0) {
        const SchemaNode& c = *n.properties[p].node;
        if (value.is_null() && !c.nullable) {
          if (c.default_value == nullptr) continue;
          value = *c.default_value;
        }
        present.Set(p);
      } else if (n.additional != nullptr) {
        p = kAdditional;
        if (value.is_null() && !n.additional->nullable && n.additional->default_value != nullptr) {
          value = *n.additional->default_value;
        }
      } else if (n.additional_any || n.preserve_unknown) {
        p = kUnknown;
      } else {
        continue;  // unknown field: the API server prunes it
      }
      if (w != r) obj[w] = std::move(obj[r]);
      which.push_back(p);
      ++w;
    }
    if (w != obj.size()) obj.erase(obj.begin() + w, obj.end());
    for (uint32_t d : n.defaulted) {
      if (present.Has(d)) continue;
      obj.emplace_back(n.properties[d].name, *n.properties[d].node->default_value);
      which.push_back(static_cast<int32_t>(d));
      present.Set(d);
    }
  } else {
    which.reserve(v.object().size());
    for (const model::Value::Member& m : v.object()) {
      int32_t p = n.FindProperty(m.first);
      if (p >= 0) {
        present.Set(p);
      } else {
        p = n.additional != nullptr ? kAdditional : kUnknown;
      }
      which.push_back(p);
    }
  }

  const model::Value::Object& obj = v.object();
  int64_t count = static_cast<int64_t>(obj.size());
  if (n.max_properties >= 0 && count > n.max_properties) {
    Add(n, "maxProperties", kTooMany, absl::StrCat(count),
        absl::StrCat("must have at most ", n.max_properties, " ",
                     Plural(n.max_properties, "item", "items")),
        true);
  }
  if (n.min_properties > 0 && count < n.min_properties) {
    std::string path = path_.Render();
    std::string detail =
        absl::StrCat(path, " in body should have at least ", n.min_properties, " properties");
    errors_->push_back(MakeError(std::move(path), kInvalid, absl::StrCat(count), std::move(detail),
                                 n.ConstraintId("minProperties")));
  }
  for (const RequiredField& r : n.required) {
    bool has = r.property >= 0 ? present.Has(r.property) : v.Find(r.name) != nullptr;
    if (has) {
      ++passes_;
      continue;
    }
    path_.PushField(r.name);
    errors_->push_back(MakeError(path_.Render(), kRequired, "", "", r.constraint));
    path_.Pop();
    blocking_ = true;
  }

  for (size_t i = 0; i < obj.size(); ++i) {
    int32_t p = which[i];
    const SchemaNode* c;
    if (p >= 0) {
      c = n.properties[p].node.get();
      path_.PushField(obj[i].first);
    } else if (p == kAdditional) {
      c = n.additional.get();
      path_.PushKey(obj[i].first);
    } else {
      continue;
    }
    model::Value* child = mv != nullptr ? &mv->mutable_object()[i].second : nullptr;
    Visit(*c, child, obj[i].second);
    path_.Pop();
  }
}

void Walker::VisitArray(const SchemaNode& n, model::Value* mv, const model::Value& v) {
  const model::Value::Array& items = v.array();
  int64_t count = static_cast<int64_t>(items.size());
  if (n.min_items > 0 && count < n.min_items) {
    std::string path = path_.Render();
    std::string detail =
        absl::StrCat(path, " in body should have at least ", n.min_items, " items");
    errors_->push_back(MakeError(std::move(path), kInvalid, absl::StrCat(count), std::move(detail),
                                 n.ConstraintId("minItems")));
  }
  if (n.max_items >= 0 && count > n.max_items) {
    Add(n, "maxItems", kTooMany, absl::StrCat(count),
        absl::StrCat("must have at most ", n.max_items, " ", Plural(n.max_items, "item", "items")),
        true);
  }
  if (n.items != nullptr) {
    const SchemaNode& c = *n.items;
    for (size_t i = 0; i < items.size(); ++i) {
      model::Value* child = nullptr;
      if (mv != nullptr) {
        child = &mv->mutable_array()[i];
        if (child->is_null() && !c.nullable && c.default_value != nullptr) {
          *child = *c.default_value;
        }
      }
      path_.PushIndex(i);
      Visit(c, child, items[i]);
      path_.Pop();
    }
  }
  // Uniqueness is the list-type validator's, which sees the structural
  // schema only (never the alternatives of a combinator).
  if (mv != nullptr && n.list_type != ListType::kAtomic && items.size() > 1) {
    CheckListType(n, items);
  }
}

// The key tuple of a list-type map item; null for an absent key.
using MapKey = absl::InlinedVector<const model::Value*, 2>;

bool SameKey(const MapKey& a, const MapKey& b) {
  for (size_t k = 0; k < a.size(); ++k) {
    if ((a[k] == nullptr) != (b[k] == nullptr)) return false;
    if (a[k] != nullptr && !(*a[k] == *b[k])) return false;
  }
  return true;
}

void Walker::CheckListType(const SchemaNode& n, const model::Value::Array& items) {
  // As apiextensions' listtype validation: report the second occurrence of
  // each duplicated value (or key) once.
  auto report = [&](size_t i, std::string value) {
    path_.PushIndex(i);
    list_errors_->push_back(MakeError(path_.Render(), kDuplicate, std::move(value), "",
                                      n.ConstraintId("x-kubernetes-list-type")));
    path_.Pop();
  };
  if (n.list_type == ListType::kSet) {
    if (items.size() <= 32) {
      for (size_t i = 1; i < items.size(); ++i) {
        int before = 0;
        for (size_t j = 0; j < i; ++j) before += items[j] == items[i];
        if (before == 1) report(i, Json(items[i]));
      }
    } else {
      absl::flat_hash_map<std::string, int> seen;
      for (size_t i = 0; i < items.size(); ++i) {
        std::string key = Json(items[i]);
        if (++seen[key] == 2) report(i, std::move(key));
      }
    }
    return;
  }

  // list-type map: only objects (or nulls) may be items.
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_object() && !items[i].is_null()) {
      path_.PushIndex(i);
      list_errors_->push_back(MakeError(path_.Render(), kInvalid, Json(items[i]),
                                        "must be an object for an array of list-type map",
                                        n.ConstraintId("x-kubernetes-list-type")));
      path_.Pop();
      return;
    }
  }
  std::vector<MapKey> keys(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    keys[i].resize(n.list_map_keys.size(), nullptr);
    if (!items[i].is_object()) continue;
    for (size_t k = 0; k < n.list_map_keys.size(); ++k) {
      keys[i][k] = items[i].Find(n.list_map_keys[k]);
    }
  }
  for (size_t i = 1; i < items.size(); ++i) {
    int before = 0;
    for (size_t j = 0; j < i; ++j) before += SameKey(keys[j], keys[i]);
    if (before != 1) continue;
    // The key as the API server prints it: a JSON object, keys sorted.
    std::vector<std::pair<absl::string_view, const model::Value*>> fields;
    for (size_t k = 0; k < keys[i].size(); ++k) {
      if (keys[i][k] != nullptr) fields.emplace_back(n.list_map_keys[k], keys[i][k]);
    }
    std::sort(fields.begin(), fields.end());
    std::string value = "{";
    for (size_t f = 0; f < fields.size(); ++f) {
      if (f > 0) value.push_back(',');
      model::AppendJsonString(fields[f].first, &value);
      value.push_back(':');
      fields[f].second->AppendJson(&value);
    }
    value.push_back('}');
    report(i, std::move(value));
  }
}

Walker::TryResult Walker::Try(const SchemaNode& n, const model::Value& v) {
  TryResult r;
  std::vector<FieldError>* saved_errors = errors_;
  bool saved_blocking = blocking_;
  int saved_passes = passes_;
  errors_ = &r.errors;
  blocking_ = false;
  passes_ = 0;
  Visit(n, nullptr, v);
  r.passes = passes_;
  r.blocking = blocking_;
  errors_ = saved_errors;
  blocking_ = saved_blocking;
  passes_ = saved_passes + r.passes;
  return r;
}

void Walker::CheckCombinators(const SchemaNode& n, const model::Value& v) {
  // kube-openapi's schemaPropsValidator: anyOf, oneOf, allOf, not. Failing
  // anyOf/oneOf also report the errors of the alternative that came closest.
  // Upstream files the combinator's own message under the field "<nil>"; it
  // is reported at the field here.
  auto composite = [&](absl::string_view keyword, absl::string_view what) {
    std::string path = path_.Render();
    std::string detail = absl::StrCat(GoQuote(path), " ", what);
    errors_->push_back(
        MakeError(std::move(path), kInvalid, "", std::move(detail), n.ConstraintId(keyword)));
  };
  if (!n.any_of.empty()) {
    bool ok = false;
    std::optional<TryResult> best;
    for (const auto& alt : n.any_of) {
      TryResult r = Try(*alt, v);
      if (r.errors.empty()) {
        ok = true;
        break;
      }
      if (!best || r.passes > best->passes) best = std::move(r);
    }
    if (!ok) {
      composite("anyOf", "must validate at least one schema (anyOf)");
      Merge(*best);
    }
  }
  if (!n.one_of.empty()) {
    int valid = 0;
    std::optional<TryResult> best;
    for (const auto& alt : n.one_of) {
      TryResult r = Try(*alt, v);
      if (r.errors.empty()) {
        ++valid;
        best.reset();
        continue;
      }
      if (valid == 0 && (!best || r.passes > best->passes)) best = std::move(r);
    }
    if (valid != 1) {
      composite("oneOf", valid == 0
                             ? "must validate one and only one schema (oneOf). Found none valid"
                             : absl::StrCat("must validate one and only one schema (oneOf). "
                                            "Found ",
                                            valid, " valid alternatives"));
      if (best) Merge(*best);
    }
  }
  if (!n.all_of.empty()) {
    size_t valid = 0;
    for (const auto& alt : n.all_of) {
      TryResult r = Try(*alt, v);
      if (r.errors.empty()) ++valid;
      Merge(r);
    }
    if (valid != n.all_of.size()) {
      composite("allOf", valid == 0 ? "must validate all the schemas (allOf). None validated"
                                    : "must validate all the schemas (allOf)");
    }
  }
  if (n.not_schema != nullptr) {
    TryResult r = Try(*n.not_schema, v);
    if (r.errors.empty()) composite("not", "must not validate the schema (not)");
  }
}

// The CEL walk: evaluates x-kubernetes-validations with `self` at each
// rule's node and `oldSelf` at the corresponding node of the old object.
class CelWalker {
 public:
  explicit CelWalker(std::vector<FieldError>* errors) : errors_(errors) {}
  void Visit(const SchemaNode& n, const model::Value& v, const model::Value* old);

 private:
  void Eval(const SchemaNode& n, const CelRule& rule, const model::Value& v,
            const model::Value* old);

  std::vector<FieldError>* errors_;
  FieldPath path_;
};

// The old item of a list-type map with the same key values as `item`.
const model::Value* CorrelatedItem(const SchemaNode& n, const model::Value& old,
                                   const model::Value& item) {
  if (!item.is_object()) return nullptr;
  for (const model::Value& candidate : old.array()) {
    if (!candidate.is_object()) continue;
    bool same = true;
    for (const std::string& k : n.list_map_keys) {
      const model::Value* a = item.Find(k);
      const model::Value* b = candidate.Find(k);
      if ((a == nullptr) != (b == nullptr) || (a != nullptr && !(*a == *b))) {
        same = false;
        break;
      }
    }
    if (same) return &candidate;
  }
  return nullptr;
}

// `self.type` and `self.value` of one node, looked up once for all of its
// fast rules (the eleven path rules of an HTTPRoute match share them).
class SelfFields {
 public:
  explicit SelfFields(const model::Value& self) : self_(self) {}
  const model::Value& self() const { return self_; }
  // The string at `self.type` / `self.value`; nullptr when absent, not a
  // string, or self is not an object.
  const std::string* type() { return Get("type", &type_, &type_done_); }
  const std::string* value() { return Get("value", &value_, &value_done_); }

 private:
  const std::string* Get(absl::string_view key, const std::string** slot, bool* done) {
    if (!*done) {
      *done = true;
      const model::Value* f = self_.Find(key);
      *slot = f != nullptr && f->is_string() ? &f->string_value() : nullptr;
    }
    return *slot;
  }
  const model::Value& self_;
  const std::string* type_ = nullptr;
  const std::string* value_ = nullptr;
  bool type_done_ = false, value_done_ = false;
};

// A string field of an object, or nullptr.
const std::string* StringField(const model::Value& v, absl::string_view key) {
  const model::Value* f = v.Find(key);
  return f != nullptr && f->is_string() ? &f->string_value() : nullptr;
}

// Absent, or a string.
bool AbsentOrString(const model::Value& v, absl::string_view key) {
  const model::Value* f = v.Find(key);
  return f == nullptr || f->is_string();
}

// Bytes of [-A-Za-z0-9/._~!$&'()*+,;=:@].
bool PathCharClass(unsigned char c) {
  if (absl::ascii_isalnum(c)) return true;
  switch (c) {
    case '-': case '/': case '.': case '_': case '~': case '!': case '$': case '&':
    case '\'': case '(': case ')': case '*': case '+': case ',': case ';': case '=':
    case ':': case '@':
      return true;
    default:
      return false;
  }
}

// ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$ on ASCII input.
bool PathCharsMatch(absl::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (PathCharClass(c)) continue;
    if (c == '%' && i + 2 < s.size() &&
        absl::ascii_isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        absl::ascii_isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

// Longest `self.value` a path fast check reads: far below the size at which
// the string functions' cost could approach the per-rule limit.
constexpr size_t kFastStringMax = 1 << 16;
// Longest list a fast check walks, for the same reason (the interpreter
// charges each element of a comprehension; the CRDs allow 16 or fewer, and
// nested walks stay under 64 * 64 elements).
constexpr size_t kFastListMax = 64;

// How many elements of `filters` satisfy `has(f.<x>) && has(f.<x>.path) &&
// f.<x>.path.type == 'ReplacePrefixMatch' && has(f.<x>.path.replacePrefixMatch)`;
// -1 unless that evaluates without error for every element (filters a list
// of objects; f.<x> and f.<x>.path objects where present, the path's type a
// string).
int CountPrefixMatchFilters(const model::Value& filters, absl::string_view x) {
  if (!filters.is_array() || filters.array().size() > kFastListMax) return -1;
  int count = 0;
  for (const model::Value& f : filters.array()) {
    if (!f.is_object()) return -1;
    const model::Value* filter = f.Find(x);
    if (filter == nullptr) continue;
    if (!filter->is_object()) return -1;
    const model::Value* path = filter->Find("path");
    if (path == nullptr) continue;
    if (!path->is_object()) return -1;
    const std::string* type = StringField(*path, "type");
    if (type == nullptr) return -1;
    if (*type == "ReplacePrefixMatch" && path->Find("replacePrefixMatch") != nullptr) ++count;
  }
  return count;
}


// True when `rule` (rule.fast != kNone) certainly evaluates to true, without
// error, on `self`. False means "not decided here": the interpreter runs.
// The cases below follow CEL's semantics for each form (see FastRule in
// schema.h): `false && x` is false whatever x is, a ternary evaluates only
// the chosen branch, a comprehension over an empty or one-element list
// evaluates its body at most for that element, and string equality is
// reflexive.
bool FastPass(const CelRule& rule, SelfFields& f) {
  const model::Value& self = f.self();
  switch (rule.fast) {
    case FastRule::kNone:
      return false;
    case FastRule::kHasImpliesType: {
      if (!self.is_object()) return false;
      if (self.Find(rule.fast_field) == nullptr) return true;
      const std::string* type = f.type();
      return type != nullptr && *type == rule.fast_literal;
    }
    case FastRule::kTypeImpliesHas: {
      if (!self.is_object()) return false;
      if (self.Find(rule.fast_field) != nullptr) return true;
      const std::string* type = f.type();
      return type != nullptr && *type != rule.fast_literal;
    }
    case FastRule::kPathStartsWith:
    case FastRule::kPathNotContains:
    case FastRule::kPathNotEndsWith:
    case FastRule::kPathChars: {
      const std::string* type = f.type();
      if (type == nullptr) return false;
      if (*type != "Exact" && *type != "PathPrefix") return true;
      const std::string* value = f.value();
      if (value == nullptr || value->size() > kFastStringMax) return false;
      switch (rule.fast) {
        case FastRule::kPathStartsWith:
          return absl::StartsWith(*value, rule.fast_literal);
        case FastRule::kPathNotContains:
          return !absl::StrContains(*value, rule.fast_literal);
        case FastRule::kPathNotEndsWith:
          return !absl::EndsWith(*value, rule.fast_literal);
        default:
          return PathCharsMatch(*value);
      }
    }
    case FastRule::kPathTypeKnown: {
      const std::string* type = f.type();
      return type != nullptr &&
             (*type == "Exact" || *type == "PathPrefix" || *type == "RegularExpression");
    }
    case FastRule::kServicePort: {
      if (!self.is_object()) return false;
      const std::string* group = StringField(self, "group");
      const std::string* kind = StringField(self, "kind");
      if (group == nullptr || kind == nullptr) return false;
      if (!(group->empty() && *kind == "Service")) return true;
      return self.Find("port") != nullptr;
    }
    case FastRule::kParentRefsUnique: {
      if (!self.is_array()) return false;
      const model::Value::Array& refs = self.array();
      if (refs.empty()) return true;
      if (refs.size() != 1 || !refs[0].is_object()) return false;
      const model::Value& p = refs[0];
      return StringField(p, "group") != nullptr && StringField(p, "kind") != nullptr &&
             StringField(p, "name") != nullptr && AbsentOrString(p, "namespace") &&
             AbsentOrString(p, "sectionName");
    }
    case FastRule::kTotalMatches: {
      if (!self.is_array()) return false;
      const model::Value::Array& rules = self.array();
      size_t total = 0;
      for (size_t i = 0; i < rules.size() && i < 16; ++i) {
        const model::Value* m = rules[i].Find("matches");
        if (m == nullptr || !m->is_array()) return false;
        total += m->array().size();
      }
      return total <= 128;
    }
    case FastRule::kBackendRefsNoRedirect: {
      if (!self.is_object()) return false;
      const model::Value* refs = self.Find("backendRefs");
      if (refs != nullptr && !refs->is_array()) return false;
      const model::Value* filters = self.Find("filters");
      if (filters == nullptr) return true;
      // `(!has(self.filters) || self.filters.all(f, !has(f.requestRedirect)))`
      if (!filters->is_array() || filters->array().size() > kFastListMax) return false;
      for (const model::Value& x : filters->array()) {
        if (!x.is_object() || x.Find("requestRedirect") != nullptr) return false;
      }
      return true;
    }
    case FastRule::kNoFiltersGuard: {
      if (!self.is_object()) return false;
      const model::Value* filters = self.Find("filters");
      if (filters == nullptr) return true;
      const int count = CountPrefixMatchFilters(*filters, rule.fast_field);
      return count >= 0 && count != 1;  // exists_one is false: the guard fails
    }
    case FastRule::kNoBackendFiltersGuard: {
      if (!self.is_object()) return false;
      const model::Value* refs = self.Find("backendRefs");
      if (refs == nullptr) return true;
      if (!refs->is_array() || refs->array().size() > kFastListMax) return false;
      int matching = 0;
      for (const model::Value& b : refs->array()) {
        if (!b.is_object()) return false;
        const model::Value* filters = b.Find("filters");
        if (filters == nullptr) continue;
        const int count = CountPrefixMatchFilters(*filters, rule.fast_field);
        if (count < 0) return false;
        if (count == 1) ++matching;
      }
      return matching != 1;
    }
    case FastRule::kAtMostOneOfType:
    case FastRule::kNotBothTypes: {
      if (!self.is_array() || self.array().size() > kFastListMax) return false;
      int first = 0, second = 0;
      for (const model::Value& x : self.array()) {
        const std::string* type = x.is_object() ? StringField(x, "type") : nullptr;
        if (type == nullptr) return false;
        if (rule.fast == FastRule::kAtMostOneOfType) {
          if (*type == rule.fast_literal) ++first;
        } else {
          if (*type == rule.fast_field) ++first;
          if (*type == rule.fast_literal) ++second;
        }
      }
      return rule.fast == FastRule::kAtMostOneOfType ? first <= 1 : (first == 0 || second == 0);
    }
    case FastRule::kTypeThenHas: {
      const std::string* type = f.type();
      if (type == nullptr) return false;
      return *type != rule.fast_literal || self.Find(rule.fast_field) != nullptr;
    }
    case FastRule::kHasThenType: {
      if (!self.is_object()) return false;
      if (self.Find(rule.fast_field) == nullptr) return true;
      const std::string* type = f.type();
      return type != nullptr && *type == rule.fast_literal;
    }
    case FastRule::kNotBothFields:
      return self.is_object() &&
             (self.Find(rule.fast_field) == nullptr || self.Find(rule.fast_literal) == nullptr);
  }
  return false;
}

void CelWalker::Visit(const SchemaNode& n, const model::Value& v, const model::Value* old) {
  if (v.is_null()) return;  // rules validate non-null values only
  if (old != nullptr && old->is_null()) old = nullptr;
  if (!n.rules.empty()) {
    SelfFields fields(v);
    for (const CelRule& rule : n.rules) {
      if (rule.fast != FastRule::kNone && FastPass(rule, fields)) {
#ifndef NDEBUG
        // Debug builds (the tests) check every fast decision against the
        // interpreter.
        absl::StatusOr<bool> checked = rule.program->EvalBool(v, old);
        if (!checked.ok() || !*checked) {
          std::fprintf(stderr, "fast CEL check disagrees with the interpreter: %s\n",
                       rule.rule.c_str());
          std::abort();
        }
#endif
        continue;
      }
      Eval(n, rule, v, old);
    }
  }
  if (v.is_object()) {
    bool old_object = old != nullptr && old->is_object();
    for (const model::Value::Member& m : v.object()) {
      const SchemaNode* c = nullptr;
      int p = n.properties.empty() ? -1 : n.FindProperty(m.first);
      if (p >= 0) {
        c = n.properties[p].node.get();
        path_.PushField(m.first);
      } else if (n.additional != nullptr) {
        c = n.additional.get();
        path_.PushKey(m.first);
      } else {
        continue;
      }
      if (c->rules_below) Visit(*c, m.second, old_object ? old->Find(m.first) : nullptr);
      path_.Pop();
    }
  } else if (v.is_array() && n.items != nullptr && n.items->rules_below) {
    // Only list-type map items correlate with the old list.
    bool correlate = n.list_type == ListType::kMap && old != nullptr && old->is_array();
    const model::Value::Array& items = v.array();
    for (size_t i = 0; i < items.size(); ++i) {
      path_.PushIndex(i);
      Visit(*n.items, items[i], correlate ? CorrelatedItem(n, *old, items[i]) : nullptr);
      path_.Pop();
    }
  }
}

std::string RuleErrorString(const CelRule& rule) {
  return std::string(absl::StripAsciiWhitespace(rule.message.empty() ? rule.rule : rule.message));
}

void CelWalker::Eval(const SchemaNode& n, const CelRule& rule, const model::Value& v,
                     const model::Value* old) {
  // Transition rules run only when there is an old value to compare with.
  if (rule.transition && old == nullptr) return;
  auto constraint = [&] {
    return n.ConstraintId(absl::StrCat("x-kubernetes-validations[", rule.index, "]"));
  };
  if (rule.program == nullptr) {
    errors_->push_back(MakeError(path_.Render(), kInvalid, JsonString(n.type_name),
                                 absl::StrCat("rule compile error: ", rule.compile_error),
                                 constraint()));
    return;
  }
  absl::StatusOr<bool> result = rule.program->EvalBool(v, old);
  if (ABSL_PREDICT_TRUE(result.ok() && *result)) return;
  if (!result.ok()) {
    errors_->push_back(MakeError(
        path_.Render(), kInvalid, JsonString(n.type_name),
        absl::StrCat(result.status().message(), " evaluating rule: ", RuleErrorString(rule)),
        constraint()));
    return;
  }

  std::string field = path_.Render();
  if (!rule.field_path.empty()) {
    // fieldPath is a JSON path below the rule's node: ".a.b" or "['a']".
    absl::string_view fp = rule.field_path;
    if (absl::ConsumePrefix(&fp, ".")) {
      absl::StrAppend(&field, field.empty() ? "" : ".", fp);
    } else {
      absl::StrAppend(&field, fp);
    }
  }
  std::string detail = rule.message.empty() ? absl::StrCat("failed rule: ", RuleErrorString(rule))
                                            : std::string(absl::StripAsciiWhitespace(rule.message));
  // Objects and lists are not repeated in the message.
  std::string value = v.is_object() || v.is_array() ? "" : Json(v);
  if (rule.reason == "FieldValueForbidden") {
    errors_->push_back(
        MakeError(std::move(field), kForbidden, "", std::move(detail), constraint()));
  } else if (rule.reason == "FieldValueRequired") {
    errors_->push_back(MakeError(std::move(field), kRequired, "", std::move(detail), constraint()));
  } else if (rule.reason == "FieldValueDuplicate") {
    errors_->push_back(MakeError(std::move(field), kDuplicate, std::move(value), "", constraint()));
  } else {
    errors_->push_back(
        MakeError(std::move(field), kInvalid, std::move(value), std::move(detail), constraint()));
  }
}

NameRule NameRuleFor(absl::string_view group, absl::string_view kind) {
  if (group.empty() && kind == "Namespace") return NameRule::kDns1123Label;
  if (group.empty() && kind == "Service") return NameRule::kDns1035Label;
  return NameRule::kDns1123Subdomain;
}

}  // namespace
}  // namespace internal

struct SchemaSet::Impl {
  // Owns the regexes the nodes point to.
  internal::SchemaCompiler compiler;
  std::vector<std::unique_ptr<internal::SchemaNode>> roots;
  // Sorted by group, kind, version.
  std::vector<std::unique_ptr<Schema>> schemas;
  // The schemas of each kind: Find runs once per object.
  absl::flat_hash_map<std::string, std::vector<const Schema*>> by_kind;

  absl::Status Load(absl::string_view json,
                    absl::flat_hash_map<std::string, const internal::SchemaNode*>* compiled);
};

absl::Status SchemaSet::Impl::Load(
    absl::string_view json,
    absl::flat_hash_map<std::string, const internal::SchemaNode*>* compiled) {
  model::DecodeLimits limits;
  limits.max_depth = 256;
  GWAPI_ASSIGN_OR_RETURN(model::Value doc, model::ParseJson(json, limits));
  if (!doc.is_array()) return absl::InvalidArgumentError("a schema file holds a JSON array");
  for (const model::Value& entry : doc.array()) {
    const model::Value* schema = entry.Find("schema");
    absl::string_view scope = entry.GetString("scope");
    if (schema == nullptr || entry.GetString("kind").empty() ||
        entry.GetString("version").empty() || (scope != "Namespaced" && scope != "Cluster")) {
      return absl::InvalidArgumentError("a schema entry needs group, kind, version, scope, schema");
    }
    auto s = std::make_unique<Schema>();
    s->group = std::string(entry.GetString("group"));
    s->kind = std::string(entry.GetString("kind"));
    s->version = std::string(entry.GetString("version"));
    s->namespaced = scope == "Namespaced";
    s->name_rule = internal::NameRuleFor(s->group, s->kind);
    // Identical versions (v1 and v1beta1 of most kinds) share one tree.
    std::string text = schema->ToJson();
    auto it = compiled->find(text);
    if (it != compiled->end()) {
      s->root = it->second;
    } else {
      auto root = compiler.Compile(*schema, /*root=*/true);
      if (!root.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(s->group, "/", s->version, " ", s->kind, ": ", root.status().message()));
      }
      s->root = root->get();
      compiled->emplace(std::move(text), s->root);
      roots.push_back(std::move(*root));
    }
    s->has_rules = s->root->rules_below;
    schemas.push_back(std::move(s));
  }
  return absl::OkStatus();
}

SchemaSet::SchemaSet() : impl_(std::make_unique<Impl>()) {}
SchemaSet::~SchemaSet() = default;

absl::StatusOr<std::unique_ptr<SchemaSet>> SchemaSet::FromJson(
    const std::vector<absl::string_view>& files) {
  std::unique_ptr<SchemaSet> set(new SchemaSet());
  absl::flat_hash_map<std::string, const internal::SchemaNode*> compiled;
  for (absl::string_view json : files) GWAPI_RETURN_IF_ERROR(set->impl_->Load(json, &compiled));
  auto& v = set->impl_->schemas;
  std::sort(
      v.begin(), v.end(), [](const std::unique_ptr<Schema>& a, const std::unique_ptr<Schema>& b) {
        return std::tie(a->group, a->kind, a->version) < std::tie(b->group, b->kind, b->version);
      });
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i - 1]->group == v[i]->group && v[i - 1]->kind == v[i]->kind &&
        v[i - 1]->version == v[i]->version) {
      return absl::InvalidArgumentError(
          absl::StrCat("two schemas for ", v[i]->group, "/", v[i]->version, " ", v[i]->kind));
    }
  }
  for (const auto& s : v) set->impl_->by_kind[s->kind].push_back(s.get());
  return set;
}

const SchemaSet& SchemaSet::Builtin() {
  // Leaked on purpose: readers may run during static destruction.
  static const SchemaSet* const set = [] {
    auto s = FromJson({internal::GatewayApiSchemaJson(), internal::CoreSchemaJson()});
    if (!s.ok()) {
      // The embedded schemas are part of the build; failing here is a bug.
      std::fprintf(stderr, "gwapi: built-in schemas do not load: %s\n",
                   std::string(s.status().message()).c_str());
      std::abort();
    }
    return s->release();
  }();
  return *set;
}

const Schema* SchemaSet::Find(absl::string_view group, absl::string_view version,
                              absl::string_view kind) const {
  auto it = impl_->by_kind.find(kind);
  if (it == impl_->by_kind.end()) return nullptr;
  for (const Schema* s : it->second) {
    if (s->group == group && s->version == version) return s;
  }
  return nullptr;
}

std::vector<FieldError> SchemaSet::DefaultAndValidate(model::Value& object,
                                                      const model::Value* old) const {
  using internal::MakeError;
  std::vector<FieldError> errors;
  if (!object.is_object()) {
    errors.push_back(MakeError("<nil>", internal::kInvalid, object.ToJson(),
                               "a Kubernetes object must be a mapping", "#type"));
    return errors;
  }
  // Writes to the main resource never carry status (status subresource).
  // Dropped first: the views below point into the object's members.
  object.Erase("status");
  // Both name the schema, so they are checked before it is known; every
  // schema types them as strings ("apiVersion#type", "kind#type").
  for (absl::string_view field : {"apiVersion", "kind"}) {
    const model::Value* v = object.Find(field);
    if (v == nullptr || (v->is_string() && v->string_value().empty())) {
      errors.push_back(MakeError(std::string(field), internal::kRequired, "", "",
                                 absl::StrCat(field, "#required")));
    } else if (!v->is_string()) {
      absl::string_view type = internal::TypeOf(*v);
      errors.push_back(MakeError(
          std::string(field), internal::kInvalid, internal::JsonString(type),
          absl::StrCat(field, " in body must be of type string: ", internal::GoQuote(type)),
          absl::StrCat(field, "#type")));
    }
  }
  if (!errors.empty()) return errors;
  absl::string_view api_version = object.GetString("apiVersion");
  absl::string_view kind = object.GetString("kind");

  absl::string_view group, version;
  model::SplitApiVersion(api_version, &group, &version);
  const Schema* schema = Find(group, version, kind);
  if (schema == nullptr) {
    std::string supported;
    for (const auto& s : impl_->schemas) {
      if (s->group != group || s->kind != kind) continue;
      absl::StrAppend(&supported, supported.empty() ? "supported values: " : ", ",
                      internal::GoQuote(
                          s->group.empty() ? s->version : absl::StrCat(s->group, "/", s->version)));
    }
    if (supported.empty()) {
      supported = absl::StrCat("no schema for kind ", internal::GoQuote(kind), " in group ",
                               internal::GoQuote(group));
    }
    errors.push_back(MakeError("apiVersion", internal::kUnsupported,
                               internal::JsonString(api_version), std::move(supported),
                               "apiVersion#schema"));
    return errors;
  }

  bool blocking = internal::CheckObjectMeta(*schema, object, &errors);

  std::vector<FieldError> list_errors;
  internal::Walker walker(&errors, &list_errors);
  walker.Visit(*schema->root, &object, object);
  blocking = blocking || walker.blocking();
  for (FieldError& e : list_errors) errors.push_back(std::move(e));

  if (schema->has_rules) {
    if (blocking) {
      // As the API server: CEL rules assume the shape the schema promises.
      errors.push_back(MakeError("<nil>", internal::kInvalid, "null",
                                 "some validation rules were not checked because the object was "
                                 "invalid; correct the existing errors to complete validation",
                                 "#x-kubernetes-validations"));
    } else {
      internal::CelWalker cel(&errors);
      cel.Visit(*schema->root, object, old != nullptr && old->is_object() ? old : nullptr);
    }
  }
  return errors;
}

std::vector<Constraint> SchemaSet::Constraints() const {
  std::vector<Constraint> out;
  for (const auto& s : impl_->schemas)
    internal::SchemaCompiler::ListConstraints(*s->root, *s, &out);
  return out;
}

}  // namespace gwapi::validate
