#include "lib/resolve/features.h"

namespace gwapi::resolve {
namespace {

// Sorted (byte order). Core features of the GATEWAY-HTTP/GRPC/TLS/TCP/UDP
// profiles plus the extended features whose semantics are status-level
// (addresses, ports, ListenerSet, BackendTLSPolicy, TLS configuration). Each
// is claimed because every status assertion of its conformance cases passes;
// features that are about request handling in the data plane (matching,
// filters, listener isolation, SAN validation) are not claimed yet.
constexpr absl::string_view kFeatures[] = {
    "BackendTLSPolicy",
    "GRPCRoute",
    "Gateway",
    "GatewayAddressEmpty",
    "GatewayBackendClientCertificate",
    "GatewayFrontendClientCertificateValidation",
    "GatewayFrontendClientCertificateValidationInsecureFallback",
    "GatewayPort8080",
    "GatewayStaticAddresses",
    "HTTPRoute",
    "HTTPRouteParentRefPort",
    "ListenerSet",
    "ReferenceGrant",
    "TCPRoute",
    "TLSRoute",
    "TLSRouteModeMixed",
    "TLSRouteModeTerminate",
    "UDPRoute",
};

}  // namespace

std::span<const absl::string_view> SupportedFeatures() { return kFeatures; }

}  // namespace gwapi::resolve
