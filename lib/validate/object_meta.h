// ObjectMeta: the schema the API server gives every object's `metadata`,
// and the checks of apimachinery's ValidateObjectMetaAccessor (name,
// namespace, labels, annotations). Internal to lib/validate; thread-safe.
#ifndef GWAPI_LIB_VALIDATE_OBJECT_META_H_
#define GWAPI_LIB_VALIDATE_OBJECT_META_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "lib/model/value.h"
#include "lib/validate/schema.h"
#include "lib/validate/validator.h"

namespace gwapi::validate::internal {

// The structural schema of ObjectMeta as JSON: the types of the fields an
// object may carry (so that `kubectl get -o yaml` output passes); unknown
// metadata fields are pruned, as the API server drops them.
absl::string_view ObjectMetaSchemaJson();

// Checks `object`'s metadata as the API server does before the schema:
// metadata.name is required and must match the kind's name rule; the
// namespace of a namespaced kind must be a DNS-1123 label (when given; the
// engine fills in "default"); a cluster-scoped object's namespace is
// dropped, as the API server ignores it; label keys and annotation keys
// must be qualified names, label values valid label values, and
// annotations at most 256 KiB in total. Fields of the wrong type are left
// to the schema. Appends to `errors`; returns true when one of them keeps
// the CEL rules from running (a missing name, annotations too large).
bool CheckObjectMeta(const Schema& schema, model::Value& object, std::vector<FieldError>* errors);

}  // namespace gwapi::validate::internal

#endif  // GWAPI_LIB_VALIDATE_OBJECT_META_H_
