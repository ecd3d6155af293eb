// Bounds on what one decode call may consume. Exceeding any of them is an
// InvalidArgument error that names the limit, never a crash or an
// out-of-memory. The defaults fit the largest real inputs (a `kubectl get -o
// json` List of 100,000 routes) with room to spare.
#ifndef GWAPI_LIB_MODEL_LIMITS_H_
#define GWAPI_LIB_MODEL_LIMITS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"

namespace gwapi::model {

struct DecodeLimits {
  // Bytes of one apply() input. The API server takes 3 MiB per request;
  // gwapi also takes whole Lists, so the default is larger.
  size_t max_input_bytes = size_t{256} << 20;
  // Bytes of one string scalar (Secret values top out at 1 MiB in etcd).
  size_t max_string_bytes = size_t{1} << 20;
  // Nesting depth of arrays and objects. Gateway API objects nest < 20 deep.
  size_t max_depth = 64;
  // Objects (documents or List items) in one input.
  size_t max_objects = 1'000'000;
  // YAML nodes that alias expansion may add to one input ("billion laughs").
  size_t max_alias_nodes = 100'000;
};

// Attaches / reads a human-readable location ("document 2, line 7, column 3"
// or a field path) to a Status, carried as a payload so the C ABI can expose
// it separately from the message.
inline constexpr char kLocationPayload[] = "gwapi.dev/location";
void SetLocation(absl::Status& status, absl::string_view location);
std::string GetLocation(const absl::Status& status);

}  // namespace gwapi::model

#endif  // GWAPI_LIB_MODEL_LIMITS_H_
