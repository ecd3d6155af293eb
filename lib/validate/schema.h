// The compiled form of a structural schema (one CRD version's
// openAPIV3Schema): a tree of SchemaNodes built once from the embedded JSON,
// with regexes and CEL programs compiled, so validating an object needs no
// JSON lookups and no parsing. Internal to lib/validate.
#ifndef GWAPI_LIB_VALIDATE_SCHEMA_H_
#define GWAPI_LIB_VALIDATE_SCHEMA_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/model/value.h"
#include "lib/validate/cel.h"
#include "lib/validate/validator.h"
#include "re2/re2.h"

namespace gwapi::validate {
namespace internal {

enum class JsonType : uint8_t { kAny, kString, kInteger, kNumber, kBoolean, kArray, kObject };

// String formats the API server checks (kube-openapi's registry); the
// integer formats are range checks. Unknown formats are not checked.
enum class Format : uint8_t { kNone, kInt32, kInt64, kDateTime, kIPv4, kIPv6, kCidr, kByte };

enum class ListType : uint8_t { kAtomic, kSet, kMap };

struct SchemaNode;

struct Property {
  std::string name;
  std::unique_ptr<SchemaNode> node;
};

// A property name's length and first 8 bytes: most names are that short, so
// one comparison of this pair finds them (see SchemaNode::FindProperty).
struct PropertyKey {
  uint64_t head = 0;
  uint32_t size = 0;

  static PropertyKey Of(absl::string_view name) {
    PropertyKey k;
    std::memcpy(&k.head, name.data(), name.size() < 8 ? name.size() : 8);
    k.size = static_cast<uint32_t>(name.size());
    return k;
  }
};

struct RequiredField {
  std::string name;
  int32_t property = -1;   // index into properties, -1 when it has no schema
  std::string constraint;  // "<anchor of the field>#required"
};

// A rule whose usual, passing outcome validator.cc decides without the CEL
// interpreter (CelWalker's FastPass). Recognised by RecogniseFastRule from the
// exact rule text when the rule compiled. A fast check only ever answers
// "evaluates to true, without error, well within the cost limit"; in every
// other case (a failing rule, an unexpected type, a missing field) the
// interpreter runs and decides, so results and messages are unchanged.
enum class FastRule : uint8_t {
  kNone,
  // !(has(self.<field>) && self.type != '<lit>')
  kHasImpliesType,
  // !(!has(self.<field>) && self.type == '<lit>')
  kTypeImpliesHas,
  // (self.type in ['Exact','PathPrefix']) ? <predicate on self.value> : true
  kPathStartsWith,    // self.value.startsWith('<lit>')
  kPathNotContains,   // !self.value.contains('<lit>')
  kPathNotEndsWith,   // !self.value.endsWith('<lit>')
  kPathChars,         // self.value.matches(r"""^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$""")
  // self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'
  kPathTypeKnown,
  // (size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true
  kServicePort,
  // The two HTTPRoute/GRPCRoute parentRefs uniqueness rules
  // (self.all(p1, self.all(p2, …)) and self.all(p1, self.exists_one(p2, …))):
  // decided for lists of at most one element.
  kParentRefsUnique,
  // (self.size() > 0 ? self[0].matches.size() : 0) + … + (self.size() > 15 ?
  // self[15].matches.size() : 0) <= 128
  kTotalMatches,
  // (has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters)
  // || self.filters.all(f, !has(f.requestRedirect))): true
  kBackendRefsNoRedirect,
  // (has(self.filters) && self.filters.exists_one(f, has(f.<field>) && …)) ? … : true
  kNoFiltersGuard,
  // (has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters)
  // && b.filters.exists_one(f, has(f.<field>) && …)))) ? … : true
  kNoBackendFiltersGuard,
  // self.filter(f, f.type == '<lit>').size() <= 1
  kAtMostOneOfType,
  // !(self.exists(f, f.type == '<field>') && self.exists(f, f.type == '<lit>'))
  kNotBothTypes,
  // self.type == '<lit>' ? has(self.<field>) : true
  kTypeThenHas,
  // has(self.<field>) ? self.type == '<lit>' : true
  kHasThenType,
  // !(has(self.<field>) && has(self.<lit>))
  kNotBothFields,
};

// One x-kubernetes-validations entry.
struct CelRule {
  int index = 0;
  std::string rule, message, message_expression, reason, field_path;
  std::unique_ptr<const cel::Program> program;  // null when compilation failed
  std::string compile_error;
  bool transition = false;  // references oldSelf: evaluated on update only
  FastRule fast = FastRule::kNone;
  std::string fast_field, fast_literal;  // <field> and '<lit>' of the fast forms
};

// Sets rule->fast (and its operands) when rule->rule is one of the forms
// FastRule lists, exactly.
void RecogniseFastRule(CelRule* rule);

// One schema node. Constraint ids are "<anchor>#<keyword_prefix><keyword>":
// the anchor is the node's place in the object ("spec.rules[].matches[]";
// properties joined by '.', array items "[]", map values "{}"); nodes inside
// allOf/anyOf/oneOf/not share the anchor of the node that holds the
// combinator and name their place after the '#'
// ("spec.addresses[]#oneOf[0].properties.value.anyOf[1].format").
struct SchemaNode {
  std::string anchor;
  std::string keyword_prefix;
  bool in_combinator = false;

  JsonType type = JsonType::kAny;
  std::string type_name;  // as the API server prints it: "string", "integer,string"
  bool nullable = false;
  bool int_or_string = false;
  bool preserve_unknown = false;

  Format format = Format::kNone;
  std::string format_name;

  // Strings (counted in code points).
  int64_t min_length = -1;
  int64_t max_length = -1;
  const RE2* pattern = nullptr;  // owned by the SchemaCompiler
  uint64_t pattern_id = 0;       // unique for the process's lifetime (memo key)
  std::string pattern_text;

  // Numbers.
  bool has_minimum = false, has_maximum = false, has_multiple_of = false;
  bool exclusive_minimum = false, exclusive_maximum = false;
  double minimum = 0, maximum = 0, multiple_of = 0;

  // Arrays.
  int64_t min_items = -1;
  int64_t max_items = -1;
  ListType list_type = ListType::kAtomic;
  std::vector<std::string> list_map_keys;
  std::unique_ptr<SchemaNode> items;

  // Objects. Properties are sorted by name for binary search.
  std::vector<Property> properties;
  std::vector<PropertyKey> property_keys;  // parallel to properties
  std::vector<RequiredField> required;
  std::vector<uint32_t> defaulted;  // properties that have a default
  int64_t min_properties = -1;
  int64_t max_properties = -1;
  std::unique_ptr<SchemaNode> additional;  // additionalProperties schema
  bool additional_any = false;             // additionalProperties: true

  std::vector<model::Value> enum_values;
  std::string enum_detail;  // `supported values: "A", "B"`
  std::unique_ptr<model::Value> default_value;

  std::vector<std::unique_ptr<SchemaNode>> all_of, any_of, one_of;
  std::unique_ptr<SchemaNode> not_schema;

  std::vector<CelRule> rules;

  // Summaries that let the walks skip work.
  bool has_scalar_checks = false;  // enum, format, string or number bounds
  bool has_combinators = false;
  bool rules_below = false;  // this node or a descendant has CEL rules

  // The property index for `name`, or -1. Runs once per object member, the
  // hottest lookup of a validation: a scan of the length+prefix keys beats
  // a binary search of strings for the few properties most nodes have.
  int FindProperty(absl::string_view name) const {
    if (property_keys.size() > 16) return FindPropertySorted(name);
    const PropertyKey key = PropertyKey::Of(name);
    for (size_t i = 0; i < property_keys.size(); ++i) {
      if (property_keys[i].head == key.head && property_keys[i].size == key.size &&
          (key.size <= 8 ||
           std::memcmp(name.data() + 8, properties[i].name.data() + 8, key.size - 8) == 0)) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  int FindPropertySorted(absl::string_view name) const;
  // "<anchor>#<keyword_prefix><keyword>".
  std::string ConstraintId(absl::string_view keyword) const;
};

// How metadata.name is checked, by kind (apimachinery's name validators).
enum class NameRule : uint8_t { kDns1123Subdomain, kDns1123Label, kDns1035Label };

}  // namespace internal

// One kind+version: its compiled schema and scope. Immutable once built.
class Schema {
 public:
  std::string group, kind, version;
  bool namespaced = true;
  internal::NameRule name_rule = internal::NameRule::kDns1123Subdomain;
  const internal::SchemaNode* root = nullptr;  // shared between identical versions
  bool has_rules = false;
};

namespace internal {

// Builds SchemaNodes and owns the compiled regexes they point to (one RE2
// per distinct pattern), so it must outlive them. Not thread-safe; used
// while a SchemaSet is built.
class SchemaCompiler {
 public:
  // Compiles one openAPIV3Schema. At a resource root (`root`), the
  // `metadata` property ({type: object} in every CRD) is replaced by the
  // builtin ObjectMeta schema (object_meta.h), as the API server types
  // metadata itself.
  absl::StatusOr<std::unique_ptr<SchemaNode>> Compile(const model::Value& schema, bool root);

  // Appends the constraints of `node` and everything below it; of the
  // builtin ObjectMeta schema, only its type ("metadata#type").
  static void ListConstraints(const SchemaNode& node, const Schema& schema,
                              std::vector<Constraint>* out);

 private:
  absl::StatusOr<std::unique_ptr<SchemaNode>> CompileNode(const model::Value& s, std::string anchor,
                                                          std::string keyword_prefix,
                                                          bool in_combinator, int depth);
  struct CompiledRegex {
    std::unique_ptr<RE2> re;
    uint64_t id;
  };
  absl::StatusOr<const CompiledRegex*> Regex(const std::string& pattern);

  absl::flat_hash_map<std::string, CompiledRegex> regexes_;
};

}  // namespace internal
}  // namespace gwapi::validate

#endif  // GWAPI_LIB_VALIDATE_SCHEMA_H_
