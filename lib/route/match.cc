// Snapshot::Match: the hot path. Allocates nothing, takes no lock.
//
// Structure choices and the benchmarks behind them (bench/match_bench.cc):
// - Hostnames: one FlatIndex probe for the exact name, then one per wildcard
//   suffix, longest first (BM_Match_ManyHosts). Hosts are lower-cased into a
//   stack buffer, never a std::string.
// - Paths: one pass (ScanTarget) splits off the query, checks the path and
//   records its slashes;
//   Exact paths are one probe keyed by the path's hash; PathPrefix nodes are
//   probed by the hash of the request's prefixes, longest first, so a table
//   of thousands of rules under one host costs one probe per request segment
//   instead of a scan (BM_Match_FewHosts, against the linear-scan baseline
//   BM_Match_Baseline*).
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "lib/route/impl.h"
#include "lib/route/snapshot.h"
#include "lib/route/text.h"

namespace gwapi::route {
namespace {

Family FamilyOf(RequestProtocol p) {
  switch (p) {
    case RequestProtocol::kHttp:
    case RequestProtocol::kGrpc:
      return kFamHttp;
    case RequestProtocol::kHttps:
    case RequestProtocol::kGrpcs:
      return kFamHttps;
    case RequestProtocol::kTls:
      return kFamTls;
    case RequestProtocol::kTcp:
      return kFamTcp;
    case RequestProtocol::kUdp:
      return kFamUdp;
  }
  return kFamHttp;
}

bool IsPreflight(const Request& request);

}  // namespace

// The hashes of a request path's prefixes ("/a", "/a/b", ...) and of the
// whole path, computed once per request, in one pass over the path's words
// (HashText), and only as far as a table asks.
struct PathHashes {
  // Takes the path whose slashes ScanTarget recorded.
  void Start(absl::string_view p) {
    path = p;
    if (num_slashes <= kMaxPrefixDepth) {
      // The end of the last prefix; a trailing slash starts none.
      slashes[num_slashes] = static_cast<uint32_t>(p.size());
      prefixes = num_slashes - (slashes[num_slashes - 1] + 1 == p.size());
    } else {
      prefixes = kMaxPrefixDepth;
    }
  }
  // Extends `hashes` to cover `depth` segments (or all the path has).
  void ExtendTo(size_t depth) {
    const size_t last = std::min(depth, prefixes);
    for (; count < last; ++count) hashes[count] = HashTo(slashes[count + 1]);
  }
  // The hash of the whole path (Exact). It leaves `state` where it is, so
  // that a later ExtendTo can still finish shorter prefixes.
  uint64_t Whole() const {
    uint64_t s = state;
    for (size_t i = absorbed; i + 8 <= path.size(); i += 8) {
      s = TextAbsorb(s, LoadWord(i));
    }
    return TextFinish(s, path.data(), path.size());
  }

  uint64_t LoadWord(size_t at) const {
    uint64_t w;
    std::memcpy(&w, path.data() + at, 8);
    return w;
  }

  // HashText(path.substr(0, end)); `end` never decreases between calls.
  uint64_t HashTo(size_t end) {
    for (; absorbed + 8 <= end; absorbed += 8) {
      state = TextAbsorb(state, LoadWord(absorbed));
    }
    return TextFinish(state, path.data(), end);
  }

  absl::string_view path;
  size_t num_slashes = 0;
  size_t prefixes = 0;  // how many prefixes the path has
  size_t count = 0;
  size_t absorbed = 0;  // bytes of `path` in `state`, a multiple of 8
  uint64_t state = kHashSeed;
  // Offsets of the path's slashes, then the path's end: prefix d ends at
  // slashes[d] (ScanTarget refuses "//").
  uint32_t slashes[kMaxPrefixDepth + 1];
  uint64_t hashes[kMaxPrefixDepth];
};

// Calls `f(value, flags)` for the entries of `set` that the host falls
// under, most specific first (exact, longest wildcard ... shortest, then the
// hostname-less entry), until `f` returns true. Returns whether it did.
template <typename F>
bool SnapshotImpl::ForEachHost(const HostSet& set, absl::string_view name,
                               bool is_name, F&& f) const {
  if (is_name) {
    if (set.has_exact) {
      const bool hit = index.ForEach(
          IndexKey(kTagHostExact, set.owner, HashText(name)),
          [&](const IndexSlot& slot) {
            return slot.Is(set.owner, name) && f(slot.a, slot.b);
          });
      if (hit) return true;
    }
    if (set.has_wildcard) {
      // "*.example.com" covers one or more labels: try every suffix that
      // starts after a dot, never the whole name (the apex).
      for (size_t i = 2; i < name.size(); ++i) {
        if (name[i - 1] != '.') continue;
        const absl::string_view suffix = name.substr(i);
        const bool hit = index.ForEach(
            IndexKey(kTagHostWildcard, set.owner, HashText(suffix)),
            [&](const IndexSlot& slot) {
              return slot.Is(set.owner, suffix) && f(slot.a, slot.b);
            });
        if (hit) return true;
      }
    }
  }
  return set.any != kNone && f(set.any, set.any_flags);
}

uint32_t SnapshotImpl::SelectListener(const HostSet& set,
                                      const HostName& host) const {
  // The common port: listeners without a hostname only, nothing to probe.
  if (!set.has_exact && !set.has_wildcard) return set.any;
  uint32_t out = kNone;
  ForEachHost(set, host.name, host.is_name, [&](uint32_t l, uint32_t) {
    out = l;
    return true;
  });
  return out;
}

namespace {

bool IsPreflight(const Request& request) {
  return request.method == "OPTIONS" &&
         FindHeader(request.headers, "origin") != nullptr &&
         FindHeader(request.headers, "access-control-request-method") !=
             nullptr;
}

bool RegexFullMatch(absl::string_view text, const RE2& re) {
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), re);
}

}  // namespace

void SnapshotImpl::Match(const Request& request, MatchResult* result) const {
  *result = MatchResult();
  result->status = 404;
  if (request.gateway < 0 ||
      static_cast<size_t>(request.gateway) >= gateways.size()) {
    return;
  }
  const CompiledGateway& gw = gateways[request.gateway];
  const PortEntry* port = nullptr;
  for (const PortEntry& p : gw.ports) {
    if (p.port == request.port) {
      port = &p;
      break;
    }
  }
  if (port == nullptr) return;
  const Family family = FamilyOf(request.protocol);
  const HostSet& lindex = port->listeners[family];
  char host_buf[kMaxHostName + 1];
  char sni_buf[kMaxHostName + 1];
  switch (family) {
    case kFamHttp:
    case kFamHttps: {
      const HostName host = NormalizeHost(request.host, host_buf);
      uint32_t listener = kNone;
      if (family == kFamHttp) {
        listener = SelectListener(lindex, host);
      } else {
        // HTTPS: the connection's SNI chose the listener (and its
        // certificate); a Host name that another listener on this port
        // claims is misdirected (RFC 9110, 421).
        const HostName sni =
            request.sni.empty() ? host : NormalizeHost(request.sni, sni_buf);
        listener = SelectListener(lindex, sni);
        if (listener != kNone && host.is_name) {
          const uint32_t by_host = SelectListener(lindex, host);
          if (by_host != kNone && by_host != listener) {
            result->listener = static_cast<int32_t>(listener);
            result->status = 421;
            return;
          }
        }
      }
      if (listener == kNone) return;
      result->listener = static_cast<int32_t>(listener);
      const uint32_t id = gw.listener_base + listener;
      if ((request.protocol == RequestProtocol::kGrpc ||
           request.protocol == RequestProtocol::kGrpcs) &&
          MatchGrpc(request, id, host.name, host.is_name, result)) {
        return;
      }
      MatchHttp(request, id, host.name, host.is_name, result);
      return;
    }
    case kFamTls: {
      const HostName sni = NormalizeHost(request.sni, sni_buf);
      const uint32_t listener = SelectListener(lindex, sni);
      if (listener == kNone) return;
      result->listener = static_cast<int32_t>(listener);
      MatchL4(request, gw.listener_base + listener, sni.name, sni.is_name,
              result);
      return;
    }
    case kFamTcp:
    case kFamUdp: {
      // TCP and UDP listeners have no hostname: the port decides.
      const uint32_t listener = lindex.any;
      if (listener == kNone) return;
      result->listener = static_cast<int32_t>(listener);
      MatchL4(request, gw.listener_base + listener, absl::string_view(), false,
              result);
      return;
    }
    default:
      return;
  }
}

bool SnapshotImpl::CondsMatch(const Request& request, absl::string_view query,
                              uint32_t begin, uint32_t num_headers,
                              uint32_t num_query) const {
  const Cond* c = conds.data() + begin;
  for (uint32_t i = 0; i < num_headers; ++i, ++c) {
    const Header* h = FindHeader(request.headers, c->name);
    if (h == nullptr) return false;
    if (c->re != nullptr ? !RegexFullMatch(h->value, *c->re)
                         : h->value != c->value) {
      return false;
    }
  }
  for (uint32_t i = 0; i < num_query; ++i, ++c) {
    absl::string_view value;
    if (!FindQueryParam(query, c->name, &value)) return false;
    if (c->re != nullptr ? !RegexFullMatch(value, *c->re) : value != c->value) {
      return false;
    }
  }
  return true;
}

const Candidate* SnapshotImpl::MatchTable(uint32_t table_id, uint32_t flags,
                                          const Request& request,
                                          absl::string_view path,
                                          absl::string_view query,
                                          PathHashes* hashes) const {
  // The request's method packed as Candidate::method is.
  uint64_t method = 0;
  const bool method_packable = request.method.size() <= sizeof(method);
  if (method_packable) {
    method = LoadUpTo8(request.method.data(), request.method.size());
  }
  auto fits = [&](const Candidate& c) {
    if (c.method_len != 0 &&
        (!method_packable || c.method_len != request.method.size() ||
         c.method != method)) {
      return false;
    }
    if (c.num_headers == 0 && c.num_query == 0) return true;
    return CondsMatch(request, query, c.cond_begin, c.num_headers,
                      c.num_query);
  };
  auto first_fit = [&](uint32_t begin, uint32_t end) -> const Candidate* {
    for (uint32_t i = begin; i < end; ++i) {
      if (fits(cands[i])) return &cands[i];
    }
    return nullptr;
  };
  const Candidate* found = nullptr;
  // The keys of every probe this table may need, prefetched together: the
  // probes are cache misses at 10,000 routes and more, and waiting for them
  // one after another was most of a match (BM_Match_ManyHosts/10000).
  const uint32_t depths = flags & kTableDepthMask;
  size_t max_depth = 0;
  if (depths != 0) {
    max_depth = (depths & kTableDeep) ? tables[table_id].max_depth
                                      : 32 - __builtin_clz(depths);
    hashes->ExtendTo(max_depth);
    max_depth = std::min(hashes->count, max_depth);
  }
  uint64_t exact_key = 0;
  if (flags & kTableHasExact) {
    exact_key = IndexKey(kTagExactPath, table_id, hashes->Whole());
    index.Prefetch(exact_key);
  }
  const uint64_t prefix_salt = KeySalt(kTagPrefix, table_id);
  uint64_t prefix_keys[16];
  for (size_t d = std::min<size_t>(max_depth, 15); d > 0; --d) {
    if (depths & (1u << (d - 1))) {
      prefix_keys[d] = SaltedKey(hashes->hashes[d - 1], prefix_salt);
      index.Prefetch(prefix_keys[d]);
    }
  }
  // 1. Exact paths beat every other kind.
  if (flags & kTableHasExact) {
    index.ForEach(exact_key, [&](const IndexSlot& slot) {
      if (!slot.Is(table_id, path)) return false;
      found = first_fit(slot.a, slot.b);
      return found != nullptr;
    });
    if (found != nullptr) return found;
  }
  // 2. Regex paths (docs/MATCHING.md: after Exact, before PathPrefix).
  if (flags & kTableHasRegex) {
    const Table& table = tables[table_id];
    const re2::StringPiece text(path.data(), path.size());
    if (table.regex_set == nullptr || table.regex_set->Match(text, nullptr)) {
      for (uint32_t i = table.regex.begin; i < table.regex.end; ++i) {
        const Candidate& c = cands[i];
        if (RE2::FullMatch(text, *c.path_re) && fits(c)) return &c;
      }
    }
  }
  // 3. PathPrefix, longest first: one index probe per depth the table has,
  //    from the deepest down to one segment, then "/".
  for (size_t d = max_depth; d > 0; --d) {
    const bool deep = d >= 16;
    if (!deep && !(depths & (1u << (d - 1)))) continue;
    const uint64_t key =
        deep ? SaltedKey(hashes->hashes[d - 1], prefix_salt)
             : prefix_keys[d];
    index.ForEach(key, [&](const IndexSlot& slot) {
      const size_t len = slot.text_len;
      if (slot.owner != table_id || len > path.size() ||
          (len < path.size() && path[len] != '/') ||
          !SameBytes(slot.text, path.data(), len)) {
        return false;
      }
      found = first_fit(slot.a, slot.b);
      return found != nullptr;
    });
    if (found != nullptr) return found;
  }
  if (flags & kTableHasRoot) {
    const Range& root = tables[table_id].root;
    return first_fit(root.begin, root.end);
  }
  return nullptr;
}

void SnapshotImpl::MatchHttp(const Request& request, uint32_t listener,
                             absl::string_view host, bool host_is_name,
                             MatchResult* result) const {
  absl::string_view path, query;
  PathHashes hashes;
  if (!ScanTarget(request.path, hashes.slashes, kMaxPrefixDepth + 1,
                  &hashes.num_slashes, &path, &query)) {
    result->status = 400;
    return;
  }
  hashes.Start(path);
  const CompiledListener& cl = listeners[listener];
  const Candidate* found = nullptr;
  ForEachHost(cl.http, host, host_is_name, [&](uint32_t t, uint32_t flags) {
    found = MatchTable(t, flags, request, path, query, &hashes);
    return found != nullptr;
  });
  if (found == nullptr) return;  // 404
  if (found->fixed_backend >= 0) {
    result->route = static_cast<int32_t>(found->route);
    result->rule = static_cast<int32_t>(found->rule);
    result->match = found->match;
    result->backend = found->fixed_backend;
    result->status = 0;
    return;
  }
  Finish(request, found->rule_id, found->match, result);
}

bool SnapshotImpl::MatchGrpc(const Request& request, uint32_t listener,
                             absl::string_view host, bool host_is_name,
                             MatchResult* result) const {
  const CompiledListener& cl = listeners[listener];
  if (cl.grpc.empty()) return false;
  // "/package.Service/Method": anything else leaves service and method
  // empty, which only match-all rules accept.
  absl::string_view path, query, service, method;
  SplitPathQuery(request.path, &path, &query);
  const size_t slash = path.rfind('/');
  if (path.size() > 1 && path[0] == '/' && slash != 0 &&
      slash != absl::string_view::npos) {
    service = path.substr(1, slash - 1);
    method = path.substr(slash + 1);
  }
  bool any_table = false;
  const GrpcCandidate* found = nullptr;
  ForEachHost(cl.grpc, host, host_is_name, [&](uint32_t t, uint32_t) {
    any_table = true;
    const Range& r = tables[t].grpc;
    for (uint32_t i = r.begin; i < r.end; ++i) {
      const GrpcCandidate& c = grpc_cands[i];
      if (c.service_re != nullptr ? !RegexFullMatch(service, *c.service_re)
                                  : (!c.service.empty() && c.service != service)) {
        continue;
      }
      if (c.method_re != nullptr ? !RegexFullMatch(method, *c.method_re)
                                 : (!c.method.empty() && c.method != method)) {
        continue;
      }
      if (c.num_headers != 0 &&
          !CondsMatch(request, absl::string_view(), c.cond_begin,
                      c.num_headers, 0)) {
        continue;
      }
      found = &c;
      return true;
    }
    return false;
  });
  if (!any_table) return false;  // no GRPCRoute for this host: try HTTP
  if (found != nullptr) Finish(request, found->rule_id, found->match, result);
  return true;
}

void SnapshotImpl::MatchL4(const Request& request, uint32_t listener,
                           absl::string_view name, bool is_name,
                           MatchResult* result) const {
  const CompiledListener& cl = listeners[listener];
  uint32_t rule_id = kNone;
  ForEachHost(cl.l4, name, is_name, [&](uint32_t t, uint32_t) {
    const Range& r = tables[t].l4;
    if (r.begin == r.end) return false;
    rule_id = l4_rules[r.begin];
    return true;
  });
  if (rule_id == kNone) return;
  Finish(request, rule_id, -1, result);
}

void SnapshotImpl::Finish(const Request& request, uint32_t rule_id,
                          int32_t match, MatchResult* result) const {
  const RuleInfo& info = rules[rule_id];
  result->route = static_cast<int32_t>(info.route);
  result->rule = static_cast<int32_t>(info.rule);
  result->match = match;
  if (info.redirect_status != 0) {
    result->status = info.redirect_status;
    return;
  }
  if (info.cors && IsPreflight(request)) {
    result->status = 200;
    return;
  }
  // Weighted choice: backend i takes hash mod total in [cum[i-1], cum[i]),
  // so a weight of 0 is never chosen (docs/MATCHING.md, "Backends").
  if (info.total_weight == 0) {
    result->status = 500;
    return;
  }
  const uint64_t x = request.hash % info.total_weight;
  const uint32_t n = info.backends.end - info.backends.begin;
  uint32_t i = 0;
  if (n <= 4 && info.total_weight <= 0xffffffffULL) {
    while (info.inline_cum[i] <= x) ++i;
  } else {
    while (cum_weights[info.backends.begin + i] <= x) ++i;
  }
  result->backend = static_cast<int32_t>(i);
  if (!info.all_valid && !BackendValid(info, result->backend)) {
    result->status = 500;
    return;
  }
  result->status = 0;
}

}  // namespace gwapi::route
