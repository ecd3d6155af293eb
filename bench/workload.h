// A reproducible synthetic cluster for gwapi's benchmarks: HTTPRoutes shaped
// like real ones, with the Gateways, Namespaces, Services, EndpointSlices,
// Secrets and ReferenceGrants they refer to.
//
// The same options and seed always give the same bytes (the generator uses
// its own PRNG and no std:: distributions, whose output varies between
// standard libraries), so figures taken on different days, commits and
// bindings measure the same input. Every object is valid under the Gateway
// API v1.6.1 standard CRDs and Kubernetes' own rules; an object the validator
// rejects is a bug here. The shape mix follows
// shared/reference/performance.md §9.1; it is an assumption (no public data
// set of real HTTPRoutes exists), so it is versioned: change kWorkloadVersion
// whenever the output for a given seed changes.
//
// Thread-safety: GenerateWorkload is reentrant; a Workload is a plain value.
#ifndef GWAPI_BENCH_WORKLOAD_H_
#define GWAPI_BENCH_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/model/value.h"

namespace gwapi::bench {

inline constexpr int kWorkloadVersion = 1;

// Every fraction is a probability in [0, 1]; a count of 0 means "derive it
// from http_routes" as noted.
struct WorkloadOptions {
  uint64_t seed = 1;
  int http_routes = 1000;
  int gateways = 2;
  // Application namespaces (routes and services); 0: max(1, http_routes / 20).
  // Routes are spread over them Zipf-like. The Gateways, their Secrets and
  // the GatewayClass live in one more namespace, "gateway-infra".
  int namespaces = 0;
  // Distinct hostnames the routes draw from; 0: max(1, 0.6 * http_routes).
  int hostnames = 0;
  // Share of the hostname pool that is wildcard (`*.api.example.com`); about
  // half of those cover an exact hostname of the pool.
  double wildcard_hostname_fraction = 0.05;
  // Segments in a PathPrefix / Exact path match.
  int min_path_depth = 1;
  int max_path_depth = 5;
  // Share of matches with 1-2 header matches (10% of those RegularExpression).
  double header_match_fraction = 0.10;
  // Share of path matches of type RegularExpression.
  double regex_match_fraction = 0.02;
  // Share of path matches of type Exact (the rest are PathPrefix).
  double exact_match_fraction = 0.20;
  // Rules with several weighted backendRefs get 2..max_backends_per_rule.
  double multi_backend_fraction = 0.15;
  int max_backends_per_rule = 4;
  // Share of rules with a filter (header modifiers, redirect, rewrite, mirror).
  double filter_fraction = 0.10;
  // Share of routes with a backendRef into another namespace (each such
  // namespace pair gets a ReferenceGrant).
  double cross_namespace_fraction = 0.05;
  // Share of routes that also attach to a second Gateway.
  double multi_parent_fraction = 0.10;
  // Services per HTTPRoute in each namespace (at least one per namespace);
  // each has one EndpointSlice with 1..max_endpoints_per_service endpoints.
  double services_per_route = 0.5;
  int max_endpoints_per_service = 50;
  // Share of objects carrying kubectl's last-applied-configuration annotation
  // (the rest look Helm- or server-side-applied).
  double last_applied_fraction = 0.2;
  // `kubectl get` prints status; the API server ignores it on writes.
  bool include_status = true;
};

// Object counts of a workload, by kind.
struct WorkloadCounts {
  size_t namespaces = 0;
  size_t gateway_classes = 0;
  size_t gateways = 0;
  size_t secrets = 0;
  size_t services = 0;
  size_t endpoint_slices = 0;
  size_t reference_grants = 0;
  size_t http_routes = 0;
  size_t total() const {
    return namespaces + gateway_classes + gateways + secrets + services + endpoint_slices +
           reference_grants + http_routes;
  }
};

// A generated cluster. `objects` is in an order an apply would use
// (Namespaces, GatewayClass, Secrets, Gateways, Services, EndpointSlices,
// ReferenceGrants, HTTPRoutes); each object is whole, as `kubectl get`
// returns it (metadata with uid, resourceVersion, creationTimestamp and, for
// Gateway API kinds, generation; server defaults filled in; status when
// options.include_status).
struct Workload {
  WorkloadOptions options;
  std::vector<model::Value> objects;
  WorkloadCounts counts;

  // Copies of the objects of one kind ("HTTPRoute"), in order.
  std::vector<model::Value> OfKind(absl::string_view kind) const;
};

Workload GenerateWorkload(const WorkloadOptions& options);

// `kubectl get -o json` output for these objects: a v1 List, keys sorted as
// Go's encoding/json sorts map keys, four-space indentation.
std::string ToJsonList(const std::vector<model::Value>& objects);

// The same objects as a multi-document YAML stream (`---` before each
// document), in the style of `kubectl get -o yaml` (sorted keys, sequences
// not indented under their key, strings quoted only when a plain scalar
// would read as something else).
std::string ToYamlStream(const std::vector<model::Value>& objects);

}  // namespace gwapi::bench

#endif  // GWAPI_BENCH_WORKLOAD_H_
