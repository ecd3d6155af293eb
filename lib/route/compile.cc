// Snapshot::Create: gwapi.v1.Snapshot -> the indexes of impl.h.
//
// Compilation goes rule by rule once (regexes compiled once, conditions laid
// out once), then attachment by attachment: each effective hostname of an
// attachment names one table, and the rule's candidates are added to it.
// Tables are laid out at the end, each group of candidates sorted by the
// spec's precedence so that the matcher takes the first that fits.
#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "lib/base/status_macros.h"
#include "lib/route/impl.h"
#include "lib/route/snapshot.h"
#include "lib/route/wire.h"

namespace gwapi::route {
namespace {

namespace v1 = ::gwapi::v1;

// A table needs an RE2::Set quick reject once it has this many regex paths:
// below it, trying each pattern costs about the same as the set.
constexpr size_t kRegexSetMin = 4;

bool FamilyOf(v1::Protocol p, Family* family) {
  switch (p) {
    case v1::PROTOCOL_HTTP:
      *family = kFamHttp;
      return true;
    case v1::PROTOCOL_HTTPS:
      *family = kFamHttps;
      return true;
    case v1::PROTOCOL_TLS:
      *family = kFamTls;
      return true;
    case v1::PROTOCOL_TCP:
      *family = kFamTcp;
      return true;
    case v1::PROTOCOL_UDP:
      *family = kFamUdp;
      return true;
    default:
      return false;
  }
}

bool KindFits(Family family, v1::RouteKind kind) {
  switch (family) {
    case kFamHttp:
    case kFamHttps:
      return kind == v1::ROUTE_KIND_HTTP || kind == v1::ROUTE_KIND_GRPC;
    case kFamTls:
      return kind == v1::ROUTE_KIND_TLS;
    case kFamTcp:
      return kind == v1::ROUTE_KIND_TCP;
    case kFamUdp:
      return kind == v1::ROUTE_KIND_UDP;
    default:
      return false;
  }
}

// The part of a PathPrefix value the index keys on: the trailing '/' is
// ignored as the spec says ("/abc/" matches what "/abc" matches).
absl::string_view TrimPrefix(absl::string_view prefix) {
  while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix == "/") return absl::string_view();
  return prefix;
}

enum class PathKind : uint8_t { kExact, kRegex, kPrefix };

// An HTTPRoute candidate before layout, with its precedence key.
struct PendingHttp {
  PathKind kind = PathKind::kPrefix;
  absl::string_view path;  // exact value or trimmed prefix
  uint32_t value_len = 0;  // characters of the prefix or regex value
  uint32_t route = 0;
  uint32_t rule = 0;
  uint32_t node = kNone;
  Candidate cand;
};

// HTTPRoute precedence within one group (same exact path, same prefix node,
// or the regex list): longest value, method, most headers, most query
// params, oldest route (lowest index), first rule, first match.
bool HttpBetter(const PendingHttp& a, const PendingHttp& b) {
  auto key = [](const PendingHttp& p) {
    return std::make_tuple(-static_cast<int64_t>(p.value_len),
                           p.cand.method_len == 0 ? 1 : 0,
                           -static_cast<int>(p.cand.num_headers),
                           -static_cast<int>(p.cand.num_query), p.route,
                           p.rule, p.cand.match);
  };
  return key(a) < key(b);
}

struct PendingGrpc {
  uint32_t route = 0;
  uint32_t rule = 0;
  GrpcCandidate cand;
};

// GRPCRoute precedence: characters of an exact service, then of an exact
// method, then regex before match-all, most headers, oldest route, first
// rule, first match.
bool GrpcBetter(const PendingGrpc& a, const PendingGrpc& b) {
  auto key = [](const PendingGrpc& p) {
    const GrpcCandidate& c = p.cand;
    bool regex = c.service_re != nullptr || c.method_re != nullptr;
    return std::make_tuple(-static_cast<int64_t>(c.service.size()),
                           -static_cast<int64_t>(c.method.size()),
                           regex ? 0 : 1, -static_cast<int>(c.num_headers),
                           p.route, p.rule, c.match);
  };
  return key(a) < key(b);
}

// An index entry before layout: its text is copied into the snapshot's
// text pool, and a table's flags are known, only at the end.
struct PendingSlot {
  enum Kind : uint8_t { kListener, kTable, kPath } kind = kPath;
  uint64_t key = 0;
  absl::string_view text;
  uint32_t owner = 0;
  uint32_t a = 0;
  uint32_t b = 0;
  uint32_t node = kNone;  // prefix nodes: the range is in nodes_[node]
};

// A PathPrefix node while compiling: its candidates' range in `cands`.
struct PendingNode {
  Range cands;
};

struct PendingTable {
  std::vector<PendingHttp> http;
  std::vector<PendingGrpc> grpc;
  std::vector<std::pair<uint32_t, uint32_t>> l4;  // (route, rule id)
};

// Whether ApplyFilters or RedirectLocation will read the rule: only then
// does the snapshot keep a parsed copy of it.
bool NeedsDetail(const v1::Rule& rule) {
  if (rule.filters_size() > 0 || rule.has_timeouts() || rule.has_retry()) {
    return true;
  }
  for (const v1::Backend& b : rule.backends()) {
    if (b.filters_size() > 0) return true;
  }
  return false;
}

class Compiler {
 public:
  Compiler(SnapshotImpl* s, const v1::Snapshot& config)
      : s_(*s), cfg_(config) {}

  absl::Status Run() {
    const v1::Snapshot& cfg = cfg_;
    CompileRules();
    // One prefix node and one hostname per template at most: reserving
    // avoids rehashing the compile-time maps as they grow.
    node_ids_.reserve(http_tmpl_.size());
    host_ids_.reserve(cfg.routes_size() + 16);
    slots_.reserve(http_tmpl_.size() + cfg.routes_size() + 16);
    s_.gateway_by_name.reserve(cfg.gateways_size());
    for (int g = 0; g < cfg.gateways_size(); ++g) {
      const v1::Gateway& gw = cfg.gateways(g);
      s_.gateway_by_name.try_emplace(
          std::make_pair(Own(gw.namespace_()), Own(gw.name())), g);
      CompiledGateway cg;
      cg.listener_base = static_cast<uint32_t>(s_.listeners.size());
      s_.listeners.resize(s_.listeners.size() + gw.listeners_size());
      for (int l = 0; l < gw.listeners_size(); ++l) {
        GWAPI_RETURN_IF_ERROR(
            AddListener(gw, l, cg.listener_base + l, &cg.ports));
      }
      std::sort(cg.ports.begin(), cg.ports.end(),
                [](const PortEntry& a, const PortEntry& b) {
                  return a.port < b.port;
                });
      s_.gateways.push_back(std::move(cg));
    }
    Layout();
    return absl::OkStatus();
  }

 private:
  // A copy of `text` that lives as long as the snapshot: the message the
  // snapshot is compiled from does not.
  absl::string_view Own(absl::string_view text) {
    return s_.strings.Add(text);
  }

  // Appends `text` to the snapshot's name pool and returns its offset: its
  // length (4 bytes), its bytes, a NUL (SnapshotImpl::Name reads it back).
  uint32_t AppendName(absl::string_view text) {
    const uint32_t offset = static_cast<uint32_t>(s_.names.size());
    const uint32_t len = static_cast<uint32_t>(text.size());
    s_.names.append(reinterpret_cast<const char*>(&len), sizeof(len));
    s_.names.append(text.data(), text.size());
    s_.names.push_back('\0');
    return offset;
  }

  // A namespace's offset in the name pool, each namespace added once: there
  // are few, and a route's backends are mostly in the route's own, which
  // the last one answers without a lookup.
  uint32_t PoolNamespace(absl::string_view ns) {
    if (last_ns_offset_ == kNone || ns != last_ns_) {
      auto [it, inserted] = namespace_ids_.try_emplace(ns, 0);
      if (inserted) it->second = AppendName(ns);
      last_ns_ = ns;
      last_ns_offset_ = it->second;
    }
    return last_ns_offset_;
  }

  // A backend name's offset, shared with an earlier backend of the same
  // route. Names are not pooled across routes: a map over every name cost
  // a quarter of the compile (7 of 29 ms at 10,000 routes,
  // BM_Match_Compile_*), for the bytes of names that repeat across routes.
  uint32_t PoolBackendName(absl::string_view name) {
    for (const auto& [seen, offset] : route_backend_names_) {
      if (seen == name) return offset;
    }
    const uint32_t offset = AppendName(name);
    if (route_backend_names_.size() < 8) route_backend_names_.emplace_back(name, offset);
    return offset;
  }

  absl::string_view Lower(absl::string_view text) {
    for (char c : text) {
      if (absl::ascii_isupper(static_cast<unsigned char>(c))) {
        return s_.strings.Add(absl::AsciiStrToLower(text));
      }
    }
    return text;
  }

  // Compiles `pattern` once per snapshot; nullptr when RE2 rejects it.
  const RE2* Regex(absl::string_view pattern, std::string* error) {
    auto it = regex_cache_.find(pattern);
    if (it != regex_cache_.end()) {
      if (it->second == nullptr) *error = "invalid regular expression";
      return it->second;
    }
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<RE2>(
        re2::StringPiece(pattern.data(), pattern.size()), options);
    const RE2* out = nullptr;
    if (re->ok()) {
      out = re.get();
      s_.regexes.push_back(std::move(re));
    } else {
      *error = re->error();
    }
    regex_cache_.emplace(pattern, out);
    return out;
  }

  // Appends header/query conditions; false (with `error`) when one cannot run.
  bool AddConds(const google::protobuf::RepeatedPtrField<v1::HeaderMatch>& in,
                std::string* error) {
    for (const v1::HeaderMatch& m : in) {
      Cond c;
      c.name = Own(m.name());
      c.value = Own(m.value());
      if (m.type() == v1::MATCH_TYPE_REGULAR_EXPRESSION) {
        c.re = Regex(m.value(), error);
        if (c.re == nullptr) return false;
      } else if (m.type() != v1::MATCH_TYPE_EXACT) {
        *error = "unsupported header or query match type";
        return false;
      }
      s_.conds.push_back(c);
    }
    return true;
  }

  bool CompileHttpRule(const v1::Rule& rule, uint32_t route, uint32_t rule_idx,
                       uint32_t rule_id, int32_t fixed_backend,
                       std::string* error) {
    const size_t first = http_tmpl_.size();
    auto fail = [&] {
      http_tmpl_.resize(first);
      return false;
    };
    // Candidate's narrow fields hold far more than the CRD allows (16
    // rules, 64 matches, 16 headers and query params); only a hand-made
    // message can exceed them.
    if (rule_idx > 0xffff || rule.http_matches_size() > 0x7fff) {
      *error = "too many rules or matches for the matcher";
      return fail();
    }
    // A candidate of this rule; match -1 is the implicit PathPrefix "/" of a
    // rule without matches.
    auto candidate = [&](int m) {
      PendingHttp p;
      p.route = route;
      p.rule = rule_idx;
      p.cand.rule_id = rule_id;
      p.cand.route = route;
      p.cand.rule = static_cast<uint16_t>(rule_idx);
      p.cand.fixed_backend = static_cast<int16_t>(fixed_backend);
      p.cand.match = static_cast<int16_t>(m);
      p.cand.cond_begin = static_cast<uint32_t>(s_.conds.size());
      return p;
    };
    if (rule.http_matches_size() == 0) {
      PendingHttp p = candidate(-1);
      p.kind = PathKind::kPrefix;
      p.value_len = 1;
      http_tmpl_.push_back(p);
    }
    for (int m = 0; m < rule.http_matches_size(); ++m) {
      const v1::HttpMatch& hm = rule.http_matches(m);
      PendingHttp p = candidate(m);
      // HTTPMethod is an enumeration of at most 7 letters: packed into a
      // word, a method compares without touching the message.
      if (hm.method().size() > sizeof(p.cand.method)) {
        *error = "unsupported method";
        return fail();
      }
      std::memcpy(&p.cand.method, hm.method().data(), hm.method().size());
      p.cand.method_len = static_cast<uint8_t>(hm.method().size());
      if (!hm.has_path()) {
        p.kind = PathKind::kPrefix;
        p.value_len = 1;
      } else {
        const v1::PathMatch& pm = hm.path();
        switch (pm.type()) {
          case v1::MATCH_TYPE_EXACT:
            p.kind = PathKind::kExact;
            p.path = pm.value();
            break;
          case v1::MATCH_TYPE_PATH_PREFIX:
            if (pm.value().empty() || pm.value()[0] != '/') {
              *error = "path prefix does not start with '/'";
              return fail();
            }
            p.kind = PathKind::kPrefix;
            p.path = TrimPrefix(pm.value());
            // Ranked by the trimmed value: "/foo/" is the prefix "/foo"
            // (the spec ignores the trailing '/'), so the two tie and the
            // next criteria decide.
            p.value_len = static_cast<uint32_t>(p.path.size());
            if (static_cast<size_t>(std::count(p.path.begin(), p.path.end(),
                                               '/')) > kMaxPrefixDepth) {
              *error = "path prefix deeper than 512 segments";
              return fail();
            }
            break;
          case v1::MATCH_TYPE_REGULAR_EXPRESSION:
            p.kind = PathKind::kRegex;
            p.value_len = static_cast<uint32_t>(pm.value().size());
            p.cand.path_re = Regex(pm.value(), error);
            if (p.cand.path_re == nullptr) return fail();
            break;
          default:
            *error = "unsupported path match type";
            return fail();
        }
      }
      if (!AddConds(hm.headers(), error)) return fail();
      if (hm.headers_size() > 0xff || hm.query_params_size() > 0xff) {
        *error = "too many header or query matches for the matcher";
        return fail();
      }
      p.cand.num_headers = static_cast<uint8_t>(hm.headers_size());
      if (!AddConds(hm.query_params(), error)) return fail();
      p.cand.num_query = static_cast<uint8_t>(hm.query_params_size());
      http_tmpl_.push_back(p);
    }
    return true;
  }

  bool CompileGrpcRule(const v1::Rule& rule, uint32_t route, uint32_t rule_idx,
                       uint32_t rule_id, std::string* error) {
    const size_t first = grpc_tmpl_.size();
    auto fail = [&] {
      grpc_tmpl_.resize(first);
      return false;
    };
    auto candidate = [&](int m) {
      PendingGrpc p;
      p.route = route;
      p.rule = rule_idx;
      p.cand.rule_id = rule_id;
      p.cand.match = m;
      p.cand.cond_begin = static_cast<uint32_t>(s_.conds.size());
      return p;
    };
    if (rule.grpc_matches_size() == 0) grpc_tmpl_.push_back(candidate(-1));
    for (int m = 0; m < rule.grpc_matches_size(); ++m) {
      const v1::GrpcMatch& gm = rule.grpc_matches(m);
      PendingGrpc p = candidate(m);
      if (gm.type() == v1::MATCH_TYPE_REGULAR_EXPRESSION) {
        if (!gm.service().empty()) {
          p.cand.service_re = Regex(gm.service(), error);
          if (p.cand.service_re == nullptr) return fail();
        }
        if (!gm.method().empty()) {
          p.cand.method_re = Regex(gm.method(), error);
          if (p.cand.method_re == nullptr) return fail();
        }
      } else if (gm.type() == v1::MATCH_TYPE_EXACT ||
                 (gm.service().empty() && gm.method().empty())) {
        p.cand.service = Own(gm.service());
        p.cand.method = Own(gm.method());
      } else {
        *error = "unsupported gRPC method match type";
        return fail();
      }
      if (!AddConds(gm.headers(), error)) return fail();
      p.cand.num_headers = static_cast<uint16_t>(gm.headers_size());
      grpc_tmpl_.push_back(p);
    }
    return true;
  }

  // RuleInfo for every rule, and the candidate templates of usable ones.
  void CompileRules() {
    const v1::Snapshot& cfg = cfg_;
    size_t total_rules = 0, total_backends = 0;
    for (const v1::Route& r : cfg.routes()) {
      total_rules += r.rules_size();
      for (const v1::Rule& k : r.rules()) total_backends += k.backends_size();
    }
    s_.rules.reserve(total_rules);
    s_.rule_base.reserve(cfg.routes_size());
    rule_http_.assign(total_rules, Range{});
    rule_grpc_.assign(total_rules, Range{});
    rule_ok_.assign(total_rules, false);
    http_tmpl_.reserve(total_rules);
    s_.backend_names.reserve(2 * total_backends);
    s_.route_names.reserve(2 * cfg.routes_size());
    s_.backend_base.reserve(total_rules);
    for (int r = 0; r < cfg.routes_size(); ++r) {
      const v1::Route& route = cfg.routes(r);
      s_.rule_base.push_back(static_cast<uint32_t>(s_.rules.size()));
      s_.route_names.push_back(PoolNamespace(route.namespace_()));
      s_.route_names.push_back(AppendName(route.name()));
      route_backend_names_.clear();
      for (int k = 0; k < route.rules_size(); ++k) {
        const v1::Rule& rule = route.rules(k);
        const uint32_t id = static_cast<uint32_t>(s_.rules.size());
        RuleInfo info;
        info.route = r;
        info.rule = k;
        s_.backend_base.push_back(
            static_cast<uint32_t>(s_.backend_names.size() / 2));
        // Cumulative weights: inline for up to four backends (the common
        // case, no second array to read), else in `cum_weights`.
        uint64_t cum = 0;
        for (const v1::Backend& b : rule.backends()) {
          s_.backend_names.push_back(PoolNamespace(b.namespace_()));
          s_.backend_names.push_back(PoolBackendName(b.name()));
          cum += b.weight();
          if (!b.valid()) info.all_valid = false;
        }
        info.total_weight = cum;
        const bool inline_weights =
            rule.backends_size() <= 4 && cum <= 0xffffffffULL;
        info.backends.begin =
            inline_weights ? 0 : static_cast<uint32_t>(s_.cum_weights.size());
        info.backends.end =
            info.backends.begin + static_cast<uint32_t>(rule.backends_size());
        cum = 0;
        for (int b = 0; b < rule.backends_size(); ++b) {
          cum += rule.backends(b).weight();
          if (inline_weights) {
            info.inline_cum[b] = static_cast<uint32_t>(cum);
          } else {
            s_.cum_weights.push_back(cum);
          }
        }
        for (const v1::Filter& f : rule.filters()) {
          if (f.has_request_redirect() && info.redirect_status == 0) {
            uint32_t code = f.request_redirect().status_code();
            info.redirect_status = static_cast<uint16_t>(code ? code : 302);
          }
          if (f.has_cors()) info.cors = true;
        }
        if (!rule.invalid() && NeedsDetail(rule)) {
          info.detail = static_cast<uint32_t>(s_.details.size());
          auto* copy = google::protobuf::Arena::CreateMessage<v1::Rule>(
              &s_.detail_arena);
          copy->CopyFrom(rule);
          s_.details.push_back(copy);
        }
        s_.rules.push_back(info);
        if (rule.invalid()) continue;
        // The common case decided at compile time: one usable backend and
        // nothing else that answers for it.
        int32_t fixed_backend = -1;
        if (info.redirect_status == 0 && !info.cors) {
          int usable = 0;
          for (int b = 0; b < rule.backends_size(); ++b) {
            if (rule.backends(b).weight() > 0) {
              ++usable;
              fixed_backend = rule.backends(b).valid() ? b : -1;
            }
          }
          if (usable != 1 || fixed_backend > 0x7fff) fixed_backend = -1;
        }
        std::string error;
        bool ok = true;
        const uint32_t h0 = static_cast<uint32_t>(http_tmpl_.size());
        const uint32_t g0 = static_cast<uint32_t>(grpc_tmpl_.size());
        switch (route.kind()) {
          case v1::ROUTE_KIND_HTTP:
            ok = CompileHttpRule(rule, r, k, id, fixed_backend, &error);
            break;
          case v1::ROUTE_KIND_GRPC:
            ok = CompileGrpcRule(rule, r, k, id, &error);
            break;
          case v1::ROUTE_KIND_TLS:
          case v1::ROUTE_KIND_TCP:
          case v1::ROUTE_KIND_UDP:
            break;
          default:
            ok = false;
            error = "unsupported route kind";
        }
        if (!ok) {
          s_.diagnostics.push_back(Diagnostic{r, k, error});
          continue;
        }
        rule_ok_[id] = true;
        rule_http_[id] = {h0, static_cast<uint32_t>(http_tmpl_.size())};
        rule_grpc_[id] = {g0, static_cast<uint32_t>(grpc_tmpl_.size())};
      }
    }
  }

  // Registers `hostname` ("" = any, "*.x" = wildcard) in `set`; returns
  // the value already registered for it, or `value` when it is new.
  uint32_t RegisterHost(HostSet* set, absl::string_view hostname,
                        uint32_t value, PendingSlot::Kind kind) {
    if (set->owner == kNone) set->owner = next_owner_++;
    if (hostname.empty()) {
      if (set->any == kNone) set->any = value;
      return set->any;
    }
    const bool wildcard = absl::StartsWith(hostname, "*.");
    const absl::string_view key = wildcard ? hostname.substr(2) : hostname;
    auto [it, inserted] = host_ids_.try_emplace(
        std::make_tuple(set->owner, wildcard, key), value);
    if (!inserted) return it->second;
    PendingSlot slot;
    slot.kind = kind;
    slot.key = IndexKey(wildcard ? kTagHostWildcard : kTagHostExact,
                        set->owner, HashText(key));
    slot.text = key;
    slot.owner = set->owner;
    slot.a = value;
    slots_.push_back(slot);
    (wildcard ? set->has_wildcard : set->has_exact) = true;
    return value;
  }

  // The table of `set` for `hostname`, created on first use.
  uint32_t TableFor(HostSet* set, absl::string_view hostname) {
    const uint32_t next = static_cast<uint32_t>(s_.tables.size());
    const uint32_t t = RegisterHost(set, hostname, next, PendingSlot::kTable);
    if (t == next) {
      s_.tables.emplace_back();
      pending_.emplace_back();
    }
    return t;
  }

  absl::Status AddListener(const v1::Gateway& gw, int l, uint32_t id,
                           std::vector<PortEntry>* ports) {
    const v1::Snapshot& cfg = cfg_;
    const v1::Listener& ln = gw.listeners(l);
    Family family;
    if (!FamilyOf(ln.protocol(), &family)) return absl::OkStatus();
    PortEntry* port = nullptr;
    for (PortEntry& p : *ports) {
      if (p.port == ln.port()) port = &p;
    }
    if (port == nullptr) {
      ports->emplace_back();
      port = &ports->back();
      port->port = ln.port();
    }
    const absl::string_view hostname = Lower(ln.hostname());
    // Two listeners with the same port, protocol and hostname conflict; the
    // first one (the Gateway's own before ListenerSets) keeps it.
    RegisterHost(&port->listeners[family], hostname, static_cast<uint32_t>(l),
                 PendingSlot::kListener);
    CompiledListener& cl = s_.listeners[id];
    for (const v1::Attachment& a : ln.attachments()) {
      if (a.route() >= static_cast<uint32_t>(cfg.routes_size())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "gateway ", gw.namespace_(), "/", gw.name(), " listener ",
            ln.name(), ": attachment names route ", a.route(), " of ",
            cfg.routes_size()));
      }
      const v1::Route& route = cfg.routes(a.route());
      if (!KindFits(family, route.kind())) continue;
      HostSet* index = route.kind() == v1::ROUTE_KIND_HTTP   ? &cl.http
                       : route.kind() == v1::ROUTE_KIND_GRPC ? &cl.grpc
                                                             : &cl.l4;
      // TCP and UDP ignore hostnames; an attachment without hostnames takes
      // the listener's, so that precedence compares it as the spec's
      // intersection would.
      const bool l4_plain = family == kFamTcp || family == kFamUdp;
      auto add = [&](absl::string_view host) {
        uint32_t t = TableFor(index, l4_plain ? absl::string_view() : host);
        AddRoute(a.route(), t);
      };
      if (a.hostnames_size() == 0 || l4_plain) {
        add(hostname);
      } else {
        for (const std::string& h : a.hostnames()) add(Lower(h));
      }
    }
    return absl::OkStatus();
  }

  void AddRoute(uint32_t route, uint32_t table) {
    const v1::Route& r = cfg_.routes(route);
    PendingTable& pt = pending_[table];
    const uint32_t base = s_.rule_base[route];
    for (int k = 0; k < r.rules_size(); ++k) {
      const uint32_t id = base + k;
      if (!rule_ok_[id]) continue;
      for (uint32_t i = rule_http_[id].begin; i < rule_http_[id].end; ++i) {
        pt.http.push_back(http_tmpl_[i]);
      }
      for (uint32_t i = rule_grpc_[id].begin; i < rule_grpc_[id].end; ++i) {
        pt.grpc.push_back(grpc_tmpl_[i]);
      }
      if (r.kind() == v1::ROUTE_KIND_TLS || r.kind() == v1::ROUTE_KIND_TCP ||
          r.kind() == v1::ROUTE_KIND_UDP) {
        pt.l4.emplace_back(route, id);
      }
    }
  }

  // The node of `prefix` (trimmed, non-empty) in table `t`.
  uint32_t NodeFor(uint32_t t, absl::string_view prefix) {
    auto [it, inserted] = node_ids_.try_emplace(std::make_pair(t, prefix),
                                                kNone);
    if (!inserted) return it->second;
    const size_t depth = std::count(prefix.begin(), prefix.end(), '/');
    Table& table = s_.tables[t];
    table.max_depth = std::max<uint16_t>(table.max_depth, depth);
    if (depths_.size() <= t) depths_.resize(s_.tables.size(), 0);
    depths_[t] |= depth < 16 ? 1u << (depth - 1) : kTableDeep;
    it->second = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
    PendingSlot slot;
    slot.key = IndexKey(kTagPrefix, t, HashText(prefix));
    slot.text = prefix;
    slot.owner = t;
    slot.node = it->second;
    slots_.push_back(slot);
    return it->second;
  }

  void Layout() {
    for (uint32_t t = 0; t < s_.tables.size(); ++t) {
      Table& table = s_.tables[t];
      PendingTable& pt = pending_[t];
      std::vector<PendingHttp> exact, regex, prefix;
      for (PendingHttp& p : pt.http) {
        switch (p.kind) {
          case PathKind::kExact:
            exact.push_back(p);
            break;
          case PathKind::kRegex:
            regex.push_back(p);
            break;
          case PathKind::kPrefix:
            p.node = p.path.empty() ? kNone : NodeFor(t, p.path);
            prefix.push_back(p);
            break;
        }
      }
      // Exact paths: one hash entry per distinct path.
      std::sort(exact.begin(), exact.end(),
                [](const PendingHttp& a, const PendingHttp& b) {
                  if (a.path != b.path) return a.path < b.path;
                  return HttpBetter(a, b);
                });
      for (size_t i = 0; i < exact.size();) {
        size_t j = i;
        Range range{static_cast<uint32_t>(s_.cands.size()), 0};
        while (j < exact.size() && exact[j].path == exact[i].path) {
          s_.cands.push_back(exact[j++].cand);
        }
        range.end = static_cast<uint32_t>(s_.cands.size());
        PendingSlot slot;
        slot.key = IndexKey(kTagExactPath, t, HashText(exact[i].path));
        slot.text = exact[i].path;
        slot.owner = t;
        slot.a = range.begin;
        slot.b = range.end;
        slots_.push_back(slot);
        table.has_exact = true;
        i = j;
      }
      // Regex paths: one list, best first.
      std::sort(regex.begin(), regex.end(), HttpBetter);
      table.regex.begin = static_cast<uint32_t>(s_.cands.size());
      for (const PendingHttp& p : regex) s_.cands.push_back(p.cand);
      table.regex.end = static_cast<uint32_t>(s_.cands.size());
      if (regex.size() >= kRegexSetMin) BuildRegexSet(&table);
      // Prefixes: candidates of a node are contiguous, best first.
      std::sort(prefix.begin(), prefix.end(),
                [](const PendingHttp& a, const PendingHttp& b) {
                  if (a.node != b.node) return a.node < b.node;
                  return HttpBetter(a, b);
                });
      for (size_t i = 0; i < prefix.size();) {
        size_t j = i;
        Range& range = prefix[i].node == kNone ? table.root
                                               : nodes_[prefix[i].node].cands;
        range.begin = static_cast<uint32_t>(s_.cands.size());
        while (j < prefix.size() && prefix[j].node == prefix[i].node) {
          s_.cands.push_back(prefix[j++].cand);
        }
        range.end = static_cast<uint32_t>(s_.cands.size());
        i = j;
      }
      std::sort(pt.grpc.begin(), pt.grpc.end(), GrpcBetter);
      table.grpc.begin = static_cast<uint32_t>(s_.grpc_cands.size());
      for (const PendingGrpc& p : pt.grpc) s_.grpc_cands.push_back(p.cand);
      table.grpc.end = static_cast<uint32_t>(s_.grpc_cands.size());
      std::sort(pt.l4.begin(), pt.l4.end());
      table.l4.begin = static_cast<uint32_t>(s_.l4_rules.size());
      for (const auto& [route, id] : pt.l4) s_.l4_rules.push_back(id);
      table.l4.end = static_cast<uint32_t>(s_.l4_rules.size());
      pt = PendingTable();
    }
    s_.cands.shrink_to_fit();
    s_.grpc_cands.shrink_to_fit();
    s_.conds.shrink_to_fit();
    s_.l4_rules.shrink_to_fit();
    s_.cum_weights.shrink_to_fit();
    s_.names.shrink_to_fit();
    BuildIndex();
  }

  // The index, with every slot's text copied into one contiguous pool (so
  // that confirming a hit reads nearby memory, not scattered strings).
  void BuildIndex() {
    depths_.resize(s_.tables.size(), 0);
    size_t total = 0;
    for (const PendingSlot& p : slots_) total += p.text.size();
    s_.index_text.reserve(total);
    std::vector<IndexSlot> out;
    out.reserve(slots_.size());
    for (const PendingSlot& p : slots_) {
      IndexSlot slot;
      slot.key = p.key;
      slot.text = s_.index_text.data() + s_.index_text.size();
      slot.text_len = static_cast<uint32_t>(p.text.size());
      s_.index_text.append(p.text.data(), p.text.size());
      slot.owner = p.owner;
      switch (p.kind) {
        case PendingSlot::kListener:
          slot.a = p.a;
          break;
        case PendingSlot::kTable:
          slot.a = p.a;
          slot.b = Flags(s_.tables[p.a], depths_[p.a]);
          break;
        case PendingSlot::kPath:
          if (p.node != kNone) {
            slot.a = nodes_[p.node].cands.begin;
            slot.b = nodes_[p.node].cands.end;
          } else {
            slot.a = p.a;
            slot.b = p.b;
          }
          break;
      }
      out.push_back(slot);
    }
    s_.index.Build(std::move(out));
    slots_ = std::vector<PendingSlot>();
    for (CompiledListener& l : s_.listeners) {
      for (HostSet* set : {&l.http, &l.grpc, &l.l4}) {
        if (set->any != kNone) {
          set->any_flags = Flags(s_.tables[set->any], depths_[set->any]);
        }
      }
    }
  }

  static uint32_t Flags(const Table& t, uint32_t depths) {
    uint32_t flags = depths & kTableDepthMask;
    if (t.has_exact) flags |= kTableHasExact;
    if (t.regex.begin != t.regex.end) flags |= kTableHasRegex;
    if (t.root.begin != t.root.end) flags |= kTableHasRoot;
    return flags;
  }

  // An RE2::Set over the table's regex paths, used as a quick "none of
  // them matches" answer. RE2::Set::Compile fails past its memory budget
  // (about 2,000 path patterns by default) and matching a set whose
  // Compile failed crashes, so a failure leaves the set out.
  void BuildRegexSet(Table* table) {
    RE2::Options options;
    options.set_log_errors(false);
    auto set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
    for (uint32_t i = table->regex.begin; i < table->regex.end; ++i) {
      const std::string& pattern = s_.cands[i].path_re->pattern();
      if (set->Add(re2::StringPiece(pattern), nullptr) < 0) return;
    }
    if (!set->Compile()) return;
    table->regex_set = std::move(set);
  }

  SnapshotImpl& s_;
  const v1::Snapshot& cfg_;
  absl::flat_hash_map<absl::string_view, uint32_t> namespace_ids_;
  absl::string_view last_ns_;
  uint32_t last_ns_offset_ = kNone;
  // The current route's backend names so far (the first eight).
  std::vector<std::pair<absl::string_view, uint32_t>> route_backend_names_;
  absl::flat_hash_map<absl::string_view, const RE2*> regex_cache_;
  std::vector<PendingHttp> http_tmpl_;
  std::vector<PendingGrpc> grpc_tmpl_;
  std::vector<Range> rule_http_;
  std::vector<Range> rule_grpc_;
  std::vector<bool> rule_ok_;
  std::vector<PendingTable> pending_;
  uint32_t next_owner_ = 0;
  absl::flat_hash_map<std::tuple<uint32_t, bool, absl::string_view>, uint32_t>
      host_ids_;
  absl::flat_hash_map<std::pair<uint32_t, absl::string_view>, uint32_t>
      node_ids_;
  std::vector<PendingSlot> slots_;
  std::vector<PendingNode> nodes_;
  std::vector<uint32_t> depths_;  // per table: TableFlags depth bits
};

}  // namespace

absl::Status SnapshotImpl::Compile(const gwapi::v1::Snapshot& config) {
  // Where each route's bytes are, for the readers (readers.cc).
  route_bytes.reserve(config.routes_size());
  const bool walked = wire::ForEachBytes(
      serialized, v1::Snapshot::kRoutesFieldNumber,
      [&](size_t offset, size_t length) {
        route_bytes.push_back({static_cast<uint32_t>(offset),
                               static_cast<uint32_t>(offset + length)});
      });
  if (!walked || route_bytes.size() != static_cast<size_t>(config.routes_size())) {
    return absl::InvalidArgumentError(
        "the serialized snapshot does not list its routes where protobuf does");
  }
  return Compiler(this, config).Run();
}

Snapshot::Snapshot(std::unique_ptr<SnapshotImpl> impl)
    : impl_(std::move(impl)) {}

Snapshot::~Snapshot() = default;

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Create(
    const gwapi::v1::Snapshot& config) {
  auto impl = std::make_unique<SnapshotImpl>();
  // Protobuf logs (to stderr) a string that is not UTF-8; ParseConfig()
  // reports it to whoever asks.
  google::protobuf::LogSilencer quiet;
  if (!config.SerializeToString(&impl->serialized)) {
    return absl::InvalidArgumentError("the snapshot message is over 2 GiB");
  }
  GWAPI_RETURN_IF_ERROR(impl->Compile(config));
  return std::shared_ptr<const Snapshot>(new Snapshot(std::move(impl)));
}

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Load(
    std::string serialized) {
  // Parsed on an arena: the message lives only while compiling, and
  // freeing its thousands of strings one by one cost as much as the parse.
  google::protobuf::ArenaOptions options;
  options.start_block_size = 64 << 10;
  options.max_block_size = 1 << 20;
  google::protobuf::Arena arena(options);
  auto* config =
      google::protobuf::Arena::CreateMessage<gwapi::v1::Snapshot>(&arena);
  // Malformed bytes are the caller's error, returned; protobuf would also
  // write its complaint (invalid UTF-8, ...) to stderr.
  google::protobuf::LogSilencer quiet;
  if (serialized.size() > static_cast<size_t>(INT32_MAX) ||
      !config->ParseFromString(serialized)) {
    return absl::InvalidArgumentError(
        "the bytes are not a serialized gwapi.v1.Snapshot message");
  }
  auto impl = std::make_unique<SnapshotImpl>();
  impl->serialized = std::move(serialized);
  GWAPI_RETURN_IF_ERROR(impl->Compile(*config));
  return std::shared_ptr<const Snapshot>(new Snapshot(std::move(impl)));
}

int32_t Snapshot::FindGateway(absl::string_view ns,
                              absl::string_view name) const {
  auto it = impl_->gateway_by_name.find(std::make_pair(ns, name));
  return it == impl_->gateway_by_name.end() ? -1 : it->second;
}

absl::Span<const Diagnostic> Snapshot::diagnostics() const {
  return impl_->diagnostics;
}

void Snapshot::Match(const Request& request, MatchResult* result) const {
  impl_->Match(request, result);
}

size_t Snapshot::IndexBytes() const {
  const SnapshotImpl& s = *impl_;
  size_t bytes = s.index.bytes();
  bytes += s.gateway_by_name.capacity() *
           (sizeof(decltype(s.gateway_by_name)::value_type) + 1);
  bytes += s.gateways.capacity() * sizeof(CompiledGateway);
  for (const CompiledGateway& g : s.gateways) {
    bytes += g.ports.capacity() * sizeof(PortEntry);
  }
  bytes += s.listeners.capacity() * sizeof(CompiledListener);
  bytes += s.tables.capacity() * sizeof(Table);
  bytes += s.index_text.capacity();
  bytes += s.cands.capacity() * sizeof(Candidate);
  bytes += s.grpc_cands.capacity() * sizeof(GrpcCandidate);
  bytes += s.conds.capacity() * sizeof(Cond);
  bytes += s.l4_rules.capacity() * sizeof(uint32_t);
  bytes += s.rules.capacity() * sizeof(RuleInfo);
  bytes += s.rule_base.capacity() * sizeof(uint32_t);
  bytes += s.cum_weights.capacity() * sizeof(uint64_t);
  bytes += s.strings.bytes();
  bytes += s.names.capacity();
  bytes += (s.route_names.capacity() + s.backend_names.capacity() +
            s.backend_base.capacity()) *
           sizeof(uint32_t);
  bytes += s.route_bytes.capacity() * sizeof(Range);
  return bytes;
}

}  // namespace gwapi::route
