// Gateway addresses from Cilium LB IP pools (CiliumLoadBalancerIPPool):
// static spec.addresses when usable, else the first free pool address.
#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/resolve/graph.h"

namespace gwapi::resolve {
namespace {

// Labels of the LoadBalancer Service Cilium creates for a Gateway: what a
// pool's serviceSelector is matched against.
model::StringPairs GatewayServiceLabels(const GatewayState& gw) {
  model::StringPairs labels = gw.view.infrastructure_labels;
  labels.emplace_back("io.cilium.gateway/owning-gateway", gw.view.obj->key.name);
  labels.emplace_back("io.kubernetes.service.name",
                      absl::StrCat("cilium-gateway-", gw.view.obj->key.name));
  labels.emplace_back("io.kubernetes.service.namespace", gw.view.obj->key.ns);
  std::sort(labels.begin(), labels.end());
  return labels;
}

struct IpKey {
  unsigned __int128 ip;
  bool v6;
  friend bool operator==(const IpKey& a, const IpKey& b) { return a.ip == b.ip && a.v6 == b.v6; }
  template <typename H>
  friend H AbslHashValue(H h, const IpKey& k) {
    return H::combine(std::move(h), static_cast<uint64_t>(k.ip >> 64), static_cast<uint64_t>(k.ip),
                      k.v6);
  }
};

bool PoolServes(const PoolView& p, const model::StringPairs& svc_labels) {
  return !p.disabled && (!p.service_selector || p.service_selector->Matches(svc_labels));
}

}  // namespace

// Assigns addresses: first every usable static address (oldest Gateway wins
// a shared one), then the first free pool address, pools in name order, to
// every Gateway that asks for one. Only Gateways that are accepted
// (GatewayState::accepted, decided before this runs) take addresses, so a
// rejected Gateway holds none and frees its address for the others; an
// unsupported address type is still reported for every Gateway.
// Deterministic from the store alone.
void AssignAddresses(Graph* g, absl::flat_hash_map<GatewayState*, Condition>* programmed) {
  absl::flat_hash_map<IpKey, GatewayState*> taken;
  struct Want {
    GatewayState* gw;
    model::StringPairs labels;
  };
  std::vector<Want> auto_assign;
  for (auto& gwp : g->gateways) {
    GatewayState* gw = gwp.get();
    model::StringPairs labels = GatewayServiceLabels(*gw);
    if (gw->view.addresses.empty()) {
      if (gw->accepted) auto_assign.push_back({gw, std::move(labels)});
      continue;
    }
    bool wants_auto = false;
    for (const GatewayView::Address& a : gw->view.addresses) {
      if (a.type != "IPAddress") {
        gw->conditions.push_back(
            False("Accepted", "UnsupportedAddress",
                  absl::StrCat("Address type \"", a.type,
                               "\" is not supported; only IPAddress addresses can be requested.")));
        gw->accepted = false;
        break;
      }
    }
    if (!gw->conditions.empty()) continue;
    if (!gw->accepted) continue;  // the type check above still reports
    for (const GatewayView::Address& a : gw->view.addresses) {
      if (a.value.empty()) {
        wants_auto = true;
        continue;
      }
      IpKey k{};
      std::string why;
      if (!ParseIp(a.value, &k.ip, &k.v6)) {
        why = absl::StrCat("Address \"", a.value, "\" is not an IP address.");
      } else if (auto it = taken.find(k); it != taken.end()) {
        why =
            absl::StrCat("Address ", a.value, " is already used by Gateway ",
                         NsName(it->second->view.obj->key.ns, it->second->view.obj->key.name), ".");
      } else {
        bool in_pool = false;
        for (const PoolView& p : g->pools) {
          if (!PoolServes(p, labels)) continue;
          for (const PoolView::Range& r : p.ranges) {
            if (r.v6 == k.v6 && r.first <= k.ip && k.ip <= r.last) in_pool = true;
          }
        }
        if (!in_pool) {
          why = absl::StrCat("Address ", a.value,
                             " is not in any enabled CiliumLoadBalancerIPPool that serves this "
                             "Gateway; add it to a pool or request another address.");
        }
      }
      if (!why.empty()) {
        if (!programmed->contains(gw)) {
          (*programmed)[gw] = False("Programmed", "AddressNotUsable", why);
        }
        continue;
      }
      taken[k] = gw;
      gw->status_addresses.push_back({"IPAddress", FormatIp(k.ip, k.v6)});
    }
    if (wants_auto) auto_assign.push_back({gw, std::move(labels)});
  }
  for (Want& w : auto_assign) {
    bool done = false;
    for (const PoolView& p : g->pools) {
      if (done || !PoolServes(p, w.labels)) continue;
      for (const PoolView::Range& r : p.ranges) {
        for (unsigned __int128 ip = r.first;; ++ip) {
          IpKey k{ip, r.v6};
          if (!taken.contains(k)) {
            taken[k] = w.gw;
            w.gw->status_addresses.push_back({"IPAddress", FormatIp(ip, r.v6)});
            done = true;
            break;
          }
          if (ip == r.last) break;
        }
        if (done) break;
      }
    }
    if (!done && !programmed->contains(w.gw)) {
      (*programmed)[w.gw] = False(
          "Programmed", "AddressNotAssigned",
          g->pools.empty()
              ? std::string("No CiliumLoadBalancerIPPool exists, so no address can be "
                            "assigned; create a pool.")
              : std::string("No enabled CiliumLoadBalancerIPPool that serves this Gateway has "
                            "a free address; add a block to a pool."));
    }
  }
}

}  // namespace gwapi::resolve
