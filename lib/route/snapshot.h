// A compiled, immutable routing snapshot: built once from a
// gwapi.v1.Snapshot message, then matched against by any number of threads
// without locks. It owns the message in wire form (Serialized()) and the
// indexes compiled from it, and nothing else (no pointer into a store or
// into the caller's message), so it outlives the engine and the message it
// came from.
//
// The matching rules, and every choice the Gateway API leaves to the
// implementation, are written down in docs/MATCHING.md.
#ifndef GWAPI_LIB_ROUTE_SNAPSHOT_H_
#define GWAPI_LIB_ROUTE_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gwapi/v1/snapshot.pb.h"

namespace gwapi::route {

// How the request reached the Gateway.
enum class RequestProtocol : uint8_t {
  kHttp,   // HTTP/1.1 or h2c, cleartext
  kHttps,  // HTTP over TLS terminated at the Gateway (sni set)
  kGrpc,   // gRPC over cleartext HTTP/2; path is /package.Service/Method
  kGrpcs,  // gRPC over TLS terminated at the Gateway
  kTls,    // a TLS connection routed by SNI (TLSRoute)
  kTcp,
  kUdp,
};

struct Header {
  absl::string_view name;  // any case
  absl::string_view value;
};

// What arrives at a Gateway. Views are borrowed for the duration of the call.
struct Request {
  // The Gateway, from Snapshot::FindGateway(); -1 matches nothing.
  int32_t gateway = -1;
  uint32_t port = 0;
  RequestProtocol protocol = RequestProtocol::kHttp;
  absl::string_view host;    // Host / :authority, any case, optional ":port"
  absl::string_view method;  // "GET", ...
  absl::string_view path;    // path with optional "?query", as sent
  absl::string_view sni;     // TLS server name, "" without TLS
  absl::Span<const Header> headers;
  // Chooses among weighted backends: the same hash gives the same backend.
  uint64_t hash = 0;
};

// The decision for one request. Indexes refer to the message's routes,
// rules, matches and backends (RouteAt(), BackendAt(), config()), so a
// result needs no allocation.
struct MatchResult {
  // 0 when the request is forwarded to `backend`; otherwise the status the
  // Gateway answers itself: 400 (a path the matcher refuses, see
  // docs/MATCHING.md), 404 (no route; gRPC Unimplemented), 421
  // (misdirected: Host names another listener than SNI), 500 (no usable
  // backend, or the chosen one is invalid), 3xx (redirect, see
  // Snapshot::RedirectLocation), 200 (CORS preflight answered at the
  // Gateway, see Snapshot::ApplyFilters).
  uint16_t status = 0;
  int32_t listener = -1;  // index in the Gateway's listeners
  int32_t route = -1;     // index in config().routes()
  int32_t rule = -1;      // index in that route's rules
  int32_t backend = -1;   // index in that rule's backends; -1 when none
  // Index of the winning match in the rule's http_matches / grpc_matches;
  // -1 when the rule has none (implicit PathPrefix "/" or match-all).
  int32_t match = -1;
};

// A route as RouteAt() reads it. Views live as long as the snapshot and
// are NUL-terminated.
struct RouteInfo {
  gwapi::v1::RouteKind kind = gwapi::v1::ROUTE_KIND_UNSPECIFIED;
  absl::string_view ns;
  absl::string_view name;
  int32_t rule_count = 0;
};

// A backend of a rule as BackendAt() reads it. Views live as long as the
// snapshot and are NUL-terminated.
struct BackendInfo {
  absl::string_view ns;
  absl::string_view name;
  uint32_t port = 0;
  uint32_t weight = 0;
  bool valid = false;  // resolves (ResolvedRefs); traffic to it gets 500
};

// A header name and value produced by ApplyFilters (it owns its strings).
using HeaderPair = std::pair<std::string, std::string>;

// Header edits in the order the spec applies them: set, then add, then
// remove. Names are kept as configured; proxies compare them ignoring case.
struct HeaderEdits {
  std::vector<HeaderPair> set;
  std::vector<HeaderPair> add;
  std::vector<std::string> remove;
};

// A RequestMirror filter that applies to the request.
struct Mirror {
  const gwapi::v1::Backend* backend = nullptr;  // lent by the snapshot
  uint32_t numerator = 100;
  uint32_t denominator = 100;
  // Whether this request falls in the mirrored share, decided from
  // Request::hash (deterministic, independent of the backend choice).
  bool selected = true;
};

// The effect of a matched rule's filters (rule-level, then the chosen
// backend's) on one request.
struct RequestEdits {
  // The path (with the original query string) to forward, when URLRewrite
  // changes it.
  std::optional<std::string> path;
  // The Host to forward, when URLRewrite changes it.
  std::optional<std::string> host;
  HeaderEdits request_headers;
  // Response header edits, including the CORS Access-Control-* headers (for
  // a preflight answered at the Gateway, these are the whole answer).
  HeaderEdits response_headers;
  std::vector<Mirror> mirrors;
  // Lent by the snapshot; nullptr when the rule has none.
  const gwapi::v1::Timeouts* timeouts = nullptr;
  const gwapi::v1::Retry* retry = nullptr;
};

// A rule the compiler could not run (for example a regex RE2 rejects): it
// never matches, and the rest of the snapshot works.
struct Diagnostic {
  int32_t route = -1;
  int32_t rule = -1;
  std::string reason;
};

class SnapshotImpl;

// Compiled routing tables for every Gateway of a gwapi.v1.Snapshot.
// Thread-safety: immutable after Create(); every method is const and safe
// to call from any number of threads at once.
class Snapshot {
 public:
  // Compiles `config`, keeping it serialized (the caller's message is not
  // referenced afterwards). String fields must be UTF-8, as proto3
  // requires (the engine's messages are); see ParseConfig(). A rule whose regex RE2 rejects, or whose match
  // uses a type the matcher does not know, is not an error: the rule never
  // matches and diagnostics() names it. Fails (InvalidArgument) only on a
  // message that is inconsistent, such as an attachment naming a route that
  // does not exist, or one over protobuf's 2 GiB limit.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Create(
      const gwapi::v1::Snapshot& config);
  // Compiles a serialized gwapi.v1.Snapshot (Serialized() of another
  // snapshot, possibly from another process) and keeps those bytes.
  // InvalidArgument when they are not such a message.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Load(
      std::string serialized);

  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  ~Snapshot();

  // The Gateway's index for Request::gateway, or -1.
  int32_t FindGateway(absl::string_view ns, absl::string_view name) const;

  // Decides `request`. Allocates nothing and takes no lock (a rule with a
  // regular expression may let RE2 fill its DFA cache the first times it
  // runs); `request`'s views are read only during the call.
  void Match(const Request& request, MatchResult* result) const;

  // The Location header of a redirect decided by Match() (result->status
  // 3xx); "" when `result` is not a redirect. May allocate.
  std::string RedirectLocation(const Request& request,
                               const MatchResult& result) const;

  // The filters' effect on a request Match() forwarded (status 0) or
  // answered as a CORS preflight (status 200). May allocate.
  RequestEdits ApplyFilters(const Request& request,
                            const MatchResult& result) const;

  // Route `route` (MatchResult::route), read without parsing the message
  // or allocating; false when out of range.
  bool RouteAt(int32_t route, RouteInfo* out) const;
  // Backend `backend` of rule `rule` of route `route` (MatchResult's
  // indexes), the same way; false when any index is out of range.
  bool BackendAt(int32_t route, int32_t rule, int32_t backend,
                 BackendInfo* out) const;

  // The message the snapshot was compiled from, serialized. Lives as long
  // as the snapshot.
  absl::string_view Serialized() const;

  // The message parsed into *out, which the caller keeps for as long as it
  // needs it. DataLoss (and *out empty) only when Create() was given a
  // string field that is not UTF-8, which proto3 forbids and protobuf's
  // parser refuses.
  absl::Status ParseConfig(gwapi::v1::Snapshot* out) const;

  // The same, parsed on the first call and then kept for the snapshot's
  // lifetime, which costs about six times the serialized bytes: matching
  // and the readers above never need it, so a proxy should not call it per
  // request. Empty where ParseConfig fails. Thread-safe.
  const gwapi::v1::Snapshot& config() const;

  // Rules that never match because they could not be compiled.
  absl::Span<const Diagnostic> diagnostics() const;

  // Heap bytes held by the compiled indexes (not counting Serialized(),
  // the rules kept for ApplyFilters, or config()).
  size_t IndexBytes() const;

 private:
  explicit Snapshot(std::unique_ptr<SnapshotImpl> impl);
  std::unique_ptr<SnapshotImpl> impl_;
};

}  // namespace gwapi::route

#endif  // GWAPI_LIB_ROUTE_SNAPSHOT_H_
