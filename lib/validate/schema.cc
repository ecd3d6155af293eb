#include "lib/validate/schema.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "lib/base/status_macros.h"
#include "lib/model/json.h"
#include "lib/validate/formats.h"
#include "lib/validate/object_meta.h"

namespace gwapi::validate::internal {
namespace {

// Schemas nest far less deeply; this only guards against runaway input.
constexpr int kMaxSchemaDepth = 200;

absl::Status Bad(absl::string_view anchor, absl::string_view prefix, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("schema ", anchor, "#", prefix, ": ", what));
}

absl::StatusOr<int64_t> NonNegativeInt(const model::Value& v, absl::string_view anchor,
                                       absl::string_view prefix, absl::string_view key) {
  if (!v.is_int() || v.int_value() < 0) {
    return Bad(anchor, prefix, absl::StrCat(key, " must be a non-negative integer"));
  }
  return v.int_value();
}

std::string JoinAnchor(absl::string_view anchor, absl::string_view name) {
  return anchor.empty() ? std::string(name) : absl::StrCat(anchor, ".", name);
}

// The enum detail of field.NotSupported: strings quoted, others as JSON.
std::string EnumDetail(const std::vector<model::Value>& values) {
  std::string out = "supported values: ";
  bool first = true;
  for (const model::Value& v : values) {
    if (!first) out += ", ";
    first = false;
    out += GoQuote(v.is_string() ? v.string_value() : v.ToJson());
  }
  return out;
}

Format ParseFormat(absl::string_view f) {
  if (f == "int32") return Format::kInt32;
  if (f == "int64") return Format::kInt64;
  if (f == "date-time") return Format::kDateTime;
  if (f == "ipv4") return Format::kIPv4;
  if (f == "ipv6") return Format::kIPv6;
  if (f == "cidr") return Format::kCidr;
  if (f == "byte") return Format::kByte;
  return Format::kNone;  // not checked, as kube-openapi skips unknown formats
}

}  // namespace

int SchemaNode::FindPropertySorted(absl::string_view name) const {
  auto it = std::lower_bound(properties.begin(), properties.end(), name,
                             [](const Property& p, absl::string_view n) { return p.name < n; });
  if (it == properties.end() || it->name != name) return -1;
  return static_cast<int>(it - properties.begin());
}

std::string SchemaNode::ConstraintId(absl::string_view keyword) const {
  return absl::StrCat(anchor, "#", keyword_prefix, keyword);
}

absl::StatusOr<const SchemaCompiler::CompiledRegex*> SchemaCompiler::Regex(
    const std::string& pattern) {
  // Ids outlive every compiler, so a memo keyed by them never confuses two
  // regexes that shared an address.
  static std::atomic<uint64_t> next_id{1};
  auto it = regexes_.find(pattern);
  if (it != regexes_.end()) return &it->second;
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) {
    return absl::InvalidArgumentError(absl::StrCat("bad pattern '", pattern, "': ", re->error()));
  }
  auto [pos, inserted] = regexes_.emplace(pattern, CompiledRegex{std::move(re), next_id++});
  return &pos->second;
}

absl::StatusOr<std::unique_ptr<SchemaNode>> SchemaCompiler::Compile(const model::Value& schema,
                                                                    bool root) {
  GWAPI_ASSIGN_OR_RETURN(std::unique_ptr<SchemaNode> node,
                         CompileNode(schema, "", "", /*in_combinator=*/false, 0));
  if (!root) return node;
  int meta = node->FindProperty("metadata");
  if (meta < 0) return Bad("", "", "a resource root needs a metadata property");
  GWAPI_ASSIGN_OR_RETURN(model::Value meta_schema,
                         model::ParseJson(ObjectMetaSchemaJson(), model::DecodeLimits{}));
  GWAPI_ASSIGN_OR_RETURN(node->properties[meta].node,
                         CompileNode(meta_schema, "metadata", "", false, 1));
  return node;
}

absl::StatusOr<std::unique_ptr<SchemaNode>> SchemaCompiler::CompileNode(
    const model::Value& s, std::string anchor, std::string prefix, bool in_combinator, int depth) {
  if (depth > kMaxSchemaDepth) return Bad(anchor, prefix, "schema nests too deeply");
  if (!s.is_object()) return Bad(anchor, prefix, "a schema must be an object");
  auto n = std::make_unique<SchemaNode>();
  n->anchor = std::move(anchor);
  n->keyword_prefix = std::move(prefix);
  n->in_combinator = in_combinator;
  const std::string& a = n->anchor;
  const std::string& p = n->keyword_prefix;

  // Where the children of this node are named.
  auto child = [&](absl::string_view step, absl::string_view structural) {
    if (in_combinator) {
      return std::make_pair(a, absl::StrCat(p, step, "."));
    }
    return std::make_pair(std::string(structural), std::string());
  };

  for (const model::Value::Member& m : s.object()) {
    const std::string& key = m.first;
    const model::Value& v = m.second;
    if (key == "type") {
      if (!v.is_string()) return Bad(a, p, "type must be a string");
      const std::string& t = v.string_value();
      n->type_name = t;
      if (t == "string") {
        n->type = JsonType::kString;
      } else if (t == "integer") {
        n->type = JsonType::kInteger;
      } else if (t == "number") {
        n->type = JsonType::kNumber;
      } else if (t == "boolean") {
        n->type = JsonType::kBoolean;
      } else if (t == "array") {
        n->type = JsonType::kArray;
      } else if (t == "object") {
        n->type = JsonType::kObject;
      } else {
        return Bad(a, p, absl::StrCat("unknown type \"", t, "\""));
      }
    } else if (key == "format") {
      if (!v.is_string()) return Bad(a, p, "format must be a string");
      n->format_name = v.string_value();
      n->format = ParseFormat(n->format_name);
    } else if (key == "enum") {
      if (!v.is_array() || v.array().empty()) return Bad(a, p, "enum must be a non-empty array");
      n->enum_values = v.array();
      n->enum_detail = EnumDetail(n->enum_values);
    } else if (key == "pattern") {
      if (!v.is_string()) return Bad(a, p, "pattern must be a string");
      n->pattern_text = v.string_value();
      auto re = Regex(n->pattern_text);
      if (!re.ok()) return Bad(a, p, re.status().message());
      n->pattern = (*re)->re.get();
      n->pattern_id = (*re)->id;
    } else if (key == "minLength") {
      GWAPI_ASSIGN_OR_RETURN(n->min_length, NonNegativeInt(v, a, p, key));
    } else if (key == "maxLength") {
      GWAPI_ASSIGN_OR_RETURN(n->max_length, NonNegativeInt(v, a, p, key));
    } else if (key == "minItems") {
      GWAPI_ASSIGN_OR_RETURN(n->min_items, NonNegativeInt(v, a, p, key));
    } else if (key == "maxItems") {
      GWAPI_ASSIGN_OR_RETURN(n->max_items, NonNegativeInt(v, a, p, key));
    } else if (key == "minProperties") {
      GWAPI_ASSIGN_OR_RETURN(n->min_properties, NonNegativeInt(v, a, p, key));
    } else if (key == "maxProperties") {
      GWAPI_ASSIGN_OR_RETURN(n->max_properties, NonNegativeInt(v, a, p, key));
    } else if (key == "minimum" || key == "maximum" || key == "multipleOf") {
      if (!v.is_number()) return Bad(a, p, absl::StrCat(key, " must be a number"));
      if (key == "minimum") {
        n->has_minimum = true;
        n->minimum = v.number_value();
      } else if (key == "maximum") {
        n->has_maximum = true;
        n->maximum = v.number_value();
      } else {
        if (v.number_value() <= 0) return Bad(a, p, "multipleOf must be positive");
        n->has_multiple_of = true;
        n->multiple_of = v.number_value();
      }
    } else if (key == "exclusiveMinimum" || key == "exclusiveMaximum" || key == "nullable" ||
               key == "x-kubernetes-int-or-string" ||
               key == "x-kubernetes-preserve-unknown-fields" || key == "uniqueItems" ||
               key == "x-kubernetes-embedded-resource") {
      if (!v.is_bool()) return Bad(a, p, absl::StrCat(key, " must be a boolean"));
      bool b = v.bool_value();
      if (key == "exclusiveMinimum") n->exclusive_minimum = b;
      if (key == "exclusiveMaximum") n->exclusive_maximum = b;
      if (key == "nullable") n->nullable = b;
      if (key == "x-kubernetes-int-or-string") n->int_or_string = b;
      // Embedded resources are kept whole (their ObjectMeta is not checked).
      if (key == "x-kubernetes-preserve-unknown-fields" ||
          key == "x-kubernetes-embedded-resource") {
        n->preserve_unknown = n->preserve_unknown || b;
      }
      // uniqueItems must be false in structural schemas; nothing to check.
    } else if (key == "required") {
      if (!v.is_array()) return Bad(a, p, "required must be an array");
      for (const model::Value& r : v.array()) {
        if (!r.is_string()) return Bad(a, p, "required entries must be strings");
        n->required.push_back(RequiredField{r.string_value(), -1, ""});
      }
    } else if (key == "properties") {
      if (!v.is_object()) return Bad(a, p, "properties must be an object");
      for (const model::Value::Member& prop : v.object()) {
        auto [ca, cp] = child(absl::StrCat("properties.", prop.first), JoinAnchor(a, prop.first));
        GWAPI_ASSIGN_OR_RETURN(auto c, CompileNode(prop.second, ca, cp, in_combinator, depth + 1));
        n->properties.push_back(Property{prop.first, std::move(c)});
      }
    } else if (key == "additionalProperties") {
      if (v.is_bool()) {
        n->additional_any = v.bool_value();
      } else {
        auto [ca, cp] = child("additionalProperties", absl::StrCat(a, "{}"));
        GWAPI_ASSIGN_OR_RETURN(n->additional, CompileNode(v, ca, cp, in_combinator, depth + 1));
      }
    } else if (key == "items") {
      auto [ca, cp] = child("items", absl::StrCat(a, "[]"));
      GWAPI_ASSIGN_OR_RETURN(n->items, CompileNode(v, ca, cp, in_combinator, depth + 1));
    } else if (key == "default") {
      n->default_value = std::make_unique<model::Value>(v);
    } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
      if (!v.is_array()) return Bad(a, p, absl::StrCat(key, " must be an array"));
      auto& list = key == "allOf" ? n->all_of : key == "anyOf" ? n->any_of : n->one_of;
      for (size_t i = 0; i < v.array().size(); ++i) {
        GWAPI_ASSIGN_OR_RETURN(
            auto c,
            CompileNode(v.array()[i], a, absl::StrCat(p, key, "[", i, "]."), true, depth + 1));
        list.push_back(std::move(c));
      }
    } else if (key == "not") {
      GWAPI_ASSIGN_OR_RETURN(n->not_schema,
                             CompileNode(v, a, absl::StrCat(p, "not."), true, depth + 1));
    } else if (key == "x-kubernetes-list-type") {
      if (!v.is_string()) return Bad(a, p, "x-kubernetes-list-type must be a string");
      const std::string& t = v.string_value();
      if (t == "set") {
        n->list_type = ListType::kSet;
      } else if (t == "map") {
        n->list_type = ListType::kMap;
      } else if (t != "atomic") {
        return Bad(a, p, absl::StrCat("unknown list type \"", t, "\""));
      }
    } else if (key == "x-kubernetes-list-map-keys") {
      if (!v.is_array()) return Bad(a, p, "x-kubernetes-list-map-keys must be an array");
      for (const model::Value& k : v.array()) {
        if (!k.is_string()) return Bad(a, p, "list map keys must be strings");
        n->list_map_keys.push_back(k.string_value());
      }
    } else if (key == "x-kubernetes-map-type") {
      // granular and atomic maps both correlate with the old object for
      // transition rules; nothing else depends on the map type.
    } else if (key == "x-kubernetes-validations") {
      if (!v.is_array()) return Bad(a, p, "x-kubernetes-validations must be an array");
      for (size_t i = 0; i < v.array().size(); ++i) {
        const model::Value& r = v.array()[i];
        if (!r.is_object() || !r.Find("rule") || !r.Find("rule")->is_string()) {
          return Bad(a, p, "a validation rule needs a rule string");
        }
        CelRule rule;
        rule.index = static_cast<int>(i);
        rule.rule = std::string(r.GetString("rule"));
        rule.message = std::string(r.GetString("message"));
        rule.message_expression = std::string(r.GetString("messageExpression"));
        rule.reason = std::string(r.GetString("reason"));
        rule.field_path = std::string(r.GetString("fieldPath"));
        auto program = cel::Program::Compile(rule.rule);
        if (program.ok()) {
          rule.program = std::move(*program);
          rule.transition = rule.program->references_old_self();
          if (!rule.transition) RecogniseFastRule(&rule);
        } else {
          // Reported when the rule would run, as the API server reports
          // "rule compile error" for a rule it cannot compile.
          rule.compile_error = std::string(program.status().message());
          rule.transition = rule.rule.find("oldSelf") != std::string::npos;
        }
        n->rules.push_back(std::move(rule));
      }
    } else {
      return Bad(a, p, absl::StrCat("unknown schema keyword \"", key, "\""));
    }
  }

  if (n->int_or_string) {
    n->type = JsonType::kAny;
    n->type_name = "integer,string";
  }
  if (!n->list_map_keys.empty() && n->list_type != ListType::kMap) {
    return Bad(a, p, "x-kubernetes-list-map-keys needs x-kubernetes-list-type: map");
  }
  if (n->list_type == ListType::kMap && n->list_map_keys.empty()) {
    return Bad(a, p, "x-kubernetes-list-type: map needs x-kubernetes-list-map-keys");
  }
  if (n->additional != nullptr && !n->properties.empty()) {
    return Bad(a, p, "properties and additionalProperties are exclusive in structural schemas");
  }

  std::sort(n->properties.begin(), n->properties.end(),
            [](const Property& x, const Property& y) { return x.name < y.name; });
  for (const Property& prop : n->properties) n->property_keys.push_back(PropertyKey::Of(prop.name));
  for (uint32_t i = 0; i < n->properties.size(); ++i) {
    const SchemaNode& c = *n->properties[i].node;
    if (c.default_value != nullptr) n->defaulted.push_back(i);
    n->rules_below = n->rules_below || c.rules_below;
  }
  for (RequiredField& r : n->required) {
    r.property = n->FindProperty(r.name);
    if (r.property >= 0) {
      r.constraint = n->properties[r.property].node->ConstraintId("required");
    } else if (in_combinator) {
      r.constraint = absl::StrCat(a, "#", p, "properties.", r.name, ".required");
    } else {
      r.constraint = absl::StrCat(JoinAnchor(a, r.name), "#required");
    }
  }
  if (n->items != nullptr) n->rules_below = n->rules_below || n->items->rules_below;
  if (n->additional != nullptr) n->rules_below = n->rules_below || n->additional->rules_below;
  n->rules_below = n->rules_below || !n->rules.empty();
  n->has_scalar_checks = !n->enum_values.empty() || n->format != Format::kNone ||
                         n->min_length >= 0 || n->max_length >= 0 || n->pattern != nullptr ||
                         n->has_minimum || n->has_maximum || n->has_multiple_of;
  n->has_combinators =
      !n->all_of.empty() || !n->any_of.empty() || !n->one_of.empty() || n->not_schema != nullptr;
  return n;
}

void SchemaCompiler::ListConstraints(const SchemaNode& n, const Schema& schema,
                                     std::vector<Constraint>* out) {
  auto add = [&](absl::string_view keyword, std::string detail) {
    out->push_back(Constraint{schema.group, schema.kind, schema.version, n.anchor,
                              absl::StrCat(n.keyword_prefix, keyword), std::move(detail)});
  };
  if (!n.type_name.empty()) add("type", n.type_name);
  if (n.format != Format::kNone && n.format != Format::kInt64) add("format", n.format_name);
  if (!n.enum_values.empty()) add("enum", n.enum_detail);
  if (n.max_length >= 0) add("maxLength", absl::StrCat(n.max_length));
  if (n.min_length > 0) add("minLength", absl::StrCat(n.min_length));
  if (n.pattern != nullptr) add("pattern", n.pattern_text);
  if (n.has_multiple_of) add("multipleOf", GoFloat(n.multiple_of));
  if (n.has_maximum) {
    add("maximum", absl::StrCat(n.exclusive_maximum ? "< " : "<= ", GoFloat(n.maximum)));
  }
  if (n.has_minimum) {
    add("minimum", absl::StrCat(n.exclusive_minimum ? "> " : ">= ", GoFloat(n.minimum)));
  }
  if (n.min_items > 0) add("minItems", absl::StrCat(n.min_items));
  if (n.max_items >= 0) add("maxItems", absl::StrCat(n.max_items));
  if (n.list_type == ListType::kSet) add("x-kubernetes-list-type", "set");
  if (n.list_type == ListType::kMap) {
    add("x-kubernetes-list-type", absl::StrCat("map [", absl::StrJoin(n.list_map_keys, ", "), "]"));
  }
  if (n.min_properties > 0) add("minProperties", absl::StrCat(n.min_properties));
  if (n.max_properties >= 0) add("maxProperties", absl::StrCat(n.max_properties));
  for (const RequiredField& r : n.required) {
    size_t hash = r.constraint.find('#');
    out->push_back(Constraint{schema.group, schema.kind, schema.version,
                              r.constraint.substr(0, hash), r.constraint.substr(hash + 1), r.name});
  }
  if (!n.all_of.empty()) add("allOf", "");
  if (!n.any_of.empty()) add("anyOf", "");
  if (!n.one_of.empty()) add("oneOf", "");
  if (n.not_schema != nullptr) add("not", "");
  for (const CelRule& r : n.rules) {
    add(absl::StrCat("x-kubernetes-validations[", r.index, "]"), r.rule);
  }
  for (const Property& prop : n.properties) {
    if (!n.in_combinator && n.anchor.empty() && prop.name == "metadata") {
      // The CRD says {type: object}; the rest is the builtin ObjectMeta's.
      out->push_back(Constraint{schema.group, schema.kind, schema.version, "metadata", "type",
                                prop.node->type_name});
      continue;
    }
    ListConstraints(*prop.node, schema, out);
  }
  if (n.additional != nullptr) ListConstraints(*n.additional, schema, out);
  if (n.items != nullptr) ListConstraints(*n.items, schema, out);
  for (const auto& c : n.all_of) ListConstraints(*c, schema, out);
  for (const auto& c : n.any_of) ListConstraints(*c, schema, out);
  for (const auto& c : n.one_of) ListConstraints(*c, schema, out);
  // A `not` schema is a predicate; its own keywords never report errors.
}

namespace {

// A field name that selects itself: letters and digits, no `__` escape.
bool PlainField(absl::string_view f) {
  if (f.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(f[0]))) return false;
  for (char c : f) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
  }
  return f.find("__") == absl::string_view::npos;
}

// A string literal body with no quote, escape or non-ASCII byte.
bool PlainLiteral(absl::string_view l) {
  if (l.empty()) return false;
  for (char c : l) {
    if (c < 0x20 || c > 0x7e || c == '\'' || c == '"' || c == '\\') return false;
  }
  return true;
}

// s == prefix + X + suffix, with X returned in *x.
bool Between(absl::string_view s, absl::string_view prefix, absl::string_view suffix,
             absl::string_view* x) {
  if (!absl::ConsumePrefix(&s, prefix) || !absl::ConsumeSuffix(&s, suffix)) return false;
  *x = s;
  return true;
}

// s == a + X + b + Y + c.
bool Between2(absl::string_view s, absl::string_view a, absl::string_view b,
              absl::string_view c, absl::string_view* x, absl::string_view* y) {
  if (!absl::ConsumePrefix(&s, a) || !absl::ConsumeSuffix(&s, c)) return false;
  size_t at = s.find(b);
  if (at == absl::string_view::npos) return false;
  *x = s.substr(0, at);
  *y = s.substr(at + b.size());
  return true;
}

std::string TotalMatchesRule() {
  std::string r;
  for (int i = 0; i < 16; ++i) {
    absl::StrAppend(&r, i == 0 ? "" : " + ", "(self.size() > ", i, " ? self[", i,
                    "].matches.size() : 0)");
  }
  absl::StrAppend(&r, " <= 128");
  return r;
}

constexpr absl::string_view kParentRefsAll =
    "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == "
    "p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) "
    "|| p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && "
    "p1.__namespace__ == p2.__namespace__ )) ? ((!has(p1.sectionName) || p1.sectionName == '') "
    "== (!has(p2.sectionName) || p2.sectionName == '')) : true))";
constexpr absl::string_view kParentRefsExistsOne =
    "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == "
    "p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) "
    "|| p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && "
    "p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == "
    "'') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && "
    "has(p2.sectionName) && p1.sectionName == p2.sectionName))))";
constexpr absl::string_view kPathChars =
    R"((self.type in ['Exact','PathPrefix']) ? self.value.matches(r"""^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$""") : true)";
constexpr absl::string_view kPathGuard = "(self.type in ['Exact','PathPrefix']) ? ";
constexpr absl::string_view kPathTypeKnown =
    "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'";
constexpr absl::string_view kServicePort =
    "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true";
constexpr absl::string_view kBackendRefsNoRedirect =
    "(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || "
    "self.filters.all(f, !has(f.requestRedirect))): true";
constexpr absl::string_view kPrefixMatchTail =
    ") ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type "
    "!= 'PathPrefix') ? false : true) : true";

// The `<x>` of `has(f.<x>) && has(f.<x>.path) && f.<x>.path.type ==
// 'ReplacePrefixMatch' && has(f.<x>.path.replacePrefixMatch)`.
bool PrefixMatchFilter(absl::string_view body, absl::string_view* field) {
  for (absl::string_view x : {"requestRedirect", "urlRewrite"}) {
    if (body == absl::StrCat("has(f.", x, ") && has(f.", x, ".path) && f.", x,
                             ".path.type == 'ReplacePrefixMatch' && has(f.", x,
                             ".path.replacePrefixMatch)")) {
      *field = x;
      return true;
    }
  }
  return false;
}

}  // namespace

void RecogniseFastRule(CelRule* rule) {
  static const std::string* const total_matches = new std::string(TotalMatchesRule());
  const absl::string_view r = rule->rule;
  absl::string_view x, y;
  auto set = [&](FastRule f, absl::string_view field, absl::string_view literal) {
    rule->fast = f;
    rule->fast_field = std::string(field);
    rule->fast_literal = std::string(literal);
  };
  if (Between2(r, "!(has(self.", ") && self.type != '", "')", &x, &y) && PlainField(x) &&
      PlainLiteral(y)) {
    set(FastRule::kHasImpliesType, x, y);
  } else if (Between2(r, "!(!has(self.", ") && self.type == '", "')", &x, &y) &&
             PlainField(x) && PlainLiteral(y)) {
    set(FastRule::kTypeImpliesHas, x, y);
  } else if (r == kPathChars) {
    set(FastRule::kPathChars, "", "");
  } else if (Between(r, absl::StrCat(kPathGuard, "self.value.startsWith('"), "') : true", &x) &&
             PlainLiteral(x)) {
    set(FastRule::kPathStartsWith, "", x);
  } else if (Between(r, absl::StrCat(kPathGuard, "!self.value.contains('"), "') : true", &x) &&
             PlainLiteral(x)) {
    set(FastRule::kPathNotContains, "", x);
  } else if (Between(r, absl::StrCat(kPathGuard, "!self.value.endsWith('"), "') : true", &x) &&
             PlainLiteral(x)) {
    set(FastRule::kPathNotEndsWith, "", x);
  } else if (r == kPathTypeKnown) {
    set(FastRule::kPathTypeKnown, "", "");
  } else if (r == kServicePort) {
    set(FastRule::kServicePort, "", "");
  } else if (r == kParentRefsAll || r == kParentRefsExistsOne) {
    set(FastRule::kParentRefsUnique, "", "");
  } else if (r == *total_matches) {
    set(FastRule::kTotalMatches, "", "");
  } else if (r == kBackendRefsNoRedirect) {
    set(FastRule::kBackendRefsNoRedirect, "", "");
  } else if (Between(r, "(has(self.filters) && self.filters.exists_one(f, ", kPrefixMatchTail,
                     &x) &&
             absl::ConsumeSuffix(&x, ")") && PrefixMatchFilter(x, &y)) {
    set(FastRule::kNoFiltersGuard, y, "");
  } else if (Between(r,
                     "(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) "
                     "&& b.filters.exists_one(f, ",
                     kPrefixMatchTail, &x) &&
             absl::ConsumeSuffix(&x, ")) )") && PrefixMatchFilter(x, &y)) {
    set(FastRule::kNoBackendFiltersGuard, y, "");
  } else if (Between(r, "self.filter(f, f.type == '", "').size() <= 1", &x) && PlainLiteral(x)) {
    set(FastRule::kAtMostOneOfType, "", x);
  } else if (Between2(r, "!(self.exists(f, f.type == '", "') && self.exists(f, f.type == '",
                      "'))", &x, &y) &&
             PlainLiteral(x) && PlainLiteral(y)) {
    set(FastRule::kNotBothTypes, x, y);
  } else if (Between2(r, "self.type == '", "' ? has(self.", ") : true", &x, &y) &&
             PlainLiteral(x) && PlainField(y)) {
    set(FastRule::kTypeThenHas, y, x);
  } else if (Between2(r, "has(self.", ") ? self.type == '", "' : true", &x, &y) &&
             PlainField(x) && PlainLiteral(y)) {
    set(FastRule::kHasThenType, x, y);
  } else if (Between2(r, "!(has(self.", ") && has(self.", "))", &x, &y) && PlainField(x) &&
             PlainField(y)) {
    set(FastRule::kNotBothFields, x, y);
  }
}

}  // namespace gwapi::validate::internal
