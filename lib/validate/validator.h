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
  std::string field;  // "spec.rules[0].matches[0].path.value"
  std::string type;   // "Required value", "Invalid value", "Unsupported value",
                      // "Too long", "Too many", "Duplicate value", "Forbidden"
  std::string value;  // the offending value as JSON ("" when not shown)
  std::string detail; // the rule's message or the constraint's explanation
  // Which constraint fired, for tests and tools: "<schema_path>#<keyword>",
  // e.g. "spec.rules[].matches[].path.value#maxLength" or
  // "spec.rules[]#x-kubernetes-validations[2]". Stable across releases of
  // the same CRD version.
  std::string constraint;

  // "spec.hostnames[0]: Invalid value: \"Foo\": should match '^...'"
  std::string ToString() const;
};

// One constraint of a compiled schema, for introspection.
struct Constraint {
  std::string group, kind, version;
  std::string schema_path;  // properties joined by '.', array items "[]", map values "{}"
  std::string keyword;      // "type", "enum", "pattern", "maxLength", ..., "x-kubernetes-validations[i]"
  std::string detail;       // the CEL rule text, the pattern, the bound, ...
};

class Schema;  // one kind+version (validator.cc)

// Every schema gwapi knows: the Gateway API v1.6.1 standard CRDs (all served
// versions) and the core kinds it models. Immutable; thread-safe.
class SchemaSet {
 public:
  // The built-in set, compiled on first use (regexes and CEL programs).
  static const SchemaSet& Builtin();

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
  std::vector<FieldError> DefaultAndValidate(model::Value& object, const model::Value* old) const;

  // Every constraint of every schema, in a fixed order.
  std::vector<Constraint> Constraints() const;

 private:
  SchemaSet();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwapi::validate

#endif  // GWAPI_LIB_VALIDATE_VALIDATOR_H_
