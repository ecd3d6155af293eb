// The matcher gwapi's route matching is compared with: what Envoy does with
// the RouteConfiguration a Gateway API controller writes
// (source/common/router/config_impl.cc, shared/reference/performance.md
// §1.1). Per request it copies the host in lower case, picks the virtual
// host (exact hash map, then wildcard suffixes longest first), then scans
// that host's route entries linearly in Gateway API precedence order,
// checking method, headers and query before the path, first match wins;
// the backend is picked from the weighted set by the request's hash.
//
// It is a fair baseline, not a strawman: virtual hosts sit in a
// flat_hash_map, each entry has its matchers precomputed (lower-case header
// names, normalised prefixes, compiled RE2), and an entry is a plain struct
// checked inline (Envoy makes a virtual call per entry).
//
// Thread-safety: immutable after Create(); Match() may run concurrently.
#ifndef GWAPI_BENCH_MATCH_BASELINE_H_
#define GWAPI_BENCH_MATCH_BASELINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gwapi/v1/snapshot.pb.h"
#include "re2/re2.h"

namespace gwapi::bench {

struct BaselineHeader {
  absl::string_view name;  // any case
  absl::string_view value;
};

struct BaselineRequest {
  int32_t gateway = 0;  // index in config.gateways()
  uint32_t port = 80;
  absl::string_view host;  // any case, optional ":port"
  absl::string_view method;
  absl::string_view path;  // with optional "?query"
  absl::Span<const BaselineHeader> headers;
  uint64_t hash = 0;
};

// Same meaning as route::MatchResult: status 0 forwards to `backend`,
// 404 is no route, 500 no valid backend.
struct BaselineResult {
  uint16_t status = 0;
  int32_t listener = -1;
  int32_t route = -1;
  int32_t rule = -1;
  int32_t backend = -1;
};

// Where RegularExpression paths rank among path matches. The spec leaves it
// to the implementation; the baseline follows docs/MATCHING.md.
enum class RegexRank {
  kAfterExact,   // Exact > RegularExpression > PathPrefix
  kAfterPrefix,  // Exact > PathPrefix > RegularExpression
};

struct BaselineOptions {
  // docs/MATCHING.md: Exact paths, then regular expressions, then prefixes.
  RegexRank regex_rank = RegexRank::kAfterExact;
  // docs/MATCHING.md: when no rule of the most specific hostname matches,
  // the next less specific one (longer wildcard, shorter wildcard, then
  // routes without hostnames) is tried. An Envoy configuration gets the
  // same answers by appending those routes to each virtual host; the scan
  // continuing into the next virtual host costs the same.
  bool host_fallback = true;
};

class BaselineMatcher {
 public:
  static absl::StatusOr<std::unique_ptr<BaselineMatcher>> Create(
      const gwapi::v1::Snapshot& config, const BaselineOptions& options = {});

  void Match(const BaselineRequest& request, BaselineResult* result) const;

  // Route entries (one per HttpMatch per hostname) over all virtual hosts.
  size_t entries() const { return entries_; }

  struct HeaderMatcher {
    std::string name;  // lower case for headers, as written for query
    std::string value;
    std::unique_ptr<RE2> regex;  // set for RegularExpression
  };
  struct Entry {
    enum PathType : uint8_t { kExact, kPrefix, kRegex };
    PathType path_type = kPrefix;
    std::string path;          // Exact value; prefix without trailing '/'
    uint32_t rank_length = 0;  // characters compared for precedence
    std::unique_ptr<RE2> path_regex;
    std::string method;  // "" = any
    std::vector<HeaderMatcher> headers;
    std::vector<HeaderMatcher> query;
    int32_t route = -1;
    int32_t rule = -1;
    int32_t match = -1;
    // Index into BaselineMatcher::rules_ (cumulative backend weights).
    int32_t rule_slot = -1;
  };
  struct VirtualHost {
    std::vector<std::shared_ptr<const Entry>> entries;
  };
  struct Listener {
    uint32_t port = 0;
    int32_t index = -1;
    absl::flat_hash_map<std::string, VirtualHost> exact;
    // Wildcard suffix (".example.com") tables, longest suffix first.
    std::vector<std::pair<size_t, absl::flat_hash_map<std::string, VirtualHost>>> wildcard;
    VirtualHost any;  // routes without hostnames
    bool has_any = false;
  };
  struct RuleBackends {
    std::vector<uint64_t> cumulative;  // running sum of weights
    std::vector<bool> valid;
  };

 private:
  BaselineMatcher() = default;

  bool MatchVirtualHost(const VirtualHost& vh, const BaselineRequest& request,
                        absl::string_view path, absl::string_view query,
                        BaselineResult* result) const;

  BaselineOptions options_;
  std::vector<std::vector<Listener>> gateways_;
  std::vector<RuleBackends> rules_;
  size_t entries_ = 0;
};

}  // namespace gwapi::bench

#endif  // GWAPI_BENCH_MATCH_BASELINE_H_
