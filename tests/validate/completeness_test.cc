// Completeness of validation: every OpenAPI constraint and every CEL rule of
// the Gateway API v1.6.1 standard CRDs, for every kind and served version, is
// implemented by lib/validate and enforced on decode.
//
// The CRDs are read at test time from
// $GWAPI_SHARED_DIR/gateway-api/v1.6.1/standard (never copied into the
// repository), and the test derives the constraints from them with its own
// schema walk, not lib/validate's:
//   1. every constraint gets an id, "<anchor>#<keyword>" (schema.h);
//   2. SchemaSet::Constraints() must list each id with the same detail (the
//      rule, the pattern, the bound...), and nothing the CRDs do not have;
//   3. a mutation harness turns a valid seed object per kind
//      (completeness/seeds.yaml) into an object that violates the constraint,
//      and DefaultAndValidate must report that id. CEL rules take their
//      violating values from completeness/cel_violations.yaml.
// The few constraints no object can violate are in kAllowlist, with reasons.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "lib/model/limits.h"
#include "lib/model/value.h"
#include "lib/model/yaml.h"
#include "lib/validate/validator.h"
#include "re2/re2.h"

namespace gwapi::validate {
namespace {

using model::Value;

constexpr absl::string_view kCrdDir = "gateway-api/v1.6.1/standard";

// ---------------------------------------------------------------------------
// Constraints as this test derives them from the CRDs.

// One constraint of one kind+version.
struct Expected {
  std::string anchor;   // "spec.rules[].matches[]"; "" for the root
  std::string keyword;  // after '#': "maxLength", "oneOf[0].properties.value.anyOf"
  std::string base;     // the keyword proper: "maxLength", "anyOf", "x-kubernetes-validations"
  std::string detail;   // the type, pattern, bound, rule text, required field...
  const Value* node = nullptr;  // the schema node that holds the keyword
  std::string field;            // "required": the field that must be present
  bool in_combinator = false;
  std::string allowed;  // the allowlist's reason when no object can violate it

  std::string Id() const { return absl::StrCat(anchor, "#", keyword); }
};

// One version of one CRD; a served one has its schema and constraints.
struct KindVersion {
  std::string group, kind, version;
  const Value* schema = nullptr;  // openAPIV3Schema
  std::vector<Expected> constraints;
  const Value* seed = nullptr;

  std::string Name() const { return absl::StrCat(kind, " ", version); }
};

// Every schema keyword the walk knows. An unknown one fails the test, so a
// new upstream keyword cannot go unchecked.
const std::set<std::string>& KnownKeywords() {
  static const auto* const known = new std::set<std::string>{
      // Constraints.
      "type", "format", "enum", "pattern", "minLength", "maxLength", "minItems", "maxItems",
      "minProperties", "maxProperties", "minimum", "maximum", "multipleOf", "required",
      "x-kubernetes-validations", "x-kubernetes-list-type", "allOf", "anyOf", "oneOf", "not",
      // Modifiers of the constraints above.
      "exclusiveMinimum", "exclusiveMaximum", "x-kubernetes-list-map-keys",
      // Structure.
      "properties", "items", "additionalProperties",
      // Not constraints: documentation; `default` (defaulting is tested
      // elsewhere); nullable only widens; the map type only steers merges;
      // uniqueItems must be false in structural schemas.
      "description", "title", "example", "externalDocs", "default", "nullable",
      "x-kubernetes-map-type", "x-kubernetes-preserve-unknown-fields",
      "x-kubernetes-embedded-resource", "uniqueItems",
      // Changes what `type` means; the walk reports it as unsupported.
      "x-kubernetes-int-or-string"};
  return *known;
}

std::string JoinAnchor(absl::string_view anchor, absl::string_view name) {
  return anchor.empty() ? std::string(name) : absl::StrCat(anchor, ".", name);
}

// Walks one openAPIV3Schema and lists its constraints. Nodes inside
// allOf/anyOf/oneOf keep the anchor of the node holding the combinator and
// name their place after the '#' (schema.h).
class SchemaWalk {
 public:
  SchemaWalk(std::vector<Expected>* out, std::vector<std::string>* problems, std::string where)
      : out_(out), problems_(problems), where_(std::move(where)) {}

  void Walk(const Value& s, const std::string& anchor, const std::string& prefix, bool comb) {
    const std::string here = absl::StrCat(where_, " ", anchor, "#", prefix);
    if (!s.is_object()) {
      problems_->push_back(absl::StrCat(here, ": a schema must be an object"));
      return;
    }
    for (const Value::Member& m : s.object()) {
      if (!KnownKeywords().count(m.first)) {
        problems_->push_back(absl::StrCat(here, ": unknown schema keyword ", m.first));
      }
    }
    if (const Value* v = s.Find("x-kubernetes-int-or-string");
        v && v->is_bool() && v->bool_value()) {
      problems_->push_back(absl::StrCat(here, ": the harness cannot violate int-or-string types"));
    }
    auto add = [&](absl::string_view base, std::string detail) {
      Expected e;
      e.anchor = anchor;
      e.keyword = absl::StrCat(prefix, base);
      e.base = std::string(base);
      e.detail = std::move(detail);
      e.node = &s;
      e.in_combinator = comb;
      out_->push_back(std::move(e));
    };
    auto text = [](const Value& v) { return v.is_string() ? v.string_value() : v.ToJson(); };

    for (absl::string_view k : {"type", "format", "pattern"}) {
      if (const Value* v = s.Find(k)) add(k, text(*v));
    }
    if (const Value* v = s.Find("enum")) add("enum", v->ToJson());
    for (absl::string_view k : {"minLength", "maxLength", "minItems", "maxItems", "minProperties",
                                "maxProperties", "multipleOf", "minimum", "maximum"}) {
      if (const Value* v = s.Find(k)) add(k, v->ToJson());
    }
    // atomic lists (the default) only change how merges treat the list.
    absl::string_view list_type = s.GetString("x-kubernetes-list-type");
    if (list_type == "set") add("x-kubernetes-list-type", "set");
    if (list_type == "map") {
      std::vector<std::string> keys;
      if (const Value* k = s.Find("x-kubernetes-list-map-keys"); k && k->is_array()) {
        for (const Value& key : k->array()) keys.push_back(text(key));
      }
      add("x-kubernetes-list-type", absl::StrCat("map [", absl::StrJoin(keys, ", "), "]"));
    }
    const Value* props = s.Find("properties");
    if (const Value* req = s.Find("required"); req && req->is_array()) {
      for (const Value& r : req->array()) {
        const std::string name = text(r);
        Expected e;
        // The id sits on the field that must be present.
        e.anchor = comb ? anchor : JoinAnchor(anchor, name);
        e.keyword = comb ? absl::StrCat(prefix, "properties.", name, ".required") : "required";
        e.base = "required";
        e.detail = name;
        e.node = props != nullptr && props->Find(name) != nullptr ? props->Find(name) : &s;
        e.field = name;
        e.in_combinator = comb;
        out_->push_back(std::move(e));
      }
    }
    if (const Value* rules = s.Find("x-kubernetes-validations"); rules && rules->is_array()) {
      for (size_t i = 0; i < rules->array().size(); ++i) {
        add(absl::StrCat("x-kubernetes-validations[", i, "]"),
            std::string(rules->array()[i].GetString("rule")));
        out_->back().base = "x-kubernetes-validations";
      }
    }
    for (absl::string_view k : {"allOf", "anyOf", "oneOf"}) {
      const Value* alts = s.Find(k);
      if (alts == nullptr || !alts->is_array()) continue;
      add(k, "");
      for (size_t i = 0; i < alts->array().size(); ++i) {
        Walk(alts->array()[i], anchor, absl::StrCat(prefix, k, "[", i, "]."), true);
      }
    }
    // The keywords under `not` are a predicate, not constraints: a value
    // that breaks them satisfies the `not`. Only the `not` itself is one.
    if (s.Find("not") != nullptr) add("not", "");

    if (props != nullptr && props->is_object()) {
      for (const Value::Member& p : props->object()) {
        // The API server ignores status on writes to the main resource
        // (every one of these CRDs has the status subresource), so its
        // schema constrains nothing gwapi decodes.
        if (anchor.empty() && prefix.empty() && p.first == "status") continue;
        if (comb) {
          Walk(p.second, anchor, absl::StrCat(prefix, "properties.", p.first, "."), true);
        } else {
          Walk(p.second, JoinAnchor(anchor, p.first), "", false);
        }
      }
    }
    if (const Value* items = s.Find("items")) {
      if (comb) {
        Walk(*items, anchor, absl::StrCat(prefix, "items."), true);
      } else {
        Walk(*items, absl::StrCat(anchor, "[]"), "", false);
      }
    }
    if (const Value* ap = s.Find("additionalProperties"); ap && ap->is_object()) {
      if (comb) {
        Walk(*ap, anchor, absl::StrCat(prefix, "additionalProperties."), true);
      } else {
        Walk(*ap, absl::StrCat(anchor, "{}"), "", false);
      }
    }
  }

 private:
  std::vector<Expected>* out_;
  std::vector<std::string>* problems_;
  std::string where_;
};

// ---------------------------------------------------------------------------
// The allowlist: constraints no object can violate. Keep it minimal; every
// other constraint must have a violating object.

struct Allowed {
  absl::string_view what;
  bool (*matches)(const Expected&);
  absl::string_view reason;
  bool general;  // a fact about all schemas; the others must match something
};

constexpr Allowed kAllowlist[] = {
    {"minLength/minItems/minProperties: 0",
     [](const Expected& e) {
       return (e.base == "minLength" || e.base == "minItems" || e.base == "minProperties") &&
              e.detail == "0";
     },
     "every string, list and map has at least 0 elements", true},
    {"format: int64", [](const Expected& e) { return e.base == "format" && e.detail == "int64"; },
     "the decoders keep JSON integers as int64, so every integer is in range", true},
    {"HTTPRoute path match: type in [Exact, PathPrefix] or RegularExpression",
     [](const Expected& e) {
       return e.base == "x-kubernetes-validations" &&
              e.detail == "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'";
     },
     "`type` has enum [Exact, PathPrefix, RegularExpression] and a default, so only a type "
     "outside the enum breaks the rule, and that enum error keeps every CEL rule from running "
     "(as in the API server)",
     false},
    {"Gateway spec.addresses[]#oneOf[0].properties.type.enum",
     [](const Expected& e) { return e.Id() == "spec.addresses[]#oneOf[0].properties.type.enum"; },
     "a type outside alternative 0's enum [IPAddress] satisfies alternative 1 "
     "(not: enum [IPAddress]), so the oneOf holds and nothing is reported",
     false},
};

// ---------------------------------------------------------------------------
// Combinators: violating values chosen for their structure. Gateway's
// spec.addresses[] items hold the only ones in the standard CRDs:
//   oneOf:
//   - properties: {type: {enum: [IPAddress]},
//                  value: {anyOf: [{format: ipv4}, {format: ipv6}]}}
//   - properties: {type: {not: {enum: [IPAddress]}}}
// A failing anyOf/oneOf reports, besides its own error, the errors of the
// alternative that came closest (the first on a tie), as kube-openapi does.
// Where an alternative never comes closest, the value that violates its
// constraint is reported through the combinator (`expect`).

struct CombinatorCase {
  absl::string_view id;
  absl::string_view value;  // YAML, for the node at the anchor
  absl::string_view expect;
};

constexpr CombinatorCase kCombinatorCases[] = {
    {"spec.addresses[]#oneOf", "{type: IPAddress, value: not-an-ip}", "spec.addresses[]#oneOf"},
    {"spec.addresses[]#oneOf[0].properties.value.anyOf", "{type: IPAddress, value: not-an-ip}",
     "spec.addresses[]#oneOf[0].properties.value.anyOf"},
    {"spec.addresses[]#oneOf[0].properties.value.anyOf[0].format",
     "{type: IPAddress, value: 10.0.0.256}",
     "spec.addresses[]#oneOf[0].properties.value.anyOf[0].format"},
    // Every value that fails ipv6 and ipv4 ties the two; ipv4 reports.
    {"spec.addresses[]#oneOf[0].properties.value.anyOf[1].format",
     "{type: IPAddress, value: \"2001:db8::g\"}",
     "spec.addresses[]#oneOf[0].properties.value.anyOf"},
    // type IPAddress fails the `not`, but then alternative 0 always comes
    // closer than alternative 1.
    {"spec.addresses[]#oneOf[1].properties.type.not", "{type: IPAddress, value: not-an-ip}",
     "spec.addresses[]#oneOf"},
};

// ---------------------------------------------------------------------------
// Loading.

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A data file of this test: in the runfiles tree under Bazel, else relative
// to the working directory (the workspace root).
std::string DataPath(absl::string_view name) {
  const std::string rel = absl::StrCat("tests/validate/completeness/", name);
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir != nullptr && workspace != nullptr) {
    std::string p = absl::StrCat(srcdir, "/", workspace, "/", rel);
    if (std::filesystem::exists(p)) return p;
  }
  return rel;
}

absl::StatusOr<std::vector<model::YamlDocument>> ParseYamlFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto docs = model::ParseYaml(*text, model::DecodeLimits{});
  if (!docs.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", docs.status().message()));
  }
  return docs;
}

// A violating value for a CEL rule, from cel_violations.yaml.
struct CelViolation {
  std::string anchor_suffix;  // "" for every place of the rule
  Value self;
  std::optional<Value> old_self;
  bool used = false;
};

struct CelEntry {
  std::string key;   // the rule text or a substring of it
  std::string rule;  // the distinct rule text it names
  std::vector<CelViolation> violations;
};

// Everything the tests share, loaded once.
struct Suite {
  absl::Status status;                       // not OK: nothing else is usable
  std::vector<std::unique_ptr<Value>> docs;  // CRDs and seeds; pointers into them stay valid
  std::vector<KindVersion> kvs;
  std::vector<KindVersion> unserved;  // no schema, no constraints
  std::vector<std::string> walk_problems;
  std::vector<std::string> seed_problems;
  std::vector<std::string> cel_problems;
  std::vector<CelEntry> cel;
  std::map<std::string, size_t> cel_by_rule;  // rule text -> index into cel
};

void LoadCrds(Suite& s, const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  if (ec) {
    s.status = absl::NotFoundError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
    return;
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    auto docs = ParseYamlFile(file);
    if (!docs.ok()) {
      s.status = docs.status();
      return;
    }
    for (model::YamlDocument& d : *docs) {
      // The directory also holds a ValidatingAdmissionPolicy; it guards
      // upgrades of the CRDs themselves, not the objects.
      if (d.value.GetString("kind") != "CustomResourceDefinition") continue;
      s.docs.push_back(std::make_unique<Value>(std::move(d.value)));
      const Value& crd = *s.docs.back();
      const Value* spec = crd.Find("spec");
      const Value* versions = spec != nullptr ? spec->Find("versions") : nullptr;
      const Value* names = spec != nullptr ? spec->Find("names") : nullptr;
      if (versions == nullptr || !versions->is_array() || names == nullptr) {
        s.walk_problems.push_back(absl::StrCat(file, ": a CRD without spec.versions/names"));
        continue;
      }
      for (const Value& v : versions->array()) {
        KindVersion kv;
        kv.group = std::string(spec->GetString("group"));
        kv.kind = std::string(names->GetString("kind"));
        kv.version = std::string(v.GetString("name"));
        const Value* served = v.Find("served");
        if (served == nullptr || !served->is_bool() || !served->bool_value()) {
          s.unserved.push_back(std::move(kv));
          continue;
        }
        const Value* schema = v.FindPath({"schema", "openAPIV3Schema"});
        if (schema == nullptr) {
          s.walk_problems.push_back(absl::StrCat(kv.Name(), ": no openAPIV3Schema"));
          continue;
        }
        kv.schema = schema;
        SchemaWalk(&kv.constraints, &s.walk_problems, kv.Name()).Walk(*schema, "", "", false);
        for (Expected& e : kv.constraints) {
          for (const Allowed& a : kAllowlist) {
            if (a.matches(e)) e.allowed = std::string(a.reason);
          }
        }
        s.kvs.push_back(std::move(kv));
      }
    }
  }
  if (s.kvs.empty()) {
    s.status = absl::NotFoundError(absl::StrCat("no served CRD versions in ", dir));
  }
}

void LoadSeeds(Suite& s) {
  const std::string path = DataPath("seeds.yaml");
  auto docs = ParseYamlFile(path);
  if (!docs.ok() || docs->size() != 1 || !(*docs)[0].value.is_array()) {
    s.status = docs.ok() ? absl::InvalidArgumentError(path + ": expected one list") : docs.status();
    return;
  }
  for (const Value& entry : (*docs)[0].value.array()) {
    const Value* object = entry.Find("object");
    const Value* versions = entry.Find("versions");
    if (object == nullptr || versions == nullptr || !versions->is_array()) {
      s.seed_problems.push_back(absl::StrCat(path, ": an entry needs versions and object"));
      continue;
    }
    const std::string kind(object->GetString("kind"));
    const absl::string_view api_version = object->GetString("apiVersion");
    const size_t slash = api_version.find('/');
    const std::string group(slash == absl::string_view::npos ? "" : api_version.substr(0, slash));
    for (const Value& version : versions->array()) {
      const std::string ver = version.is_string() ? version.string_value() : version.ToJson();
      auto it = std::find_if(s.kvs.begin(), s.kvs.end(), [&](const KindVersion& kv) {
        return kv.group == group && kv.kind == kind && kv.version == ver;
      });
      if (it == s.kvs.end()) {
        s.seed_problems.push_back(
            absl::StrCat(path, ": a seed for ", kind, " ", ver, ", which no CRD serves"));
        continue;
      }
      if (it->seed != nullptr) {
        s.seed_problems.push_back(absl::StrCat(path, ": two seeds for ", it->Name()));
        continue;
      }
      auto seed = std::make_unique<Value>(*object);
      seed->Set("apiVersion", Value::String(absl::StrCat(group, "/", ver)));
      it->seed = seed.get();
      s.docs.push_back(std::move(seed));
    }
  }
  for (const KindVersion& kv : s.kvs) {
    if (kv.seed == nullptr) s.seed_problems.push_back(absl::StrCat("no seed for ", kv.Name()));
  }
}

void LoadCel(Suite& s) {
  const std::string path = DataPath("cel_violations.yaml");
  auto docs = ParseYamlFile(path);
  if (!docs.ok() || docs->size() != 1 || !(*docs)[0].value.is_array()) {
    s.status = docs.ok() ? absl::InvalidArgumentError(path + ": expected one list") : docs.status();
    return;
  }
  // The distinct rule texts of the CRDs.
  std::set<std::string> rules;
  for (const KindVersion& kv : s.kvs) {
    for (const Expected& e : kv.constraints) {
      if (e.base == "x-kubernetes-validations") rules.insert(e.detail);
    }
  }
  for (const Value& item : (*docs)[0].value.array()) {
    CelEntry entry;
    entry.key = std::string(item.GetString("rule"));
    const Value* violations = item.Find("violations");
    if (entry.key.empty() || violations == nullptr || !violations->is_array() ||
        violations->array().empty()) {
      s.cel_problems.push_back(
          absl::StrCat(path, ": entry ", item.ToJson(), " needs a rule and violations"));
      continue;
    }
    std::vector<std::string> named;
    if (rules.count(entry.key)) {
      named.push_back(entry.key);
    } else {
      for (const std::string& r : rules) {
        if (absl::StrContains(r, entry.key)) named.push_back(r);
      }
    }
    if (named.size() != 1) {
      s.cel_problems.push_back(absl::StrCat(path, ": \"", entry.key, "\" names ", named.size(),
                                            " rules; it must name exactly one"));
      continue;
    }
    entry.rule = named[0];
    if (s.cel_by_rule.count(entry.rule)) {
      s.cel_problems.push_back(absl::StrCat(path, ": two entries for rule ", entry.rule));
      continue;
    }
    for (const Value& v : violations->array()) {
      CelViolation cv;
      const Value* self = v.Find("self");
      if (self == nullptr) {
        s.cel_problems.push_back(
            absl::StrCat(path, ": a violation of \"", entry.key, "\" without self"));
        continue;
      }
      cv.self = *self;
      if (const Value* old = v.Find("oldSelf")) cv.old_self = *old;
      cv.anchor_suffix = std::string(v.GetString("anchor"));
      entry.violations.push_back(std::move(cv));
    }
    s.cel_by_rule[entry.rule] = s.cel.size();
    s.cel.push_back(std::move(entry));
  }
}

const Suite& GetSuite() {
  static const Suite* const suite = [] {
    auto* s = new Suite;
    const char* shared = std::getenv("GWAPI_SHARED_DIR");
    if (shared == nullptr || *shared == '\0') {
      s->status = absl::FailedPreconditionError(
          "GWAPI_SHARED_DIR is not set: run this test with "
          "--test_env=GWAPI_SHARED_DIR=<dir holding gateway-api/v1.6.1/standard> "
          "(e.g. /work/shared); the CRDs are read at test time, never copied into the repo");
      return s;
    }
    LoadCrds(*s, absl::StrCat(shared, "/", kCrdDir));
    if (s->status.ok()) LoadSeeds(*s);
    if (s->status.ok()) LoadCel(*s);
    return s;
  }();
  return *suite;
}

// ---------------------------------------------------------------------------
// The mutation harness.

// One step along an anchor: a property, a list item ("[]") or a map value ("{}").
struct Step {
  char kind;  // '.', '[', '{'
  std::string name;
};

std::vector<Step> ParseAnchor(absl::string_view anchor) {
  std::vector<Step> steps;
  for (absl::string_view part : absl::StrSplit(anchor, '.', absl::SkipEmpty())) {
    size_t b = part.find_first_of("[{");
    steps.push_back({'.', std::string(part.substr(0, b))});
    for (; b != absl::string_view::npos && b < part.size(); b += 2) steps.push_back({part[b], ""});
  }
  return steps;
}

const Value* ChildSchema(const Value& s, const Step& step) {
  switch (step.kind) {
    case '.': {
      const Value* props = s.Find("properties");
      return props != nullptr ? props->Find(step.name) : nullptr;
    }
    case '[':
      return s.Find("items");
    default: {
      const Value* ap = s.Find("additionalProperties");
      return ap != nullptr && ap->is_object() ? ap : nullptr;
    }
  }
}

// A small value of the schema's type, for nodes the seed lacks.
Value Sample(const Value& s) {
  absl::string_view type = s.GetString("type");
  if (type == "array") return Value::MakeArray();
  if (type == "string") return Value::String("a");
  if (type == "boolean") return Value::Bool(false);
  if (type == "integer" || type == "number") {
    const Value* min = s.Find("minimum");
    return Value::Int(min != nullptr && min->is_int() ? std::max<int64_t>(min->int_value(), 1) : 1);
  }
  return Value::MakeObject();
}

// A new item for a list; list-type map items get their key fields.
Value SampleItem(const Value& list) {
  const Value* items = list.Find("items");
  if (items == nullptr) return Value::MakeObject();
  Value v = Sample(*items);
  const Value* keys = list.Find("x-kubernetes-list-map-keys");
  if (keys != nullptr && keys->is_array() && v.is_object()) {
    for (const Value& k : keys->array()) {
      if (!k.is_string()) continue;
      const Value* ks = ChildSchema(*items, {'.', k.string_value()});
      v.Set(k.string_value(), ks != nullptr ? Sample(*ks) : Value::String("a"));
    }
  }
  return v;
}

// How many of steps[i..] exist below v (through the best list item or map value).
size_t Reach(const Value& v, const std::vector<Step>& steps, size_t i) {
  if (i == steps.size()) return 0;
  const Step& st = steps[i];
  size_t best = 0;
  if (st.kind == '.') {
    const Value* c = v.is_object() ? v.Find(st.name) : nullptr;
    return c != nullptr ? 1 + Reach(*c, steps, i + 1) : 0;
  }
  if (st.kind == '[' && v.is_array()) {
    for (const Value& e : v.array()) best = std::max(best, 1 + Reach(e, steps, i + 1));
  }
  if (st.kind == '{' && v.is_object()) {
    for (const Value::Member& m : v.object()) {
      best = std::max(best, 1 + Reach(m.second, steps, i + 1));
    }
  }
  return best;
}

// The node at the first n steps of `root`, created where missing: objects
// get the property, empty lists and maps one entry (a map's under key "k").
// Where a list or map has several entries, takes the one that holds most of
// the rest of the path. Sets *schema to the node's schema and *path to its
// concrete path ("spec.rules[1].filters[0]"); nullptr when the schema has
// no such step.
Value* Navigate(Value& root, const Value& root_schema, const std::vector<Step>& steps, size_t n,
                const Value** schema, std::string* path) {
  Value* v = &root;
  const Value* s = &root_schema;
  for (size_t i = 0; i < n; ++i) {
    const Step& st = steps[i];
    const Value* cs = ChildSchema(*s, st);
    if (cs == nullptr) return nullptr;
    if (st.kind == '.') {
      if (!v->is_object()) *v = Value::MakeObject();
      Value* c = v->FindMutable(st.name);
      if (c == nullptr) c = &v->Set(st.name, Sample(*cs));
      absl::StrAppend(path, path->empty() ? "" : ".", st.name);
      v = c;
    } else if (st.kind == '[') {
      if (!v->is_array()) *v = Value::MakeArray();
      Value::Array& arr = v->mutable_array();
      if (arr.empty()) arr.push_back(SampleItem(*s));
      size_t best = 0, reach = 0;
      for (size_t j = 0; j < arr.size(); ++j) {
        size_t r = Reach(arr[j], steps, i + 1);
        if (r > reach) best = j, reach = r;
      }
      absl::StrAppend(path, "[", best, "]");
      v = &arr[best];
    } else {
      if (!v->is_object()) *v = Value::MakeObject();
      if (v->mutable_object().empty()) v->Set("k", Sample(*cs));
      Value::Object& obj = v->mutable_object();
      size_t best = 0, reach = 0;
      for (size_t j = 0; j < obj.size(); ++j) {
        size_t r = Reach(obj[j].second, steps, i + 1);
        if (r > reach) best = j, reach = r;
      }
      absl::StrAppend(path, "[", obj[best].first, "]");
      v = &obj[best].second;
    }
    s = cs;
  }
  *schema = s;
  return v;
}

// An object that should make DefaultAndValidate report `expect`.
struct Mutation {
  std::string id;      // the constraint violated
  std::string expect;  // the constraint id that must be reported
  Value object;
  std::optional<Value> old;  // for transition rules
  std::string change;        // what was changed, for reports
};

std::string Abbrev(const std::string& s) {
  if (s.size() <= 160) return s;
  return absl::StrCat(s.substr(0, 120), "...(", s.size(), " bytes)");
}

Value Repeat(const Value& item, int64_t n) {
  Value::Array a;
  for (int64_t i = 0; i < n; ++i) a.push_back(item);
  return Value::MakeArray(std::move(a));
}

int64_t IntOf(const Value* v, int64_t fallback) {
  if (v == nullptr || !v->is_number()) return fallback;
  return static_cast<int64_t>(v->number_value());
}

// A string the pattern does not match (Go's MatchString: unanchored), of a
// length the schema allows, so that the length checks pass and the pattern
// is what fails.
std::optional<std::string> NonMatching(const Value& s, std::string* problem) {
  RE2::Options options;
  options.set_log_errors(false);
  const std::string pattern(s.GetString("pattern"));
  RE2 re(pattern, options);
  if (!re.ok()) {
    *problem = absl::StrCat("pattern '", pattern, "' does not compile: ", re.error());
    return std::nullopt;
  }
  const int64_t min = IntOf(s.Find("minLength"), 0);
  const int64_t max = IntOf(s.Find("maxLength"), 1 << 20);
  for (const char* c : {"!", " ", "-", "A", "a", "-a", "a-", "a..b", "1", ".", "*", "a b", "/", "%",
                        "", "aa", "A-", "?", "a/"}) {
    const std::string cand(c);
    const int64_t len = static_cast<int64_t>(cand.size());
    if (len < min || len > max) continue;
    if (!RE2::PartialMatch(re2::StringPiece(cand.data(), cand.size()), re)) return cand;
  }
  *problem = absl::StrCat("no candidate string violates pattern '", pattern, "'");
  return std::nullopt;
}

// The violating value for a constraint on a node (not required, CEL or
// combinators), given the node's current value.
std::optional<Value> Violating(const Expected& e, const Value& current, std::string* problem) {
  const Value& s = *e.node;
  const std::string& b = e.base;
  if (b == "type") {
    if (e.detail == "string") return Value::Int(1);
    if (e.detail == "integer" || e.detail == "number" || e.detail == "boolean" ||
        e.detail == "object" || e.detail == "array") {
      return Value::String("x");
    }
  } else if (b == "enum") {
    const Value& values = *s.Find("enum");
    bool strings = std::all_of(values.array().begin(), values.array().end(),
                               [](const Value& v) { return v.is_string(); });
    if (strings) return Value::String("NotInEnum-x");
    int64_t max = 0;
    for (const Value& v : values.array()) max = std::max(max, IntOf(&v, 0));
    return Value::Int(max + 1);
  } else if (b == "pattern") {
    std::optional<std::string> str = NonMatching(s, problem);
    if (str) return Value::String(*str);
    return std::nullopt;
  } else if (b == "minLength") {
    return Value::String(std::string(IntOf(s.Find(b), 1) - 1, 'a'));
  } else if (b == "maxLength") {
    return Value::String(std::string(IntOf(s.Find(b), 0) + 1, 'a'));
  } else if (b == "minimum" || b == "maximum") {
    const Value* excl = s.Find(b == "minimum" ? "exclusiveMinimum" : "exclusiveMaximum");
    const bool exclusive = excl != nullptr && excl->is_bool() && excl->bool_value();
    const int64_t bound = IntOf(s.Find(b), 0);
    if (exclusive) return Value::Int(bound);
    return Value::Int(b == "minimum" ? bound - 1 : bound + 1);
  } else if (b == "format") {
    if (e.detail == "int32") return Value::Int(int64_t{2147483648});
    if (e.detail == "date-time") return Value::String("yesterday");
    if (e.detail == "ipv4" || e.detail == "ipv6") return Value::String("not-an-ip");
    if (e.detail == "cidr") return Value::String("not-a-cidr");
    if (e.detail == "byte") return Value::String("!");
  } else if (b == "minItems" || b == "maxItems") {
    Value item =
        current.is_array() && !current.array().empty() ? current.array()[0] : SampleItem(s);
    int64_t bound = IntOf(s.Find(b), 0);
    return Repeat(item, b == "minItems" ? bound - 1 : bound + 1);
  } else if (b == "minProperties" || b == "maxProperties") {
    const Value* ap = s.Find("additionalProperties");
    Value item = ap != nullptr && ap->is_object() ? Sample(*ap) : Value::String("a");
    int64_t bound = IntOf(s.Find(b), 0);
    Value obj = Value::MakeObject();
    for (int64_t i = 0; i < (b == "minProperties" ? bound - 1 : bound + 1); ++i) {
      obj.Set(absl::StrCat("k", i), item);
    }
    return obj;
  } else if (b == "x-kubernetes-list-type") {
    Value item =
        current.is_array() && !current.array().empty() ? current.array()[0] : SampleItem(s);
    if (absl::StartsWith(e.detail, "set")) return Repeat(item, 2);
    // Two items with equal keys, different otherwise: the copy keeps the
    // key fields only.
    Value copy = Value::MakeObject();
    if (const Value* keys = s.Find("x-kubernetes-list-map-keys"); keys && item.is_object()) {
      for (const Value& k : keys->array()) {
        if (const Value* kv = k.is_string() ? item.Find(k.string_value()) : nullptr) {
          copy.Set(k.string_value(), *kv);
        }
      }
    }
    Value::Array a{item, copy};
    return Value::MakeArray(std::move(a));
  }
  *problem = absl::StrCat("the harness has no violating value for ", b, " ", e.detail);
  return std::nullopt;
}

bool IsCombinator(const Expected& e) {
  return e.in_combinator || e.base == "allOf" || e.base == "anyOf" || e.base == "oneOf" ||
         e.base == "not";
}

// Builds the objects that violate e (one, or one per CEL value); problems
// with the harness or its data go to *problems.
void Mutate(const KindVersion& kv, const Expected& e, const Suite& suite,
            std::vector<Mutation>* out, std::vector<std::string>* problems) {
  const std::string where = absl::StrCat(kv.Name(), " ", e.Id());
  const std::vector<Step> steps = ParseAnchor(e.anchor);
  auto start = [&](Mutation& m) {
    m.id = e.Id();
    m.expect = e.Id();
    m.object = *kv.seed;
  };

  if (e.base == "required" && !e.in_combinator) {
    Mutation m;
    start(m);
    const Value* schema = nullptr;
    std::string path;
    Value* parent = Navigate(m.object, *kv.schema, steps, steps.size() - 1, &schema, &path);
    if (parent == nullptr || !parent->is_object()) {
      problems->push_back(absl::StrCat(where, ": cannot reach the parent object"));
      return;
    }
    parent->Erase(e.field);
    m.change = absl::StrCat(path, path.empty() ? "" : ".", e.field, " removed");
    out->push_back(std::move(m));
    return;
  }

  if (e.base == "x-kubernetes-validations") {
    auto it = suite.cel_by_rule.find(e.detail);
    if (it == suite.cel_by_rule.end()) {
      problems->push_back(
          absl::StrCat(where, ": no violating value in cel_violations.yaml for rule ", e.detail));
      return;
    }
    const CelEntry& entry = suite.cel[it->second];
    size_t applied = 0;
    for (const CelViolation& cv : entry.violations) {
      if (!absl::EndsWith(e.anchor, cv.anchor_suffix)) continue;
      ++applied;
      Mutation m;
      start(m);
      const Value* schema = nullptr;
      std::string path;
      Value* node = Navigate(m.object, *kv.schema, steps, steps.size(), &schema, &path);
      if (node == nullptr) {
        problems->push_back(absl::StrCat(where, ": cannot reach the rule's node"));
        return;
      }
      *node = cv.self;
      m.change = absl::StrCat(path.empty() ? "<root>" : path, " = ", Abbrev(cv.self.ToJson()));
      if (cv.old_self) {
        m.old = *kv.seed;
        std::string old_path;
        *Navigate(*m.old, *kv.schema, steps, steps.size(), &schema, &old_path) = *cv.old_self;
        absl::StrAppend(&m.change, " (old: ", Abbrev(cv.old_self->ToJson()), ")");
      }
      out->push_back(std::move(m));
    }
    if (applied == 0) {
      problems->push_back(absl::StrCat(where, ": no value in cel_violations.yaml applies here (",
                                       "anchor filters exclude ", e.anchor, ")"));
    }
    return;
  }

  Mutation m;
  start(m);
  const Value* schema = nullptr;
  std::string path;
  Value* node = Navigate(m.object, *kv.schema, steps, steps.size(), &schema, &path);
  if (node == nullptr) {
    problems->push_back(absl::StrCat(where, ": cannot reach the node"));
    return;
  }
  std::optional<Value> bad;
  if (IsCombinator(e)) {
    const CombinatorCase* c = nullptr;
    for (const CombinatorCase& cc : kCombinatorCases) {
      if (cc.id == e.Id()) c = &cc;
    }
    if (c == nullptr) {
      problems->push_back(
          absl::StrCat(where, ": a combinator constraint without a case in kCombinatorCases"));
      return;
    }
    auto docs = model::ParseYaml(c->value, model::DecodeLimits{});
    if (!docs.ok() || docs->size() != 1) {
      problems->push_back(absl::StrCat(where, ": kCombinatorCases value does not parse"));
      return;
    }
    bad = (*docs)[0].value;
    m.expect = std::string(c->expect);
  } else {
    std::string problem;
    bad = Violating(e, *node, &problem);
    if (!bad) {
      problems->push_back(absl::StrCat(where, ": ", problem));
      return;
    }
  }
  *node = std::move(*bad);
  m.change = absl::StrCat(path.empty() ? "<root>" : path, " = ", Abbrev(node->ToJson()));
  out->push_back(std::move(m));
}

// ---------------------------------------------------------------------------
// Comparing with SchemaSet::Constraints().

std::string LibKey(absl::string_view group, absl::string_view kind, absl::string_view version,
                   absl::string_view id) {
  return absl::StrCat(group, "/", kind, "/", version, " ", id);
}

// Whether the library's detail says what the CRD says, where comparable.
bool SameDetail(const Expected& e, absl::string_view lib) {
  const std::string& b = e.base;
  if (b == "x-kubernetes-validations" || b == "pattern" || b == "type" || b == "format" ||
      b == "required") {
    return lib == e.detail;
  }
  auto number = [](absl::string_view s, double* d) {
    return absl::SimpleAtod(absl::StripAsciiWhitespace(s), d);
  };
  if (b == "minimum" || b == "maximum") {
    const Value* excl = e.node->Find(b == "minimum" ? "exclusiveMinimum" : "exclusiveMaximum");
    const bool exclusive = excl != nullptr && excl->is_bool() && excl->bool_value();
    absl::string_view op = b == "minimum" ? (exclusive ? ">" : ">=") : (exclusive ? "<" : "<=");
    if (!absl::ConsumePrefix(&lib, op) || absl::StartsWith(lib, "=")) return false;
    double want = 0, got = 0;
    return number(e.detail, &want) && number(lib, &got) && want == got;
  }
  if (b == "minLength" || b == "maxLength" || b == "minItems" || b == "maxItems" ||
      b == "minProperties" || b == "maxProperties" || b == "multipleOf") {
    double want = 0, got = 0;
    return number(e.detail, &want) && number(lib, &got) && want == got;
  }
  if (b == "enum") {
    // Every value, and nothing else: count the values the detail quotes.
    const Value* values = e.node->Find("enum");
    size_t found = 0;
    for (const Value& v : values->array()) {
      std::string text = v.is_string() ? v.string_value() : v.ToJson();
      if (absl::StrContains(lib, absl::StrCat("\"", text, "\""))) ++found;
    }
    return found == values->array().size() &&
           static_cast<size_t>(std::count(lib.begin(), lib.end(), '"')) == 2 * found;
  }
  if (b == "x-kubernetes-list-type") return lib == e.detail;
  return true;  // combinators carry no detail
}

// ---------------------------------------------------------------------------
// The run: every check once, shared by the tests below.

struct KindCount {
  size_t constraints = 0, cel = 0, allowlisted = 0, implemented = 0, violated = 0;
};

struct Results {
  std::vector<std::string> not_implemented;  // absent from Constraints() or different detail
  std::vector<std::string> unexpected;       // in Constraints() but not in the CRDs
  std::vector<std::string> not_violated;     // no mutation reported the id
  std::vector<std::string> harness;          // no mutation could be built
  std::map<std::string, KindCount> counts;   // by "Kind version", in CRD order below
  std::vector<std::string> order;
  std::map<std::string, size_t> allowlist_use;
  size_t validations = 0;
  bool complete = false;  // no gaps at all
  std::string summary;
};

std::string Describe(const std::vector<FieldError>& errors) {
  if (errors.empty()) return "    (no errors)\n";
  std::string out;
  for (const FieldError& e : errors) {
    absl::StrAppend(&out, "    [", e.constraint, "] ", Abbrev(e.ToString()), "\n");
  }
  return out;
}

const Results& GetResults() {
  static const Results* const results = [] {
    auto* r = new Results;
    const Suite& suite = GetSuite();
    if (!suite.status.ok()) return r;
    const SchemaSet& set = SchemaSet::Builtin();

    std::map<std::string, const Constraint*> listed;
    const std::vector<Constraint> constraints = set.Constraints();
    for (const Constraint& c : constraints) {
      listed[LibKey(c.group, c.kind, c.version, absl::StrCat(c.schema_path, "#", c.keyword))] = &c;
    }

    std::set<std::string> expected_keys;
    std::set<std::string> served;
    size_t full_reports = 0;
    // GWAPI_COMPLETENESS_VERBOSE=1 (--test_env) prints every mutation and
    // what fired, to review the harness.
    const char* verbose_env = std::getenv("GWAPI_COMPLETENESS_VERBOSE");
    const bool verbose = verbose_env != nullptr && *verbose_env != '\0' && *verbose_env != '0';
    for (const KindVersion& kv : suite.kvs) {
      const std::string name = kv.Name();
      r->order.push_back(name);
      KindCount& count = r->counts[name];
      served.insert(absl::StrCat(kv.group, "/", kv.kind, "/", kv.version));
      if (set.Find(kv.group, kv.version, kv.kind) == nullptr) {
        r->not_implemented.push_back(absl::StrCat(name, ": SchemaSet has no schema for it"));
      }
      for (const Expected& e : kv.constraints) {
        const std::string key = LibKey(kv.group, kv.kind, kv.version, e.Id());
        expected_keys.insert(key);
        ++count.constraints;
        if (e.base == "x-kubernetes-validations") ++count.cel;
        if (!e.allowed.empty()) {
          ++count.allowlisted;
          for (const Allowed& a : kAllowlist) {
            if (a.matches(e)) ++r->allowlist_use[std::string(a.what)];
          }
          continue;
        }

        // Has an implementation.
        auto it = listed.find(key);
        if (it == listed.end()) {
          r->not_implemented.push_back(absl::StrCat(name, " ", e.Id(),
                                                    ": not in SchemaSet::Constraints() (", e.base,
                                                    " ", Abbrev(e.detail), ")"));
        } else if (!SameDetail(e, it->second->detail)) {
          r->not_implemented.push_back(absl::StrCat(name, " ", e.Id(), ": detail \"",
                                                    Abbrev(it->second->detail),
                                                    "\", the CRD says \"", Abbrev(e.detail), "\""));
        } else {
          ++count.implemented;
        }

        // Is enforced: every violating object reports the id.
        std::vector<Mutation> mutations;
        size_t problems_before = r->harness.size();
        Mutate(kv, e, suite, &mutations, &r->harness);
        if (mutations.empty() && r->harness.size() == problems_before) {
          r->harness.push_back(absl::StrCat(name, " ", e.Id(), ": no violating object"));
        }
        bool all = !mutations.empty() && r->harness.size() == problems_before;
        for (const Mutation& m : mutations) {
          Value input = m.object;
          std::vector<FieldError> errors = set.DefaultAndValidate(input, m.old ? &*m.old : nullptr);
          ++r->validations;
          bool fired = std::any_of(errors.begin(), errors.end(),
                                   [&](const FieldError& f) { return f.constraint == m.expect; });
          if (verbose) {
            std::vector<std::string> ids;
            for (const FieldError& f : errors) ids.push_back(f.constraint);
            std::cout << (fired ? "ok   " : "GAP  ") << name << " " << m.id << "\n    " << m.change
                      << "\n    -> " << absl::StrJoin(ids, " ") << "\n";
          }
          if (fired) continue;
          all = false;
          std::string report = absl::StrCat(name, " ", m.id, ": not reported");
          if (m.expect != m.id) absl::StrAppend(&report, " (expected ", m.expect, ")");
          absl::StrAppend(&report, "\n  change: ", m.change, "\n  fired:\n", Describe(errors));
          // The whole object for the first gaps; the change says the rest.
          if (++full_reports <= 40) absl::StrAppend(&report, "  object: ", m.object.ToJson(), "\n");
          if (m.old) absl::StrAppend(&report, "  old object: ", Abbrev(m.old->ToJson()), "\n");
          r->not_violated.push_back(std::move(report));
        }
        if (all) ++count.violated;
      }
    }

    // Listed by the library for these kinds, but not a constraint of the CRDs:
    // an id scheme that drifted from the CRDs.
    for (const Constraint& c : constraints) {
      if (!served.count(absl::StrCat(c.group, "/", c.kind, "/", c.version))) continue;
      const std::string id = absl::StrCat(c.schema_path, "#", c.keyword);
      if (!expected_keys.count(LibKey(c.group, c.kind, c.version, id))) {
        r->unexpected.push_back(
            absl::StrCat(c.kind, " ", c.version, " ", id, " (", Abbrev(c.detail), ")"));
      }
    }

    // The summary.
    KindCount total;
    std::string out = absl::StrCat("Validation completeness, Gateway API v1.6.1 standard CRDs (",
                                   r->validations, " validations):\n",
                                   "  kind version              constraints    CEL  allowlisted  "
                                   "implemented  violated\n");
    for (const std::string& name : r->order) {
      const KindCount& c = r->counts[name];
      char line[160];
      std::snprintf(line, sizeof(line), "  %-24s %11zu %6zu %12zu %12zu %9zu\n", name.c_str(),
                    c.constraints, c.cel, c.allowlisted, c.implemented, c.violated);
      out += line;
      total.constraints += c.constraints;
      total.cel += c.cel;
      total.allowlisted += c.allowlisted;
      total.implemented += c.implemented;
      total.violated += c.violated;
    }
    char line[160];
    std::snprintf(line, sizeof(line), "  %-24s %11zu %6zu %12zu %12zu %9zu\n", "total",
                  total.constraints, total.cel, total.allowlisted, total.implemented,
                  total.violated);
    out += line;
    for (const Allowed& a : kAllowlist) {
      absl::StrAppend(&out, "  allowlisted ", r->allowlist_use[std::string(a.what)], " x ", a.what,
                      ": ", a.reason, "\n");
    }
    const size_t checked = total.constraints - total.allowlisted;
    r->complete = total.implemented == checked && total.violated == checked &&
                  r->unexpected.empty() && r->harness.empty() && r->not_implemented.empty() &&
                  r->not_violated.empty();
    if (r->complete) {
      absl::StrAppend(&out, "  ", total.constraints, " constraints: all implemented, all violated ",
                      "by at least one object (", total.allowlisted, " allowlisted)\n");
    } else {
      absl::StrAppend(&out, "  gaps: ", checked - total.implemented, " not implemented, ",
                      r->unexpected.size(), " listed but not in the CRDs, ",
                      checked - total.violated, " not violated (", r->not_violated.size(),
                      " objects), ", r->harness.size(), " harness problems\n");
    }
    r->summary = std::move(out);
    return r;
  }();
  return *results;
}

std::string JoinLines(const std::vector<std::string>& lines) { return absl::StrJoin(lines, "\n"); }

#define ASSERT_SUITE_LOADED()                               \
  const Suite& suite = GetSuite();                          \
  ASSERT_TRUE(suite.status.ok()) << suite.status.message(); \
  (void)suite

// ---------------------------------------------------------------------------
// The tests.

TEST(ValidationCompleteness, SchemaWalkKnowsEveryKeyword) {
  ASSERT_SUITE_LOADED();
  EXPECT_TRUE(suite.walk_problems.empty()) << JoinLines(suite.walk_problems);
  size_t n = 0;
  for (const KindVersion& kv : suite.kvs) n += kv.constraints.size();
  EXPECT_GT(n, 1000u) << "the walk found too few constraints to be right";
}

// The API server has no endpoint for a version that is not served, so
// objects of it never decode.
TEST(ValidationCompleteness, UnservedVersionsAreUnknown) {
  ASSERT_SUITE_LOADED();
  for (const KindVersion& kv : suite.unserved) {
    EXPECT_EQ(SchemaSet::Builtin().Find(kv.group, kv.version, kv.kind), nullptr)
        << kv.Name() << " is not served, but SchemaSet has a schema for it";
  }
}

TEST(ValidationCompleteness, EverySeedIsValid) {
  ASSERT_SUITE_LOADED();
  EXPECT_TRUE(suite.seed_problems.empty()) << JoinLines(suite.seed_problems);
  for (const KindVersion& kv : suite.kvs) {
    if (kv.seed == nullptr) continue;
    Value object = *kv.seed;
    std::vector<FieldError> errors = SchemaSet::Builtin().DefaultAndValidate(object, nullptr);
    EXPECT_TRUE(errors.empty()) << "seed " << kv.Name() << " is not valid:\n" << Describe(errors);
  }
}

TEST(ValidationCompleteness, CelViolationsNameEveryRuleOnce) {
  ASSERT_SUITE_LOADED();
  std::vector<std::string> problems = suite.cel_problems;
  // Every rule that is not allowlisted has an entry; every entry, every
  // anchor filter is used somewhere.
  std::set<std::string> needed;
  std::map<std::string, std::vector<std::string>> anchors;  // rule -> anchors
  for (const KindVersion& kv : suite.kvs) {
    for (const Expected& e : kv.constraints) {
      if (e.base != "x-kubernetes-validations") continue;
      anchors[e.detail].push_back(e.anchor);
      if (e.allowed.empty()) needed.insert(e.detail);
    }
  }
  for (const std::string& rule : needed) {
    if (!suite.cel_by_rule.count(rule)) {
      problems.push_back(absl::StrCat("no entry for rule: ", rule));
    }
  }
  for (const CelEntry& entry : suite.cel) {
    if (!needed.count(entry.rule)) {
      problems.push_back(absl::StrCat("an entry for an allowlisted rule: ", entry.key));
    }
    for (const CelViolation& cv : entry.violations) {
      const auto& list = anchors[entry.rule];
      if (std::none_of(list.begin(), list.end(),
                       [&](const std::string& a) { return absl::EndsWith(a, cv.anchor_suffix); })) {
        problems.push_back(absl::StrCat("anchor \"", cv.anchor_suffix, "\" of \"", entry.key,
                                        "\" matches no place of the rule"));
      }
    }
  }
  EXPECT_TRUE(problems.empty()) << JoinLines(problems);
}

TEST(ValidationCompleteness, AllowlistEntriesAreUsed) {
  ASSERT_SUITE_LOADED();
  const Results& r = GetResults();
  for (const Allowed& a : kAllowlist) {
    if (a.general) continue;
    auto it = r.allowlist_use.find(std::string(a.what));
    EXPECT_TRUE(it != r.allowlist_use.end() && it->second > 0)
        << "allowlist entry matches no constraint (remove it): " << a.what;
  }
  for (const CombinatorCase& c : kCombinatorCases) {
    bool used = false;
    for (const KindVersion& kv : suite.kvs) {
      for (const Expected& e : kv.constraints) used = used || e.Id() == c.id;
    }
    EXPECT_TRUE(used) << "kCombinatorCases entry matches no constraint (remove it): " << c.id;
  }
}

TEST(ValidationCompleteness, EveryConstraintIsImplemented) {
  ASSERT_SUITE_LOADED();
  const Results& r = GetResults();
  EXPECT_TRUE(r.not_implemented.empty())
      << r.not_implemented.size() << " constraints of the CRDs are not implemented as listed:\n"
      << JoinLines(r.not_implemented);
  EXPECT_TRUE(r.unexpected.empty())
      << r.unexpected.size()
      << " constraints listed by SchemaSet::Constraints() are not in the CRDs:\n"
      << JoinLines(r.unexpected);
}

TEST(ValidationCompleteness, EveryConstraintIsViolatedByAnObject) {
  ASSERT_SUITE_LOADED();
  const Results& r = GetResults();
  EXPECT_TRUE(r.harness.empty()) << r.harness.size() << " constraints have no violating object:\n"
                                 << JoinLines(r.harness);
  EXPECT_TRUE(r.not_violated.empty())
      << r.not_violated.size() << " violating objects were accepted or reported otherwise:\n"
      << JoinLines(r.not_violated);
}

TEST(ValidationCompleteness, Summary) {
  ASSERT_SUITE_LOADED();
  const Results& r = GetResults();
  std::cout << r.summary << std::flush;
  EXPECT_TRUE(r.complete) << "gaps are listed by the failures above";
}

}  // namespace
}  // namespace gwapi::validate
