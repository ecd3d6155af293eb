// The policy pass: BackendTLSPolicy ancestors. The ancestors of a policy are
// the Gateways (of this controller) whose accepted routes send traffic to a
// targeted Service; each gets Accepted and ResolvedRefs.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/model/kinds.h"
#include "lib/resolve/graph.h"

namespace gwapi::resolve {

using model::Value;

std::string CheckBackendCaRef(const Graph& g, const ObjectRef& r, size_t i, std::string* reason) {
  std::string at = absl::StrCat("caCertificateRefs[", i, "]");
  if (!r.group.empty() || (r.kind != "ConfigMap" && r.kind != "Secret")) {
    *reason = "InvalidKind";
    return absl::StrCat(at, " names ", r.group.empty() ? "core" : r.group, " kind ", r.kind, " \"",
                        r.name, "\"; use a core ConfigMap or Secret holding ca.crt.");
  }
  *reason = "InvalidCACertificateRef";
  std::string nn = NsName(r.ns, r.name);
  const auto& index = r.kind == "ConfigMap" ? g.config_maps : g.secrets;
  auto it = index.find(nn);
  if (it == index.end()) return absl::StrCat(at, ": ", r.kind, " ", nn, " does not exist.");
  const Value* crt = it->second->body.FindPath({"data", "ca.crt"});
  std::string text = crt != nullptr && crt->is_string() ? crt->string_value() : "";
  // A Secret carries base64; a PEM marker survives as "LS0tLS1CRUdJTi" then.
  bool pem = absl::StrContains(text, "-----BEGIN CERTIFICATE-----") ||
             (r.kind == "Secret" && absl::StartsWith(text, "LS0tLS1CRUdJTi"));
  if (!pem) {
    return absl::StrCat(at, ": ", r.kind, " ", nn,
                        crt == nullptr ? " has no ca.crt." : " holds a ca.crt that is not PEM.");
  }
  reason->clear();
  return "";
}

bool PolicyUsable(const Graph& g, const BackendTlsPolicyView& p) {
  if (!p.well_known.empty() && p.well_known != "System") return false;
  if (p.ca_refs.empty()) return !p.well_known.empty();
  for (size_t i = 0; i < p.ca_refs.size(); ++i) {
    std::string reason;
    if (CheckBackendCaRef(g, p.ca_refs[i], i, &reason).empty()) return true;
  }
  return false;
}

void ResolvePolicies(Graph* g, TransitionMemory* memory) {
  // Precedence among policies on the same Service and sectionName: oldest
  // first, then namespace/name.
  std::vector<const BackendTlsPolicyView*> order;
  for (const BackendTlsPolicyView& p : g->policies) order.push_back(&p);
  std::sort(order.begin(), order.end(),
            [](const auto* a, const auto* b) { return OlderThan(*a->obj, *b->obj); });
  std::map<std::string, const BackendTlsPolicyView*> winner;  // "ns/svc#section"
  for (const BackendTlsPolicyView* p : order) {
    for (const auto& t : p->targets) {
      if (!t.group.empty() || t.kind != "Service") continue;
      winner.emplace(absl::StrCat(NsName(p->obj->key.ns, t.name), "#", t.section_name.value_or("")),
                     p);
    }
  }
  for (const BackendTlsPolicyView& p : g->policies) {
    const model::Object& o = *p.obj;
    std::set<GatewayState*> ancestors;
    std::string conflict;
    for (const auto& t : p.targets) {
      if (!t.group.empty() || t.kind != "Service") continue;
      std::string nn = NsName(o.key.ns, t.name);
      auto it = g->service_gateways.find(nn);
      if (it != g->service_gateways.end()) ancestors.insert(it->second.begin(), it->second.end());
      const BackendTlsPolicyView* w = winner[absl::StrCat(nn, "#", t.section_name.value_or(""))];
      if (w != &p && conflict.empty()) {
        conflict = absl::StrCat("BackendTLSPolicy ", NsName(w->obj->key.ns, w->obj->key.name),
                                " targets Service ", nn,
                                t.section_name ? absl::StrCat(" port ", *t.section_name) : "",
                                " too and takes precedence (older, or first by name).");
      }
    }
    if (ancestors.empty()) continue;

    std::string refs_reason, refs_message;
    size_t valid = 0;
    for (size_t i = 0; i < p.ca_refs.size(); ++i) {
      std::string reason;
      std::string why = CheckBackendCaRef(*g, p.ca_refs[i], i, &reason);
      if (why.empty()) {
        ++valid;
      } else if (refs_reason.empty()) {
        refs_reason = reason;
        refs_message = why;
      }
    }
    std::vector<Condition> c;
    if (!conflict.empty()) {
      c.push_back(False("Accepted", "Conflicted", conflict));
    } else if (!p.well_known.empty() && p.well_known != "System") {
      c.push_back(False("Accepted", "Invalid",
                        absl::StrCat("wellKnownCACertificates \"", p.well_known,
                                     "\" is not supported; use System or caCertificateRefs.")));
    } else if (!p.ca_refs.empty() && valid == 0) {
      c.push_back(False("Accepted", "NoValidCACertificate",
                        absl::StrCat("No caCertificateRef is usable: ", refs_message)));
    } else {
      c.push_back(True("Accepted", "Accepted", "The policy is accepted."));
    }
    if (refs_reason.empty()) {
      c.push_back(True("ResolvedRefs", "ResolvedRefs", "All CA certificate references resolve."));
    } else {
      c.push_back(False("ResolvedRefs", refs_reason, refs_message));
    }
    // Pointer order is arbitrary; write ancestors by namespace/name.
    std::vector<GatewayState*> sorted(ancestors.begin(), ancestors.end());
    std::sort(sorted.begin(), sorted.end(),
              [](GatewayState* a, GatewayState* b) { return a->view.obj->key < b->view.obj->key; });
    Value::Array out;
    for (GatewayState* gw : sorted) {
      const model::ObjectKey& k = gw->view.obj->key;
      std::string scope = absl::StrCat("ancestors/", NsName(k.ns, k.name));
      out.push_back(
          Obj(M("ancestorRef",
                Obj(M("group", Value::String(k.group)), M("kind", Value::String(k.kind)),
                    M("namespace", Value::String(k.ns)), M("name", Value::String(k.name)))),
              M("controllerName", Value::String(g->controller_name)),
              M("conditions", RenderConditions(c, o.meta.generation, o.key, scope, memory))));
    }
    g->status[o.key].value =
        std::make_unique<Value>(Obj(M("ancestors", Value::MakeArray(std::move(out)))));
  }
}

}  // namespace gwapi::resolve
