// compile: what a resolution decided (lib/resolve/routing.h) plus the rules
// of the attached routes, written as the gwapi.v1.Snapshot message that
// route::Snapshot::Create() loads. The message is self-contained: it can be
// serialized and matched against in another process with the same results.
// Thread-safety: a pure function of its arguments.
#ifndef GWAPI_LIB_COMPILE_CONFIG_H_
#define GWAPI_LIB_COMPILE_CONFIG_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "gwapi/v1/snapshot.pb.h"
#include "lib/model/store.h"
#include "lib/resolve/routing.h"

namespace gwapi::compile {

// Writes `routing`, the rules of its routes and the Services their valid
// backendRefs name (with endpoints from `store`) into `out` (cleared first).
// `routing` must come from a resolution of `store`.
void CompileConfig(const resolve::Routing& routing, const model::Store& store, uint64_t revision,
                   gwapi::v1::Snapshot* out);

// A Gateway API Duration ("1h30m", "500ms", "0s") in milliseconds, or -1
// when it is not one.
int64_t ParseDurationMs(absl::string_view text);

}  // namespace gwapi::compile

#endif  // GWAPI_LIB_COMPILE_CONFIG_H_
