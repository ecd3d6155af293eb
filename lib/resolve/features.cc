#include "lib/resolve/features.h"

namespace gwapi::resolve {
namespace {

// Sorted (byte order). Core features of the GATEWAY-HTTP/GRPC/TLS/TCP/UDP
// profiles, the extended features whose semantics are status-level
// (addresses, ports, ListenerSet, BackendTLSPolicy, TLS configuration), and
// the extended matching and filter features lib/route decides (matching,
// redirects, rewrites, header edits, mirrors, CORS, timeouts, listener
// isolation, misdirected requests). Each is claimed
// because every status and request assertion of its conformance cases that
// the engine can decide passes. Not claimed: what needs provisioned
// resources (GatewayInfrastructurePropagation) or a live TLS handshake to
// decide (BackendTLSPolicySANValidation), and HTTPRouteRetry: `retry` is
// an experimental-channel field, and the engine serves the standard
// channel's schema, which prunes it.
constexpr absl::string_view kFeatures[] = {
    "BackendTLSPolicy",
    "GRPCRoute",
    "GRPCRouteNamedRouteRule",
    "Gateway",
    "GatewayAddressEmpty",
    "GatewayBackendClientCertificate",
    "GatewayFrontendClientCertificateValidation",
    "GatewayFrontendClientCertificateValidationInsecureFallback",
    "GatewayHTTPListenerIsolation",
    "GatewayHTTPSListenerDetectMisdirectedRequests",
    "GatewayPort8080",
    "GatewayStaticAddresses",
    "HTTPRoute",
    "HTTPRoute303RedirectStatusCode",
    "HTTPRoute307RedirectStatusCode",
    "HTTPRoute308RedirectStatusCode",
    "HTTPRouteBackendProtocolH2C",
    "HTTPRouteBackendProtocolWebSocket",
    "HTTPRouteBackendRequestHeaderModification",
    "HTTPRouteBackendTimeout",
    "HTTPRouteCORS",
    "HTTPRouteDestinationPortMatching",
    "HTTPRouteHostRewrite",
    "HTTPRouteMethodMatching",
    "HTTPRouteNamedRouteRule",
    "HTTPRouteParentRefPort",
    "HTTPRoutePathRedirect",
    "HTTPRoutePathRewrite",
    "HTTPRoutePortRedirect",
    "HTTPRouteQueryParamMatching",
    "HTTPRouteRequestMirror",
    "HTTPRouteRequestMultipleMirrors",
    "HTTPRouteRequestPercentageMirror",
    "HTTPRouteRequestTimeout",
    "HTTPRouteResponseHeaderModification",
    "HTTPRouteSchemeRedirect",
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
