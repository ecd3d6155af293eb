// The Gateway API features this engine claims (GatewayClass
// status.supportedFeatures and gwapi_supported_features_json). A feature is
// listed only when every status assertion of its conformance cases passes.
// Thread-safety: immutable.
#ifndef GWAPI_LIB_RESOLVE_FEATURES_H_
#define GWAPI_LIB_RESOLVE_FEATURES_H_

#include <span>

#include "absl/strings/string_view.h"

namespace gwapi::resolve {

// Upstream feature names, sorted.
std::span<const absl::string_view> SupportedFeatures();

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_FEATURES_H_
