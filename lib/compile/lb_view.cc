#include "lib/compile/lb_view.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace gwapi::compile {
namespace {

namespace v1 = gwapi::v1;

lb::Protocol ProtocolOf(absl::string_view name) {
  if (name == "UDP") return lb::Protocol::kUdp;
  if (name == "SCTP") return lb::Protocol::kSctp;
  return lb::Protocol::kTcp;
}

// The endpoint port that serves Service port `sp`: the slice port of the
// same name (the EndpointSlice controller names them after the Service
// port), else a numeric targetPort.
uint32_t EndpointPort(const v1::Endpoint& e, const v1::ServicePort& sp) {
  for (const v1::EndpointPort& p : e.ports()) {
    if (p.name() == sp.name()) return p.port();
  }
  return sp.target_port();
}

// Appends the endpoints behind Service port `sp` with `weight` each.
void AppendEndpoints(const v1::Service& svc, const v1::ServicePort& sp, uint32_t weight,
                     std::vector<lb::Backend>* out) {
  for (const v1::Endpoint& e : svc.endpoints()) {
    if (!e.ready() && !e.terminating()) continue;
    auto addr = lb::Address::Parse(e.address());
    uint32_t port = EndpointPort(e, sp);
    if (!addr.ok() || port == 0 || port > 65535) continue;
    lb::Backend b;
    b.address = *addr;
    b.port = static_cast<uint16_t>(port);
    b.protocol = ProtocolOf(sp.protocol());
    b.weight = weight;
    // A terminating endpoint is drained: kept for existing flows, never
    // chosen for new ones.
    b.state = e.terminating() ? lb::BackendState::kTerminating : lb::BackendState::kActive;
    out->push_back(b);
  }
}

// The Service port a backendRef's number names, of the listener's transport
// when the number is used by both (as for DNS).
const v1::ServicePort* PortFor(const v1::Service& svc, uint32_t port, bool udp) {
  const v1::ServicePort* any = nullptr;
  for (const v1::ServicePort& p : svc.ports()) {
    if (p.port() != port) continue;
    if ((p.protocol() == "UDP") == udp) return &p;
    if (any == nullptr) any = &p;
  }
  return any;
}

size_t CountSelectable(const v1::Service& svc) {
  size_t n = 0;
  for (const v1::Endpoint& e : svc.endpoints()) n += e.ready() && !e.terminating();
  return n;
}

class Builder {
 public:
  // `config` is `snap`'s message, parsed for this view only: the snapshot
  // keeps it serialized, and parsing it into the snapshot (config()) would
  // keep the parsed copy for as long as the snapshot lives.
  Builder(const route::Snapshot& snap, const v1::Snapshot& config, const LbViewOptions& options)
      : snap_(snap), config_(config), options_(options) {
    for (const v1::Service& s : config.services()) {
      services_[absl::StrCat(s.namespace_(), "/", s.name())] = &s;
    }
  }

  void AddGateways() {
    const v1::Snapshot& c = config_;
    for (int g = 0; g < c.gateways_size(); ++g) {
      const v1::Gateway& gw = c.gateways(g);
      for (const std::string& text : gw.addresses()) {
        auto addr = lb::Address::Parse(text);
        if (!addr.ok()) {
          notes_.push_back(absl::StrCat("Gateway ", gw.namespace_(), "/", gw.name(), " address ",
                                        text, " is not an IP address; it has no frontend."));
          continue;
        }
        for (const v1::Listener& l : gw.listeners()) AddListener(g, gw, *addr, l);
      }
    }
  }

  void AddServices() {
    for (const v1::Service& s : config_.services()) {
      for (const std::string& ip : s.cluster_ips()) {
        auto addr = lb::Address::Parse(ip);
        if (!addr.ok()) continue;
        for (const v1::ServicePort& sp : s.ports()) {
          lb::Frontend f;
          f.address = *addr;
          f.port = static_cast<uint16_t>(sp.port());
          f.protocol = ProtocolOf(sp.protocol());
          f.type = lb::FrontendType::kClusterIP;
          AppendEndpoints(s, sp, 1, &f.backends);
          Add(std::move(f), absl::StrCat("Service ", s.namespace_(), "/", s.name()));
        }
      }
    }
  }

  LbView Finish() { return LbView{std::move(state_), std::move(notes_)}; }

 private:
  void AddListener(int32_t gateway, const v1::Gateway& gw, const lb::Address& addr,
                   const v1::Listener& l) {
    std::string owner = absl::StrCat("Gateway ", gw.namespace_(), "/", gw.name(), " listener \"",
                                     l.name(), "\"");
    lb::Frontend f;
    f.address = addr;
    f.port = static_cast<uint16_t>(l.port());
    switch (l.protocol()) {
      case v1::PROTOCOL_HTTP:
      case v1::PROTOCOL_HTTPS:
      case v1::PROTOCOL_TLS: {
        f.protocol = lb::Protocol::kTcp;
        f.type = lb::FrontendType::kL7LoadBalancer;
        f.l7_proxy_port = options_.l7_proxy_port;
        lb::Backend placeholder;
        placeholder.address = lb::Address::V4(192, 192, 192, 192);
        placeholder.port = 9999;
        f.backends.push_back(placeholder);
        break;
      }
      case v1::PROTOCOL_TCP:
      case v1::PROTOCOL_UDP: {
        bool udp = l.protocol() == v1::PROTOCOL_UDP;
        f.protocol = udp ? lb::Protocol::kUdp : lb::Protocol::kTcp;
        f.type = lb::FrontendType::kLoadBalancer;
        // The rule the matcher gives a connection on this port: one
        // decision for proxy and datapath.
        route::Request req;
        req.gateway = gateway;
        req.port = l.port();
        req.protocol = udp ? route::RequestProtocol::kUdp : route::RequestProtocol::kTcp;
        route::MatchResult m;
        snap_.Match(req, &m);
        if (m.route >= 0 && m.rule >= 0) AppendRuleBackends(m, udp, owner, &f.backends);
        break;
      }
      default:
        return;
    }
    Add(std::move(f), owner);
  }

  // The endpoints of a rule's valid backendRefs. Each backendRef's weight is
  // shared by its selectable endpoints, so a backendRef of weight 1 with 3
  // endpoints gets as much traffic as one of weight 1 with 1 endpoint:
  // every endpoint's weight is w * L / n, L the lcm of the counts n (kept
  // at most kMaxLcm, past which the split is approximate), all scaled down
  // together if one would not fit in 32 bits.
  void AppendRuleBackends(const route::MatchResult& m, bool udp, const std::string& owner,
                          std::vector<lb::Backend>* out) {
    static constexpr uint64_t kMaxLcm = 10000;
    const v1::Rule& rule = config_.routes(m.route).rules(m.rule);
    struct Ref {
      const v1::Service* svc;
      const v1::ServicePort* port;
      uint64_t weight;
      size_t n;
    };
    std::vector<Ref> refs;
    uint64_t lcm = 1;
    uint64_t rejected = 0, total = 0;
    for (const v1::Backend& b : rule.backends()) {
      total += b.weight();
      const v1::Service* svc = nullptr;
      if (b.valid()) {
        auto it = services_.find(absl::StrCat(b.namespace_(), "/", b.name()));
        if (it != services_.end()) svc = it->second;
      }
      const v1::ServicePort* sp = svc != nullptr ? PortFor(*svc, b.port(), udp) : nullptr;
      if (sp == nullptr) {
        rejected += b.weight();
        continue;
      }
      size_t n = CountSelectable(*svc);
      refs.push_back({svc, sp, b.weight(), n});
      if (n > 0 && std::lcm(lcm, static_cast<uint64_t>(n)) <= kMaxLcm) {
        lcm = std::lcm(lcm, static_cast<uint64_t>(n));
      }
    }
    auto per_endpoint = [lcm](const Ref& r) {
      return r.n == 0 ? r.weight : r.weight * std::max<uint64_t>(1, lcm / r.n);
    };
    uint64_t max_weight = 0;
    for (const Ref& r : refs) max_weight = std::max(max_weight, per_endpoint(r));
    // Scaled together, so the ratios survive a clamp to 32 bits.
    double scale = max_weight > UINT32_MAX ? static_cast<double>(UINT32_MAX) / max_weight : 1.0;
    for (const Ref& r : refs) {
      uint64_t w = per_endpoint(r);
      uint32_t scaled = static_cast<uint32_t>(std::max<double>(w > 0 ? 1 : 0, w * scale));
      AppendEndpoints(*r.svc, *r.port, scaled, out);
    }
    if (rejected > 0) {
      // The spec wants that share of connections refused; Cilium's layout
      // has no slot that refuses, so the valid backends take it.
      notes_.push_back(absl::StrCat(owner, ": ", rejected, " of ", total,
                                    " weight goes to invalid backendRefs; the maps cannot "
                                    "refuse a share of connections, so the valid ones take it."));
    }
  }

  void Add(lb::Frontend f, const std::string& owner) {
    auto key = std::make_tuple(f.address, f.port,
                               options_.protocol_differentiation ? f.protocol : lb::Protocol::kAny);
    auto [it, inserted] = seen_.try_emplace(key, state_.frontends.size());
    if (!inserted) {
      // Several listeners on one port (hostnames, HTTPS and TLS) are one
      // frontend; only a frontend that differs is a conflict to report.
      const lb::Frontend& kept = state_.frontends[it->second];
      if (!(kept == f)) {
        notes_.push_back(absl::StrCat(
            owner, ": ", f.address.ToString(), ":", f.port, "/", lb::ProtocolName(f.protocol),
            " is already a different frontend",
            options_.protocol_differentiation
                ? ""
                : " (without protocol differentiation one address and port is one map entry)",
            "; the first is kept."));
      }
      return;
    }
    state_.frontends.push_back(std::move(f));
  }

  const route::Snapshot& snap_;
  const v1::Snapshot& config_;
  const LbViewOptions& options_;
  absl::flat_hash_map<std::string, const v1::Service*> services_;
  // Frontend key -> index in state_.frontends.
  absl::flat_hash_map<std::tuple<lb::Address, uint16_t, lb::Protocol>, size_t> seen_;
  lb::DesiredState state_;
  std::vector<std::string> notes_;
};

}  // namespace

LbView MakeLbView(const route::Snapshot& snapshot, const LbViewOptions& options) {
  v1::Snapshot config;
  if (absl::Status parsed = snapshot.ParseConfig(&config); !parsed.ok()) {
    LbView view;
    view.notes.push_back(absl::StrCat(parsed.message(), "; no frontends."));
    return view;
  }
  Builder b(snapshot, config, options);
  b.AddGateways();
  b.AddServices();
  return b.Finish();
}

}  // namespace gwapi::compile
