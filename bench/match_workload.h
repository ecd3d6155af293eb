// A reproducible routing configuration for the route-matching benchmarks: a
// gwapi.v1.Snapshot message (one Gateway, one HTTP listener on port 80, the
// HTTPRoutes attached there with their hostnames) and request mixes that hit
// it, miss it and hit its deepest prefixes.
//
// Two shapes (shared/reference/performance.md §9.1, an assumption: no public
// data set of real HTTPRoutes exists):
//   kManyHosts  a multi-tenant cluster: routes spread over routes / 10
//               hostnames, at least 10 and at most 1,000 (so 10 routes per
//               hostname up to 10,000 routes, 100 at 100,000);
//   kFewHosts   an API gateway: routes / 1,000 hostnames, 1 to 10 (1,000+
//               routes, about 2,000 path matches, under each from 1,000
//               routes up).
// Every route has 1-3 rules of 1-2 matches, so rules are about 1.7 and
// matches 2.1 per route.
// The same options and seed always give the same message and requests (own
// PRNG, no std:: distributions), so figures from different days and commits
// measure the same input; change kMatchWorkloadVersion whenever they change.
//
// Thread-safety: the functions are reentrant; results are plain values.
#ifndef GWAPI_BENCH_MATCH_WORKLOAD_H_
#define GWAPI_BENCH_MATCH_WORKLOAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gwapi/v1/snapshot.pb.h"

namespace gwapi::bench {

inline constexpr int kMatchWorkloadVersion = 1;

enum class MatchShape { kManyHosts, kFewHosts };

// Fractions are probabilities in [0, 1]; 0 for a count means "derive it
// from the shape and route count" as noted.
struct MatchWorkloadOptions {
  uint64_t seed = 1;
  MatchShape shape = MatchShape::kManyHosts;
  int routes = 1000;
  // Distinct hostnames; 0: kManyHosts clamp(routes / 10, 10, 1000),
  // kFewHosts clamp(routes / 1000, 1, 10).
  int hostnames = 0;
  // Share of hostnames that are wildcards ("*.t12.example.com"); every
  // wildcard domain also gets exact hostnames under it (so exact beats
  // wildcard is exercised), counted in the total.
  double wildcard_hostname_fraction = 0.10;
  // Share of routes with a second hostname.
  double second_hostname_fraction = 0.10;
  // Segments of a PathPrefix / Exact value.
  int min_path_depth = 1;
  int max_path_depth = 5;
  // Share of path matches of type Exact (the rest PathPrefix or regex).
  double exact_fraction = 0.20;
  // Share of path matches of type RegularExpression (0: the non-regex
  // workload used for the compile and memory targets).
  double regex_fraction = 0.0;
  // Share of matches with 1-2 header matches; with regex_fraction > 0, a
  // tenth of those header matches are regular expressions.
  double header_match_fraction = 0.10;
  // Share of matches with a method, and with 1 query parameter match.
  double method_fraction = 0.05;
  double query_fraction = 0.02;
  // Each rule has 1..max_backends weighted backends.
  int max_backends = 3;
};

// One generated request; `expect` says what the generator aimed at, not
// the answer (precedence decides that; the benchmark compares matchers).
struct MatchRequest {
  enum class Kind : uint8_t { kHit, kDeepHit, kMissHost, kMissPath };
  Kind kind = Kind::kHit;
  std::string host;  // mixed case on some, ":80" on some
  std::string method;
  std::string path;  // with "?query" on some
  std::vector<std::pair<std::string, std::string>> headers;
  uint64_t hash = 0;
  // The route and rule the request was built from; -1 for misses.
  int32_t aimed_route = -1;
  int32_t aimed_rule = -1;

  // "GET Host /path [k: v, ...]" for messages.
  std::string ToString() const;
};

// Shares of a request mix; they are normalised.
struct RequestMix {
  double hit = 0.70;
  double deep_hit = 0.10;
  double miss_host = 0.10;
  double miss_path = 0.10;
};

struct MatchWorkload {
  MatchWorkloadOptions options;
  gwapi::v1::Snapshot config;
  // Counts of what was generated.
  size_t rules = 0;
  size_t matches = 0;
  size_t hostnames = 0;
  size_t regex_matches = 0;
};

MatchWorkload GenerateMatchWorkload(const MatchWorkloadOptions& options);

// `count` requests drawn from `workload` with the given mix, seeded apart
// from the configuration (same seed, same requests).
std::vector<MatchRequest> GenerateRequests(const MatchWorkload& workload, const RequestMix& mix,
                                           size_t count, uint64_t seed = 7);

}  // namespace gwapi::bench

#endif  // GWAPI_BENCH_MATCH_WORKLOAD_H_
