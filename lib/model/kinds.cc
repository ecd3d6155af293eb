#include "lib/model/kinds.h"

namespace gwapi::model {
namespace {

constexpr absl::string_view kV1[] = {"v1"};
constexpr absl::string_view kV1Beta1[] = {"v1", "v1beta1"};
constexpr absl::string_view kCiliumPool[] = {"v2alpha1", "v2"};

// Served versions are those of the v1.6.1 standard CRDs (v1alpha2/v1alpha3
// of TCP/TLS/UDPRoute and BackendTLSPolicy are defined but not served).
constexpr KindInfo kKinds[] = {
    {kGatewayGroup, "GatewayClass", kV1Beta1, false},
    {kGatewayGroup, "Gateway", kV1Beta1, true},
    {kGatewayGroup, "ListenerSet", kV1, true},
    {kGatewayGroup, "HTTPRoute", kV1Beta1, true},
    {kGatewayGroup, "GRPCRoute", kV1, true},
    {kGatewayGroup, "TLSRoute", kV1, true},
    {kGatewayGroup, "TCPRoute", kV1, true},
    {kGatewayGroup, "UDPRoute", kV1, true},
    {kGatewayGroup, "ReferenceGrant", kV1Beta1, true},
    {kGatewayGroup, "BackendTLSPolicy", kV1, true},
    {kCoreGroup, "Namespace", kV1, false},
    {kCoreGroup, "Service", kV1, true},
    {kDiscoveryGroup, "EndpointSlice", kV1, true},
    {kCoreGroup, "Secret", kV1, true},
    {kCoreGroup, "ConfigMap", kV1, true},
    {kCiliumGroup, "CiliumLoadBalancerIPPool", kCiliumPool, false},
};

}  // namespace

const KindInfo* FindKind(absl::string_view group, absl::string_view kind) {
  for (const KindInfo& k : kKinds) {
    if (k.group == group && k.kind == kind) return &k;
  }
  return nullptr;
}

std::span<const KindInfo> AllKinds() { return kKinds; }

void SplitApiVersion(absl::string_view api_version, absl::string_view* group,
                     absl::string_view* version) {
  size_t slash = api_version.rfind('/');
  if (slash == absl::string_view::npos) {
    *group = {};
    *version = api_version;
  } else {
    *group = api_version.substr(0, slash);
    *version = api_version.substr(slash + 1);
  }
}

}  // namespace gwapi::model
