// The gateway pass: GatewayClass acceptance, Gateway and ListenerSet
// conditions (listener checks in listeners.cc, addresses in addresses.cc),
// and the rendering of their status stanzas.
#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/model/kinds.h"
#include "lib/resolve/features.h"
#include "lib/resolve/graph.h"

namespace gwapi::resolve {
namespace {

using model::Value;

bool Invalid(const ListenerState& l) {
  return !l.Valid() || !l.selector_problem.empty() || l.TlsBroken();
}

std::unique_ptr<ListenerState> MakeListener(const ListenerView* v, GatewayState* gw,
                                            ListenerSetState* set, absl::string_view ns) {
  auto l = std::make_unique<ListenerState>();
  l->view = v;
  l->gateway = gw;
  l->set = set;
  l->owner_ns = ns;
  return l;
}

bool SetAllowed(const Graph& g, const GatewayState& gw, const ListenerSetState& s,
                std::string* why) {
  const std::string& from = gw.view.allowed_listeners_from;
  absl::string_view ns = s.view.obj->key.ns;
  absl::string_view gw_ns = gw.view.obj->key.ns;
  std::string gw_name = NsName(gw_ns, gw.view.obj->key.name);
  if (from == "All") return true;
  if (from == "Same") {
    if (ns == gw_ns) return true;
    *why = absl::StrCat("Gateway ", gw_name, " allows ListenerSets only from its own namespace ",
                        gw_ns, " (allowedListeners.namespaces.from: Same).");
    return false;
  }
  if (from == "Selector") {
    if (gw.view.allowed_listeners_selector &&
        gw.view.allowed_listeners_selector->Matches(g.NamespaceLabels(ns))) {
      return true;
    }
    *why = absl::StrCat("Gateway ", gw_name,
                        " allows ListenerSets only from namespaces its allowedListeners selector "
                        "matches, and namespace ",
                        ns, " does not match.");
    return false;
  }
  *why = absl::StrCat("Gateway ", gw_name,
                      " does not allow ListenerSets (allowedListeners.namespaces.from: ", from,
                      "); set allowedListeners on the Gateway to attach this ListenerSet.");
  return false;
}

std::vector<Condition> ListenerConditions(const ListenerState& l, bool parent_programmed) {
  std::vector<Condition> c;
  std::string name = absl::StrCat("Listener \"", l.view->name, "\"");
  if (!l.unsupported_protocol.empty()) {
    c.push_back(False("Accepted", "UnsupportedProtocol", l.unsupported_protocol));
    c.push_back(False("Programmed", "Invalid", l.unsupported_protocol));
  } else if (!l.conflict_reason.empty()) {
    c.push_back(False("Accepted", l.conflict_reason, l.conflict_message));
    c.push_back(False("Programmed", l.conflict_reason, l.conflict_message));
  } else if (!l.selector_problem.empty()) {
    c.push_back(False("Accepted", "UnsupportedValue", l.selector_problem));
    c.push_back(False("Programmed", "Invalid", l.selector_problem));
  } else if (l.no_valid_ca) {
    std::string msg =
        absl::StrCat(name, " has no usable frontend CA certificate: ", l.refs_message);
    c.push_back(False("Accepted", "NoValidCACertificate", msg));
    c.push_back(False("Programmed", "Invalid", msg));
  } else {
    c.push_back(True("Accepted", "Accepted", absl::StrCat(name, " is accepted.")));
    if (l.TlsBroken()) {
      c.push_back(False("Programmed", "Invalid",
                        absl::StrCat(name, " cannot serve TLS: ", l.certificate_problem)));
    } else if (!parent_programmed) {
      c.push_back(False("Programmed", "Pending",
                        absl::StrCat(name, " waits for its Gateway to be programmed.")));
    } else {
      c.push_back(True("Programmed", "Programmed", absl::StrCat(name, " is programmed.")));
    }
  }
  if (!l.refs_reason.empty()) {
    c.push_back(False("ResolvedRefs", l.refs_reason, l.refs_message));
  } else {
    c.push_back(True("ResolvedRefs", "ResolvedRefs",
                     absl::StrCat("All references of ", name, " are resolved.")));
  }
  if (!l.conflict_reason.empty()) {
    c.push_back(True("Conflicted", l.conflict_reason, l.conflict_message));
  } else {
    c.push_back(False("Conflicted", "NoConflicts", absl::StrCat(name, " has no conflicts.")));
  }
  if (!l.overlapping_tls.empty()) {
    c.push_back(True("OverlappingTLSConfig", "OverlappingHostnames", l.overlapping_tls));
  }
  return c;
}

// Conditions as JSON, as RenderConditions(...).AppendJson(out) writes them.
void AppendConditionsJson(const std::vector<Condition>& conditions, int64_t generation,
                          const model::ObjectKey& object, absl::string_view scope,
                          TransitionMemory* memory, std::string* out) {
  out->push_back('[');
  bool first = true;
  for (const Condition& c : conditions) {
    out->append(first ? "{\"type\":" : ",{\"type\":");
    first = false;
    model::AppendJsonString(c.type, out);
    out->append(",\"status\":");
    model::AppendJsonString(c.status, out);
    absl::StrAppend(out, ",\"observedGeneration\":", generation, ",\"lastTransitionTime\":");
    model::AppendJsonString(memory->Stamp(object, scope, c.type, c.status), out);
    out->append(",\"reason\":");
    model::AppendJsonString(c.reason, out);
    out->append(",\"message\":");
    model::AppendJsonString(c.message, out);
    out->push_back('}');
  }
  out->push_back(']');
}

// status.listeners as JSON.
void AppendListenersJson(const std::vector<std::unique_ptr<ListenerState>>& listeners,
                         bool parent_programmed, const model::Object& owner,
                         TransitionMemory* memory, std::string* out) {
  out->push_back('[');
  std::string scope;
  for (size_t i = 0; i < listeners.size(); ++i) {
    const ListenerState& l = *listeners[i];
    out->append(i == 0 ? "{\"name\":" : ",{\"name\":");
    model::AppendJsonString(l.view->name, out);
    out->append(",\"supportedKinds\":[");
    for (size_t k = 0; k < l.supported_kinds.size(); ++k) {
      out->append(k == 0 ? "{\"group\":" : ",{\"group\":");
      model::AppendJsonString(l.supported_kinds[k].group, out);
      out->append(",\"kind\":");
      model::AppendJsonString(l.supported_kinds[k].kind, out);
      out->push_back('}');
    }
    absl::StrAppend(out, "],\"attachedRoutes\":", l.attached_routes, ",\"conditions\":");
    scope.clear();
    absl::StrAppend(&scope, "listeners/", l.view->name);
    AppendConditionsJson(ListenerConditions(l, parent_programmed), owner.meta.generation, owner.key,
                         scope, memory, out);
    out->push_back('}');
  }
  out->push_back(']');
}

// Why spec.infrastructure.parametersRef is unusable, or "". A core
// ConfigMap in the Gateway's namespace is the one supported kind.
std::string CheckParametersRef(const Graph& g, const GatewayState& gw) {
  if (!gw.view.parameters_ref) return "";
  const ObjectRef& r = *gw.view.parameters_ref;
  if (!r.group.empty() || r.kind != "ConfigMap") {
    return absl::StrCat("infrastructure.parametersRef names ", r.group.empty() ? "core" : r.group,
                        " kind ", r.kind, " \"", r.name, "\"; only a core ConfigMap is supported.");
  }
  if (!g.config_maps.contains(NsName(r.ns, r.name))) {
    return absl::StrCat("infrastructure.parametersRef names ConfigMap ", NsName(r.ns, r.name),
                        ", which does not exist.");
  }
  return "";
}

// Gateway-level ResolvedRefs: the backend client certificate, then a
// summary of the listeners' ResolvedRefs.
Condition GatewayResolvedRefs(const Graph& g, const GatewayState& gw) {
  if (gw.view.backend_client_certificate) {
    std::string reason;
    std::string why =
        CheckTlsSecret(g, *gw.view.backend_client_certificate, "tls.backend.clientCertificateRef",
                       "Gateway", gw.view.obj->key.ns, "InvalidClientCertificateRef", &reason);
    if (!why.empty()) return False("ResolvedRefs", reason, why);
  }
  std::vector<std::string> names;
  for (const auto& l : gw.listeners) {
    if (!l->refs_reason.empty()) names.push_back(absl::StrCat("\"", l->view->name, "\""));
  }
  if (!names.empty()) {
    return False("ResolvedRefs", "ListenersNotResolved",
                 absl::StrCat("Listener(s) ", absl::StrJoin(names, ", "),
                              " have unresolved references; see their conditions."));
  }
  return True("ResolvedRefs", "ResolvedRefs", "All references of the Gateway are resolved.");
}

bool InsecureFallback(const GatewayView& v) {
  if (v.frontend_default && v.frontend_default->mode == "AllowInsecureFallback") return true;
  for (const auto& [port, fv] : v.frontend_per_port) {
    if (fv.mode == "AllowInsecureFallback") return true;
  }
  return false;
}

}  // namespace

void ResolveGateways(Graph* g) {
  for (const auto& [name, cls] : g->classes) {
    std::vector<Condition>& c = g->class_conditions[name];
    const Value* pref = cls->body.FindPath({"spec", "parametersRef"});
    std::string bad;
    if (pref != nullptr && pref->is_object()) {
      std::string group(pref->GetString("group")), kind(pref->GetString("kind"));
      std::string ns(pref->GetString("namespace")), pname(pref->GetString("name"));
      if (!group.empty() || kind != "ConfigMap") {
        bad = absl::StrCat("parametersRef names ", group.empty() ? "core" : group, " kind ", kind,
                           "; only a core ConfigMap is supported.");
      } else if (ns.empty()) {
        bad = "parametersRef names a ConfigMap without a namespace; ConfigMaps are namespaced.";
      } else if (!g->config_maps.contains(NsName(ns, pname))) {
        bad = absl::StrCat("parametersRef names ConfigMap ", NsName(ns, pname),
                           ", which does not exist.");
      }
    }
    if (!bad.empty()) {
      c.push_back(False("Accepted", "InvalidParameters", bad));
    } else {
      c.push_back(True("Accepted", "Accepted",
                       absl::StrCat("GatewayClass is accepted by ", g->controller_name, ".")));
    }
    c.push_back(
        True("SupportedVersion", "SupportedVersion", "gwapi implements Gateway API v1.6.1."));
  }

  absl::flat_hash_map<GatewayState*, std::vector<ListenerSetState*>> sets_of;
  for (auto& s : g->sets) sets_of[s->parent].push_back(s.get());

  for (auto& gwp : g->gateways) {
    GatewayState* gw = gwp.get();
    gw->class_accepted = g->class_conditions[gw->view.class_name].front().status == "True";
    absl::string_view ns = gw->view.obj->key.ns;
    std::vector<ListenerState*> merged;
    for (const ListenerView& v : gw->view.listeners) {
      gw->listeners.push_back(MakeListener(&v, gw, nullptr, ns));
      CheckListener(*g, gw->listeners.back().get());
      merged.push_back(gw->listeners.back().get());
    }
    for (ListenerSetState* s : sets_of[gw]) {
      std::string why;
      s->allowed = SetAllowed(*g, *gw, *s, &why);
      if (!s->allowed) {
        s->conditions.push_back(False("Accepted", "NotAllowed", why));
        s->conditions.push_back(False("Programmed", "NotAllowed", why));
        continue;
      }
      gw->sets.push_back(s);
      for (const ListenerView& v : s->view.listeners) {
        s->listeners.push_back(MakeListener(&v, gw, s, s->view.obj->key.ns));
        CheckListener(*g, s->listeners.back().get());
        merged.push_back(s->listeners.back().get());
      }
    }
    MarkConflicts(merged);
    MarkOverlappingTls(merged);
  }

  // Acceptance is decided before addresses are assigned: only a Gateway
  // that will be Accepted takes an address (static or from a pool), so a
  // rejected Gateway never holds one another Gateway could use. Address
  // problems (UnsupportedAddress) are found by AssignAddresses itself.
  absl::flat_hash_map<GatewayState*, std::string> params_of;
  for (auto& gwp : g->gateways) {
    GatewayState* gw = gwp.get();
    std::string params = CheckParametersRef(*g, *gw);
    size_t invalid = std::count_if(gw->listeners.begin(), gw->listeners.end(),
                                   [](const auto& l) { return Invalid(*l); });
    gw->accepted = params.empty() && gw->class_accepted && invalid < gw->listeners.size();
    if (!params.empty()) params_of[gw] = std::move(params);
  }

  absl::flat_hash_map<GatewayState*, Condition> programmed;
  AssignAddresses(g, &programmed);

  for (auto& gwp : g->gateways) {
    GatewayState* gw = gwp.get();
    std::string params;
    if (auto it = params_of.find(gw); it != params_of.end()) params = std::move(it->second);
    if (!gw->conditions.empty()) {  // UnsupportedAddress
      gw->conditions.push_back(
          False("Programmed", "Invalid", "The Gateway is not accepted, so it is not programmed."));
      gw->status_addresses.clear();
    } else if (!params.empty()) {
      gw->conditions.push_back(False("Accepted", "InvalidParameters", params));
      gw->conditions.push_back(
          False("Programmed", "Invalid", "The Gateway is not accepted, so it is not programmed."));
      gw->status_addresses.clear();
    } else if (!gw->class_accepted) {
      std::string msg = absl::StrCat("GatewayClass ", gw->view.class_name,
                                     " is not accepted; fix the GatewayClass first.");
      gw->conditions.push_back(False("Accepted", "Invalid", msg));
      gw->conditions.push_back(False("Programmed", "Invalid", msg));
    } else {
      size_t invalid = 0;
      std::vector<std::string> names;
      for (const auto& l : gw->listeners) {
        if (Invalid(*l)) {
          ++invalid;
          names.push_back(absl::StrCat("\"", l->view->name, "\""));
        }
      }
      gw->accepted = invalid < gw->listeners.size();
      if (invalid == 0) {
        gw->conditions.push_back(True("Accepted", "Accepted", "The Gateway is accepted."));
      } else {
        std::string msg = absl::StrCat("Listener(s) ", absl::StrJoin(names, ", "),
                                       " are not valid; see their conditions.");
        gw->conditions.push_back(gw->accepted ? True("Accepted", "ListenersNotValid", msg)
                                              : False("Accepted", "ListenersNotValid", msg));
      }
      if (!gw->accepted) {
        gw->conditions.push_back(False("Programmed", "Invalid",
                                       "No listener is valid, so the Gateway is not programmed."));
      } else if (auto it = programmed.find(gw); it != programmed.end()) {
        gw->conditions.push_back(it->second);
      } else {
        gw->conditions.push_back(True("Programmed", "Programmed", "The Gateway is programmed."));
      }
    }
    gw->conditions.push_back(GatewayResolvedRefs(*g, *gw));
    if (InsecureFallback(gw->view)) {
      gw->conditions.push_back(
          True("InsecureFrontendValidationMode", "ConfigurationChanged",
               "Frontend client-certificate validation allows connections without a valid client "
               "certificate (mode AllowInsecureFallback)."));
    }
    // ListenerSets follow their parent.
    for (ListenerSetState* s : gw->sets) {
      if (!gw->accepted) {
        std::string msg =
            absl::StrCat("Parent Gateway ", NsName(gw->view.obj->key.ns, gw->view.obj->key.name),
                         " is not accepted.");
        s->conditions.push_back(False("Accepted", "ParentNotAccepted", msg));
        s->conditions.push_back(False("Programmed", "ParentNotAccepted", msg));
        continue;
      }
      size_t invalid = 0;
      std::vector<std::string> names;
      for (const auto& l : s->listeners) {
        if (Invalid(*l)) {
          ++invalid;
          names.push_back(absl::StrCat("\"", l->view->name, "\""));
        }
      }
      s->accepted = invalid < s->listeners.size();
      std::string msg = absl::StrCat("Listener(s) ", absl::StrJoin(names, ", "),
                                     " are not valid; see their conditions.");
      if (invalid == 0) {
        s->conditions.push_back(True("Accepted", "Accepted", "The ListenerSet is accepted."));
        s->conditions.push_back(True("Programmed", "Programmed", "The ListenerSet is programmed."));
      } else if (s->accepted) {
        s->conditions.push_back(True("Accepted", "ListenersNotValid", msg));
        s->conditions.push_back(
            True("Programmed", "Programmed", "The valid listeners are programmed."));
      } else {
        s->conditions.push_back(False("Accepted", "ListenersNotValid", msg));
        s->conditions.push_back(False("Programmed", "ListenersNotValid", msg));
      }
      if (s->accepted) ++gw->attached_listener_sets;
    }
  }
}

// Gateways and ListenerSets are written as JSON text, not Value trees:
// building and freeing the trees was a third of BM_Status_Full/10000/100
// (100 Gateways of 5 listeners). StatusSet::Find parses the text when asked.
std::string RenderGateway(const Graph& g, const GatewayState& gw, TransitionMemory* memory) {
  const model::Object& o = *gw.view.obj;
  bool gw_programmed = Programmed(gw.conditions);
  std::string out = "{";
  if (!gw.status_addresses.empty()) {
    out.append("\"addresses\":[");
    for (size_t i = 0; i < gw.status_addresses.size(); ++i) {
      out.append(i == 0 ? "{\"type\":" : ",{\"type\":");
      model::AppendJsonString(gw.status_addresses[i].type, &out);
      out.append(",\"value\":");
      model::AppendJsonString(gw.status_addresses[i].value, &out);
      out.push_back('}');
    }
    out.append("],");
  }
  out.append("\"conditions\":");
  AppendConditionsJson(gw.conditions, o.meta.generation, o.key, "", memory, &out);
  out.append(",\"listeners\":");
  AppendListenersJson(gw.listeners, gw_programmed, o, memory, &out);
  if (gw.view.allowed_listeners_from != "None" || gw.attached_listener_sets > 0) {
    absl::StrAppend(&out, ",\"attachedListenerSets\":", gw.attached_listener_sets);
  }
  out.push_back('}');
  return out;
}

std::string RenderListenerSet(const Graph& g, const ListenerSetState& s, TransitionMemory* memory) {
  const model::Object& o = *s.view.obj;
  bool programmed = Programmed(s.conditions);
  std::string out = "{\"conditions\":";
  AppendConditionsJson(s.conditions, o.meta.generation, o.key, "", memory, &out);
  out.append(",\"listeners\":");
  AppendListenersJson(s.listeners, programmed, o, memory, &out);
  out.push_back('}');
  return out;
}

void RenderGateways(Graph* g, TransitionMemory* memory) {
  Value::Array features;
  for (absl::string_view f : SupportedFeatures()) {
    features.push_back(Obj(M("name", Value::String(std::string(f)))));
  }
  for (const auto& [name, cls] : g->classes) {
    g->status[cls->key].value = std::make_unique<Value>(Obj(
        M("conditions",
          RenderConditions(g->class_conditions[name], cls->meta.generation, cls->key, "", memory)),
        M("supportedFeatures", Value::MakeArray(features))));
  }
  for (auto& gwp : g->gateways) {
    g->status[gwp->view.obj->key].json = RenderGateway(*g, *gwp, memory);
  }
  for (auto& sp : g->sets) g->status[sp->view.obj->key].json = RenderListenerSet(*g, *sp, memory);
}

bool ListenerServes(const ListenerState& l) { return !Invalid(l); }

bool Programmed(const std::vector<Condition>& conditions) {
  bool programmed = false;  // the last Programmed condition decides
  for (const Condition& c : conditions) {
    if (c.type == "Programmed") programmed = c.status == "True";
  }
  return programmed;
}

}  // namespace gwapi::resolve
