#include "lib/proto/names.h"

#include <utility>

namespace gwapi::proto {
namespace {

namespace v1 = gwapi::v1;

constexpr std::pair<v1::RouteKind, absl::string_view> kRouteKinds[] = {
    {v1::ROUTE_KIND_HTTP, "HTTPRoute"}, {v1::ROUTE_KIND_GRPC, "GRPCRoute"},
    {v1::ROUTE_KIND_TLS, "TLSRoute"},   {v1::ROUTE_KIND_TCP, "TCPRoute"},
    {v1::ROUTE_KIND_UDP, "UDPRoute"},
};
constexpr std::pair<v1::Protocol, absl::string_view> kProtocols[] = {
    {v1::PROTOCOL_HTTP, "HTTP"}, {v1::PROTOCOL_HTTPS, "HTTPS"}, {v1::PROTOCOL_TLS, "TLS"},
    {v1::PROTOCOL_TCP, "TCP"},   {v1::PROTOCOL_UDP, "UDP"},
};
constexpr std::pair<v1::TlsMode, absl::string_view> kTlsModes[] = {
    {v1::TLS_MODE_TERMINATE, "Terminate"},
    {v1::TLS_MODE_PASSTHROUGH, "Passthrough"},
};

template <typename E, size_t N>
absl::string_view NameOf(const std::pair<E, absl::string_view> (&table)[N], E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "";
}

template <typename E, size_t N>
E ValueOf(const std::pair<E, absl::string_view> (&table)[N], absl::string_view name, E unknown) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return unknown;
}

}  // namespace

absl::string_view RouteKindName(v1::RouteKind kind) { return NameOf(kRouteKinds, kind); }
absl::string_view ProtocolName(v1::Protocol protocol) { return NameOf(kProtocols, protocol); }
absl::string_view TlsModeName(v1::TlsMode mode) { return NameOf(kTlsModes, mode); }

v1::RouteKind RouteKindFromName(absl::string_view name) {
  return ValueOf(kRouteKinds, name, v1::ROUTE_KIND_UNSPECIFIED);
}
v1::Protocol ProtocolFromName(absl::string_view name) {
  return ValueOf(kProtocols, name, v1::PROTOCOL_UNSPECIFIED);
}
v1::TlsMode TlsModeFromName(absl::string_view name) {
  return ValueOf(kTlsModes, name, v1::TLS_MODE_NONE);
}

}  // namespace gwapi::proto
