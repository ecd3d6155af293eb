// Helpers for status tests: an engine fed with YAML, and lookups of
// conditions in the computed status.
// Thread-safety: test-only, single-threaded.
#ifndef GWAPI_TESTS_RESOLVE_TESTING_H_
#define GWAPI_TESTS_RESOLVE_TESTING_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/engine/engine.h"
#include "lib/model/value.h"

namespace gwapi::resolve::testing {

inline constexpr absl::string_view kController = "io.cilium/gateway-controller";
inline constexpr int64_t kTime = 1767225600;  // 2026-01-01T00:00:00Z

// An engine for kController with a fixed clock, holding a GatewayClass
// "cilium" and a pool 10.0.0.0/30 (four addresses) unless `bare`.
std::unique_ptr<engine::Engine> NewEngine(bool bare = false, int64_t time = kTime);

// Applies YAML and fails the test on a decode error or a rejected object.
void Apply(engine::Engine* e, absl::string_view yaml);

// The status stanza of an object, or null Value when none is written.
model::Value StatusOf(engine::Engine* e, absl::string_view kind, absl::string_view ns,
                      absl::string_view name);

// The condition of `type` in a conditions array, or nullptr.
const model::Value* FindCondition(const model::Value* conditions, absl::string_view type);

// "Status/Reason" of a condition ("True/Accepted"), "absent" when missing.
std::string Cond(const model::Value* conditions, absl::string_view type);

// The listener entry named `name` in a status with `listeners`, or nullptr.
const model::Value* Listener(const model::Value& status, absl::string_view name);

// The conditions of parent entry `i` of a route status, or nullptr.
const model::Value* ParentConditions(const model::Value& status, size_t i = 0);

}  // namespace gwapi::resolve::testing

#endif  // GWAPI_TESTS_RESOLVE_TESTING_H_
