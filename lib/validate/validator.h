// Validation of objects as the Kubernetes API server validates them: the
// CRD's structural schema (types, enums, patterns, formats, bounds, required
// fields, list types), its CEL rules, and the ObjectMeta rules every object
// obeys; CRD defaults are applied first, as the API server applies them.
#ifndef GWAPI_LIB_VALIDATE_VALIDATOR_H_
#define GWAPI_LIB_VALIDATE_VALIDATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/model/value.h"

namespace gwapi::validate {

// One violation, in the form the API server reports it
// (k8s.io/apimachinery/pkg/util/validation/field.Error).
struct FieldError {
  std::string field;   // "spec.rules[0].matches[0].path.value", map values "spec.labels[key]"
  std::string type;    // "Required value", "Invalid value", "Unsupported value",
                       // "Too long", "Too many", "Duplicate value", "Forbidden"
  std::string value;   // the offending value as JSON ("" when not shown)
  std::string detail;  // the rule's message or the constraint's explanation
  // Which constraint fired, for tests and tools: "<schema_path>#<keyword>".
  // Stable across releases of the same CRD version.
  //
  //  - schema_path names the schema node: property names joined by '.',
  //    array items "[]", additionalProperties values "{}"; "" is the root.
  //    "spec.rules[].matches[].path.value#maxLength".
  //  - keyword is the schema keyword: type, format, enum, pattern, minLength,
  //    maxLength, minimum, maximum, multipleOf, minItems, maxItems,
  //    minProperties, maxProperties, allOf, anyOf, oneOf, not,
  //    x-kubernetes-list-type (a duplicate in a set or map list, on the
  //    list), x-kubernetes-validations[i] (i: the rule's index in that
  //    node's list), "spec.rules[]#x-kubernetes-validations[2]".
  //  - required is filed under the missing field, not its parent:
  //    "spec.parentRefs[].name#required".
  //  - inside allOf/anyOf/oneOf/not the keyword is the JSON path from the
  //    node holding the combinator:
  //    "spec.addresses[]#oneOf[0].properties.value.anyOf[1].format".
  //  - checks outside the schema use fixed ids: "metadata.name#required",
  //    "metadata.name#dns1123Subdomain" (#dns1123Label for Namespace,
  //    #dns1035Label for Service), "metadata.namespace#dns1123Label",
  //    "metadata.labels#qualifiedName", "metadata.labels#labelValue",
  //    "metadata.annotations#qualifiedName", "metadata.annotations#totalSize",
  //    "apiVersion#required", "kind#required", "apiVersion#schema" (no
  //    schema for the group/version/kind), "#type" (the input is not an
  //    object; field "<nil>"), and "#x-kubernetes-validations"
  //    for the note that CEL rules were skipped (field "<nil>", as upstream);
  //    the builtin ObjectMeta schema's own ids start with "metadata.".
  //    None of these are listed by SchemaSet::Constraints() (which lists the
  //    CRD's "metadata#type").
  std::string constraint;

  // field.Error's Error(): "<field>: <type>[: <value>][: <detail>]", e.g.
  // "spec.hostnames[0]: Invalid value: \"Foo\": spec.hostnames[0] in body should match '^...'".
  std::string ToString() const;
};

// One constraint of a compiled schema, for introspection. Its id is
// "<schema_path>#<keyword>", as in FieldError::constraint.
struct Constraint {
  std::string group, kind, version;
  std::string schema_path;  // properties joined by '.', array items "[]", map values "{}"
  std::string keyword;      // "type", "pattern", ..., "x-kubernetes-validations[i]"
  std::string detail;       // the CEL rule text, the pattern, the bound, ...
};

class Schema;  // one kind+version (schema.h)

// Every schema gwapi knows: the Gateway API v1.6.1 standard CRDs (all served
// versions) and the core kinds it models. Immutable; thread-safe.
class SchemaSet {
 public:
  // The built-in set, compiled on first use (regexes and CEL programs).
  static const SchemaSet& Builtin();

  // A set built from schema files in the format of lib/validate/schema/*.json
  // (a JSON array of {group, kind, version, scope, schema} entries): for
  // tests and for embedders with CRDs of their own. InvalidArgument when a
  // file or schema is malformed.
  static absl::StatusOr<std::unique_ptr<SchemaSet>> FromJson(
      const std::vector<absl::string_view>& files);

  ~SchemaSet();

  // The schema for group/version/kind, or nullptr.
  const Schema* Find(absl::string_view group, absl::string_view version,
                     absl::string_view kind) const;

  // Applies CRD defaults to `object` (a whole object: apiVersion, kind,
  // metadata, spec...) in place, then validates it: ObjectMeta, schema and
  // CEL rules. `old` is the stored object on update (transition rules such
  // as `self == oldSelf`), nullptr on create. Returns every violation; empty
  // means valid. An unknown group/version/kind is one "Unsupported value"
  // error on `apiVersion`.
  //
  // As the API server, in place: `status` is dropped; unknown fields are
  // pruned (unless x-kubernetes-preserve-unknown-fields); absent fields, and
  // null ones that are not nullable, get their defaults; other non-nullable
  // nulls are dropped; integral doubles in integer fields become integers;
  // a cluster-scoped object's metadata.namespace is dropped. Errors come in
  // the order ObjectMeta, schema, list-type uniqueness, CEL. As upstream,
  // the CEL rules are skipped, with one note on field "<nil>", when a
  // type, enum, required, maxLength, maxItems or maxProperties error was
  // found: the rules assume the shape the schema promises.
  std::vector<FieldError> DefaultAndValidate(model::Value& object, const model::Value* old) const;

  // Every constraint of every schema: schemas ordered by group, kind and
  // version, each one's constraints depth first, properties by name.
  std::vector<Constraint> Constraints() const;

 private:
  SchemaSet();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwapi::validate

#endif  // GWAPI_LIB_VALIDATE_VALIDATOR_H_
