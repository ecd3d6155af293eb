// The kinds gwapi models: the Gateway API kinds of the v1.6.1 standard
// channel, the core kinds they refer to, and Cilium's LB IP pool.
#ifndef GWAPI_LIB_MODEL_KINDS_H_
#define GWAPI_LIB_MODEL_KINDS_H_

#include <span>
#include "absl/strings/string_view.h"

namespace gwapi::model {

inline constexpr absl::string_view kGatewayGroup = "gateway.networking.k8s.io";
inline constexpr absl::string_view kCoreGroup = "";
inline constexpr absl::string_view kDiscoveryGroup = "discovery.k8s.io";
inline constexpr absl::string_view kCiliumGroup = "cilium.io";

struct KindInfo {
  absl::string_view group;
  absl::string_view kind;
  // Versions the API server serves for this kind (the CRD's `served: true`).
  std::span<const absl::string_view> versions;
  bool namespaced;
};

// The modelled kind for group+kind, or nullptr.
const KindInfo* FindKind(absl::string_view group, absl::string_view kind);
// Every modelled kind, in a fixed order.
std::span<const KindInfo> AllKinds();

// Splits an apiVersion into group and version ("v1" -> "", "v1").
void SplitApiVersion(absl::string_view api_version, absl::string_view* group,
                     absl::string_view* version);

}  // namespace gwapi::model

#endif  // GWAPI_LIB_MODEL_KINDS_H_
