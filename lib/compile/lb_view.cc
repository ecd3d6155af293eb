#include "lib/compile/lb_view.h"

#include <numeric>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
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

size_t CountSelectable(const v1::Service& svc) {
  size_t n = 0;
  for (const v1::Endpoint& e : svc.endpoints()) n += e.ready() && !e.terminating();
  return n;
}

class Builder {
 public:
  Builder(const route::Snapshot& snap, const LbViewOptions& options)
      : snap_(snap), options_(options) {
    for (const v1::Service& s : snap.config().services()) {
      services_[absl::StrCat(s.namespace_(), "/", s.name())] = &s;
    }
  }

  void AddGateways() {
    const v1::Snapshot& c = snap_.config();
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
    for (const v1::Service& s : snap_.config().services()) {
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
        if (m.route >= 0 && m.rule >= 0) AppendRuleBackends(m, &f.backends);
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
  // every endpoint's weight is w * L / n, L the lcm of the counts n.
  void AppendRuleBackends(const route::MatchResult& m, std::vector<lb::Backend>* out) {
    const v1::Rule& rule = snap_.config().routes(m.route).rules(m.rule);
    struct Ref {
      const v1::Service* svc;
      const v1::ServicePort* port;
      uint32_t weight;
      size_t n;
    };
    std::vector<Ref> refs;
    uint64_t lcm = 1;
    for (const v1::Backend& b : rule.backends()) {
      if (!b.valid()) continue;
      auto it = services_.find(absl::StrCat(b.namespace_(), "/", b.name()));
      if (it == services_.end()) continue;
      const v1::ServicePort* sp = nullptr;
      for (const v1::ServicePort& p : it->second->ports()) {
        if (p.port() == b.port()) sp = &p;
      }
      if (sp == nullptr) continue;
      size_t n = CountSelectable(*it->second);
      refs.push_back({it->second, sp, b.weight(), n});
      // Bounded: past 10,000 the proportion is approximated (the writer
      // bounds slots per frontend anyway).
      if (n > 0 && lcm <= 10000) lcm = std::lcm(lcm, static_cast<uint64_t>(n));
    }
    for (const Ref& r : refs) {
      uint64_t w = r.n == 0 ? r.weight : r.weight * std::max<uint64_t>(1, lcm / r.n);
      AppendEndpoints(*r.svc, *r.port, static_cast<uint32_t>(std::min<uint64_t>(w, UINT32_MAX)), out);
    }
  }

  void Add(lb::Frontend f, const std::string& owner) {
    auto key = std::make_tuple(f.address, f.port,
                               options_.protocol_differentiation ? f.protocol : lb::Protocol::kAny);
    if (!seen_.insert(key).second) {
      notes_.push_back(absl::StrCat(owner, ": ", f.address.ToString(), ":", f.port, "/",
                                    lb::ProtocolName(f.protocol),
                                    " is already a frontend; without protocol differentiation "
                                    "one address and port is one map entry, so the first is kept."));
      return;
    }
    state_.frontends.push_back(std::move(f));
  }

  const route::Snapshot& snap_;
  const LbViewOptions& options_;
  absl::flat_hash_map<std::string, const v1::Service*> services_;
  absl::flat_hash_set<std::tuple<lb::Address, uint16_t, lb::Protocol>> seen_;
  lb::DesiredState state_;
  std::vector<std::string> notes_;
};

}  // namespace

LbView MakeLbView(const route::Snapshot& snapshot, const LbViewOptions& options) {
  Builder b(snapshot, options);
  b.AddGateways();
  b.AddServices();
  return b.Finish();
}

}  // namespace gwapi::compile
