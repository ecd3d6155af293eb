// A Common Expression Language (CEL) interpreter for the subset that
// Kubernetes CRD validation rules (`x-kubernetes-validations`) use.
//
// Covers what the Gateway API v1.6.1 CRDs need and the common CEL core around
// it: literals (int, uint, double, string incl. raw and triple-quoted, bool,
// null, lists, maps), field selection and `has()`, indexing, `in`, logical,
// ternary, comparison and arithmetic operators, `size()`, the macros `all`,
// `exists`, `exists_one`, `filter`, `map`, string functions (`matches`
// through RE2, `startsWith`, `endsWith`, `contains`, and the ext strings
// library: `substring`, `split`, `lowerAscii`, `upperAscii`, `trim`,
// `indexOf`, `lastIndexOf`, `charAt`, `replace`, `join`), `duration()`, the
// Kubernetes `isIP()`, `ip()`, `ip.isCanonical()` and `isCIDR()`, the
// conversions `int`, `uint`, `double`, `string`, `bool`, `dyn`, and
// `oldSelf` for transition rules. Identifiers escaped as `__name__` (e.g.
// `__namespace__`, `a__dash__b`) select the field the Kubernetes CEL
// environment maps them to.
//
// Semantics are cel-go's as the API server configures it (heterogeneous
// equality, commutative error absorption in && and ||, checked integer
// arithmetic). Evaluation is charged with cel-go's runtime cost model and
// fails past the API server's per-rule limit, so any input terminates.
#ifndef GWAPI_LIB_VALIDATE_CEL_H_
#define GWAPI_LIB_VALIDATE_CEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/model/value.h"

namespace gwapi::validate::cel {

struct Node;  // compiled expression tree (cel.cc)

// A compiled expression. Immutable after Compile; Eval* may be called from
// any number of threads at once.
class Program {
 public:
  // Parses and checks `expression`; InvalidArgument with the offset on a
  // syntax error or an unsupported function.
  static absl::StatusOr<std::unique_ptr<const Program>> Compile(absl::string_view expression);
  ~Program();

  // Evaluates with `self` bound to the value at the rule's schema node and
  // `oldSelf` to the previous value (nullptr when there is none: a create,
  // or a field that did not exist before). The result must be a bool;
  // evaluation errors (missing field, type mismatch, bad regex input) are
  // returned as InvalidArgument.
  absl::StatusOr<bool> EvalBool(const model::Value& self, const model::Value* old_self) const;

  // True for transition rules: the API server evaluates those only on
  // update, when an old value exists.
  bool references_old_self() const { return references_old_self_; }

  absl::string_view expression() const { return expression_; }

 private:
  Program() = default;
  std::string expression_;
  std::unique_ptr<Node> root_;
  bool references_old_self_ = false;
};

}  // namespace gwapi::validate::cel

#endif  // GWAPI_LIB_VALIDATE_CEL_H_
