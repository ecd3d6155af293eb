// The Kubernetes names of gwapi.v1's enumerations, both ways ("HTTPRoute"
// <-> ROUTE_KIND_HTTP, ...): one table each, so the compiler that writes a
// message and the readers that print one cannot drift apart.
// Thread-safety: pure functions.
#ifndef GWAPI_LIB_PROTO_NAMES_H_
#define GWAPI_LIB_PROTO_NAMES_H_

#include "absl/strings/string_view.h"
#include "gwapi/v1/snapshot.pb.h"

namespace gwapi::proto {

// "" for UNSPECIFIED (and any number the table does not know).
absl::string_view RouteKindName(gwapi::v1::RouteKind kind);
absl::string_view ProtocolName(gwapi::v1::Protocol protocol);
absl::string_view TlsModeName(gwapi::v1::TlsMode mode);  // "" for TLS_MODE_NONE

// UNSPECIFIED (TLS_MODE_NONE) for a name the table does not know.
gwapi::v1::RouteKind RouteKindFromName(absl::string_view name);
gwapi::v1::Protocol ProtocolFromName(absl::string_view name);
gwapi::v1::TlsMode TlsModeFromName(absl::string_view name);

}  // namespace gwapi::proto

#endif  // GWAPI_LIB_PROTO_NAMES_H_
