// Listener validity: protocol, route kinds, allowedRoutes selector, TLS
// certificates and frontend CA references, conflicts between listeners on
// one port, and overlapping TLS hostnames.
#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/model/kinds.h"
#include "lib/resolve/graph.h"

namespace gwapi::resolve {
namespace {

using model::Value;

// The route kinds a listener of this protocol can serve; empty when the
// protocol is not supported.
std::vector<absl::string_view> KindsForProtocol(absl::string_view protocol) {
  if (protocol == "HTTP" || protocol == "HTTPS") return {"HTTPRoute", "GRPCRoute"};
  if (protocol == "TLS") return {"TLSRoute"};
  if (protocol == "TCP") return {"TCPRoute"};
  if (protocol == "UDP") return {"UDPRoute"};
  return {};
}

std::string ListenerLabel(const ListenerState& l) {
  if (l.set != nullptr) {
    return absl::StrCat("listener \"", l.view->name, "\" of ListenerSet ",
                        NsName(l.set->view.obj->key.ns, l.set->view.obj->key.name));
  }
  return absl::StrCat("listener \"", l.view->name, "\" of Gateway ",
                      NsName(l.gateway->view.obj->key.ns, l.gateway->view.obj->key.name));
}

// Base64-decoded Secret data value (or its stringData twin); nullopt if absent.
std::optional<std::string> SecretData(const model::Object& secret, absl::string_view key) {
  if (const Value* d = secret.body.FindPath({"data", key}); d != nullptr && d->is_string()) {
    std::string out;
    if (!absl::Base64Unescape(d->string_value(), &out)) return std::string();
    return out;
  }
  if (const Value* d = secret.body.FindPath({"stringData", key}); d != nullptr && d->is_string()) {
    return d->string_value();
  }
  return std::nullopt;
}

// PEM-shaped: a BEGIN line followed by a matching END line.
bool LooksLikePem(absl::string_view text, absl::string_view label_part) {
  size_t begin = text.find("-----BEGIN ");
  if (begin == absl::string_view::npos) return false;
  size_t eol = text.find("-----", begin + 11);
  if (eol == absl::string_view::npos) return false;
  absl::string_view label = text.substr(begin + 11, eol - begin - 11);
  if (!absl::StrContains(label, label_part)) return false;
  return absl::StrContains(text.substr(eol), absl::StrCat("-----END ", label, "-----"));
}

void CheckCertificates(const Graph& g, ListenerState* l) {
  const ListenerView& v = *l->view;
  bool terminates = v.protocol == "HTTPS" || (v.protocol == "TLS" && v.tls_mode == "Terminate");
  if (!terminates) return;
  std::string reason, why;
  if (v.certificate_refs.empty()) {
    reason = "InvalidCertificateRef";
    why = absl::StrCat("Listener \"", v.name,
                       "\" terminates TLS but names no certificateRefs; add a "
                       "kubernetes.io/tls Secret.");
  }
  absl::string_view from_kind = l->set != nullptr ? "ListenerSet" : "Gateway";
  for (size_t i = 0; i < v.certificate_refs.size() && why.empty(); ++i) {
    why = CheckTlsSecret(g, v.certificate_refs[i], absl::StrCat("certificateRefs[", i, "]"),
                         from_kind, l->owner_ns, "InvalidCertificateRef", &reason);
  }
  if (why.empty()) return;
  l->certificate_problem = why;
  if (l->refs_reason.empty()) {  // an earlier problem (route kinds) is reported first
    l->refs_reason = reason;
    l->refs_message = std::move(why);
  }
}

// Frontend client-certificate validation of an HTTPS listener of a Gateway:
// the CA refs of the perPort entry for its port, else of the default.
void CheckFrontendValidation(const Graph& g, ListenerState* l) {
  if (l->set != nullptr || l->view->protocol != "HTTPS") return;
  const GatewayView::FrontendValidation* fv = l->gateway->view.FrontendFor(l->view->port);
  if (fv == nullptr || fv->ca_refs.empty()) return;
  size_t valid = 0;
  std::string reason, message;
  for (size_t i = 0; i < fv->ca_refs.size(); ++i) {
    std::string why_reason;
    std::string why = CheckFrontendCaRef(g, fv->ca_refs[i], i, l->view->port, l->owner_ns,
                                         &why_reason);
    if (why.empty()) {
      ++valid;
    } else if (reason.empty()) {
      reason = why_reason;
      message = why;
    }
  }
  if (reason.empty()) return;
  if (l->refs_reason.empty()) {
    l->refs_reason = reason;
    l->refs_message = message;
  }
  l->no_valid_ca = valid == 0;
}

// "http" for HTTP, "tls" for HTTPS and TLS (they share a port by SNI), "tcp",
// "udp"; listeners of different classes cannot share a port.
absl::string_view ProtocolClass(absl::string_view protocol) {
  if (protocol == "HTTPS" || protocol == "TLS") return "tls";
  if (protocol == "HTTP") return "http";
  if (protocol == "UDP") return "udp";
  return "tcp";
}

// What makes a Secret unusable as a TLS certificate, as the end of a
// message after "<where>: Secret ns/name"; "" when usable.
std::string TlsSecretProblem(const model::Object& s) {
  std::string type(s.body.GetString("type"));
  if (type != "kubernetes.io/tls") {
    return absl::StrCat(" has type \"", type.empty() ? "Opaque" : type,
                        "\"; a certificate Secret must have type kubernetes.io/tls.");
  }
  std::optional<std::string> crt = SecretData(s, "tls.crt");
  std::optional<std::string> key = SecretData(s, "tls.key");
  if (!crt || !key) return absl::StrCat(" lacks ", !crt ? "tls.crt" : "tls.key", ".");
  bool crt_ok = LooksLikePem(*crt, "CERTIFICATE");
  if (!crt_ok || !LooksLikePem(*key, "PRIVATE KEY")) {
    return absl::StrCat(" holds a ", !crt_ok ? "tls.crt" : "tls.key", " that is not PEM-encoded.");
  }
  return "";
}

}  // namespace

// Checks a reference to a TLS Secret (a listener certificate or the
// Gateway's backend client certificate). Returns "" when usable, else sets
// *reason (RefNotPermitted or `invalid_reason`) and returns the message. The
// grant is checked before existence so nothing leaks across namespaces.
std::string CheckTlsSecret(const Graph& g, const ObjectRef& r, absl::string_view at,
                           absl::string_view from_kind, absl::string_view from_ns,
                           absl::string_view invalid_reason, std::string* reason) {
  std::string nn = NsName(r.ns, r.name);
  *reason = std::string(invalid_reason);
  if (!r.group.empty() || r.kind != "Secret") {
    return absl::StrCat(at, " names ", r.group.empty() ? "core" : r.group, " kind ", r.kind, " \"",
                        r.name, "\"; only core Secrets are supported as certificates.");
  }
  if (r.cross_namespace &&
      !g.Granted(model::kGatewayGroup, from_kind, from_ns, "", "Secret", r.ns, r.name)) {
    *reason = "RefNotPermitted";
    return absl::StrCat(at, " refers to Secret ", nn,
                        " in another namespace; no ReferenceGrant in namespace ", r.ns, " allows ",
                        from_kind, "s from namespace ", from_ns, " to refer to it.");
  }
  auto it = g.secrets.find(nn);
  if (it == g.secrets.end()) return absl::StrCat(at, ": Secret ", nn, " does not exist.");
  const model::Object& s = *it->second;
  // Listeners of many Gateways share a few Secrets: each is decoded once
  // per resolution (BM_Status_Full: decoding was most of ResolveGateways).
  auto [verdict, inserted] = g.tls_secret_problems.try_emplace(&s);
  if (inserted) verdict->second = TlsSecretProblem(s);
  const std::string& problem = verdict->second;
  if (problem.empty()) {
    reason->clear();
    return "";
  }
  return absl::StrCat(at, ": Secret ", nn, problem);
}

std::string CheckFrontendCaRef(const Graph& g, const ObjectRef& r, size_t i, int64_t port,
                               absl::string_view gateway_ns, std::string* reason) {
  std::string at = absl::StrCat("Frontend validation caCertificateRefs[", i, "] for port ", port);
  std::string nn = NsName(r.ns, r.name);
  *reason = "InvalidCACertificateRef";
  if (!r.group.empty() || (r.kind != "ConfigMap" && r.kind != "Secret")) {
    *reason = "InvalidCACertificateKind";
    return absl::StrCat(at, " names ", r.group.empty() ? "core" : r.group, " kind ", r.kind, " \"",
                        r.name, "\"; use a core ConfigMap holding ca.crt.");
  }
  if (r.cross_namespace &&
      !g.Granted(model::kGatewayGroup, "Gateway", gateway_ns, "", r.kind, r.ns, r.name)) {
    *reason = "RefNotPermitted";
    return absl::StrCat(at, " refers to ", r.kind, " ", nn,
                        " in another namespace; no ReferenceGrant in namespace ", r.ns,
                        " allows Gateways from namespace ", gateway_ns, " to refer to it.");
  }
  const auto& index = r.kind == "ConfigMap" ? g.config_maps : g.secrets;
  auto it = index.find(nn);
  if (it == index.end()) return absl::StrCat(at, ": ", r.kind, " ", nn, " does not exist.");
  std::optional<std::string> crt;
  if (r.kind == "Secret") {
    crt = SecretData(*it->second, "ca.crt");
  } else if (const Value* d = it->second->body.FindPath({"data", "ca.crt"});
             d != nullptr && d->is_string()) {
    crt = d->string_value();
  }
  if (!crt || !LooksLikePem(*crt, "CERTIFICATE")) {
    return absl::StrCat(at, ": ", r.kind, " ", nn,
                        !crt ? " has no ca.crt." : " holds a ca.crt that is not PEM.");
  }
  reason->clear();
  return "";
}

void CheckListener(const Graph& g, ListenerState* l) {
  const ListenerView& v = *l->view;
  std::vector<absl::string_view> kinds = KindsForProtocol(v.protocol);
  if (kinds.empty()) {
    l->unsupported_protocol = absl::StrCat("Listener \"", v.name, "\" uses protocol \"", v.protocol,
                                           "\", which is not supported; use HTTP, HTTPS, TLS, "
                                           "TCP or UDP.");
    return;
  }
  if (!v.kinds_set) {
    for (absl::string_view k : kinds) {
      l->supported_kinds.push_back(GroupKind{std::string(model::kGatewayGroup), std::string(k)});
    }
  } else {
    std::vector<std::string> bad;
    for (const GroupKind& k : v.kinds) {
      bool ok = k.group == model::kGatewayGroup &&
                std::find(kinds.begin(), kinds.end(), k.kind) != kinds.end();
      if (!ok) {
        bad.push_back(k.group.empty() || k.group == model::kGatewayGroup
                          ? k.kind
                          : absl::StrCat(k.group, "/", k.kind));
      } else if (std::find(l->supported_kinds.begin(), l->supported_kinds.end(), k) ==
                 l->supported_kinds.end()) {
        l->supported_kinds.push_back(k);
      }
    }
    if (!bad.empty()) {
      l->refs_reason = "InvalidRouteKinds";
      l->refs_message = absl::StrCat(
          "Listener \"", v.name, "\" allows route kind(s) ", absl::StrJoin(bad, ", "), ", which a ",
          v.protocol, " listener cannot serve; supported: ", absl::StrJoin(kinds, ", "), ".");
    }
  }
  if (v.from == "Selector") {
    if (!v.selector) {
      l->selector_problem = absl::StrCat("Listener \"", v.name,
                                         "\" has allowedRoutes.namespaces.from Selector but no "
                                         "selector; it admits no routes.");
    } else if (std::string op = v.selector->UnknownOperator(); !op.empty()) {
      l->selector_problem =
          absl::StrCat("Listener \"", v.name,
                       "\" has an allowedRoutes namespace selector with unknown "
                       "operator \"",
                       op, "\"; use In, NotIn, Exists or DoesNotExist. It admits no routes.");
    }
  }
  CheckCertificates(g, l);
  CheckFrontendValidation(g, l);
}

// Marks conflicts over the merged listener list (Gateway's own first, then
// ListenerSets oldest first). Indistinct listeners of the Gateway itself are
// all rejected (no winner); a ListenerSet entry that conflicts with an earlier
// listener loses to it.
void MarkConflicts(std::vector<ListenerState*>& merged) {
  for (size_t j = 0; j < merged.size(); ++j) {
    ListenerState* b = merged[j];
    if (!b->unsupported_protocol.empty()) continue;
    for (size_t i = 0; i < j; ++i) {
      ListenerState* a = merged[i];
      if (!a->unsupported_protocol.empty() || a->view->port != b->view->port) continue;
      bool a_udp = a->view->protocol == "UDP", b_udp = b->view->protocol == "UDP";
      if (a_udp != b_udp) continue;  // different transports share a port number freely
      absl::string_view ca = ProtocolClass(a->view->protocol);
      absl::string_view cb = ProtocolClass(b->view->protocol);
      std::string reason, detail;
      if (ca != cb) {
        reason = "ProtocolConflict";
        detail = absl::StrCat("protocol ", b->view->protocol, " conflicts with ", a->view->protocol,
                              " on port ", b->view->port);
      } else if (ca == "tcp" || ca == "udp") {
        // TCP and UDP listeners are distinct only by port. A ListenerSet
        // entry with the same protocol and port as an earlier listener
        // differs from it in nothing (no hostname either): ListenerConflict,
        // the ListenerEntry reason for same port and same hostname
        // (listenerset_types.go:456). Gateway listeners have no such reason
        // (gateway_types.go) and keep ProtocolConflict, as do entries whose
        // protocols differ within the class (e.g. TCP and a custom one).
        reason = b->set != nullptr && a->view->protocol == b->view->protocol ? "ListenerConflict"
                                                                             : "ProtocolConflict";
        detail = absl::StrCat("both use ", b->view->protocol, " port ", b->view->port);
      } else if (a->view->hostname.value_or("") == b->view->hostname.value_or("")) {
        // For HTTP, HTTPS and TLS the v1.6.1 conformance suite
        // (ListenerSetHostnameConflict) expects HostnameConflict, also on
        // ListenerSet entries.
        reason = "HostnameConflict";
        detail = absl::StrCat("both use port ", b->view->port, " and hostname \"",
                              b->view->hostname.value_or(""), "\"");
      } else {
        continue;
      }
      bool both_own = a->set == nullptr && b->set == nullptr;
      if (!both_own && !a->conflict_reason.empty()) continue;  // a lost already
      b->conflict_reason = reason;
      b->conflict_message =
          absl::StrCat("The ", ListenerLabel(*b), " conflicts with the ", ListenerLabel(*a), ": ",
                       detail, ". Change the port or hostname of one of them.");
      if (both_own && a->conflict_reason.empty()) {
        a->conflict_reason = reason;
        a->conflict_message =
            absl::StrCat("The ", ListenerLabel(*a), " conflicts with the ", ListenerLabel(*b), ": ",
                         detail, ". Change the port or hostname of one of them.");
      }
      if (!both_own) break;
    }
  }
}

// OverlappingTLSConfig: TLS-terminating or passthrough listeners on one
// port whose (different) hostnames overlap, e.g. foo.example.com and
// *.example.com. Listeners without a hostname are not flagged: they are the
// catch-all by design. Certificate overlap (the MAY) is not detected.
void MarkOverlappingTls(const std::vector<ListenerState*>& merged) {
  for (size_t i = 0; i < merged.size(); ++i) {
    ListenerState* a = merged[i];
    if (ProtocolClass(a->view->protocol) != "tls" || !a->Valid() || !a->view->hostname) continue;
    for (size_t j = i + 1; j < merged.size(); ++j) {
      ListenerState* b = merged[j];
      if (ProtocolClass(b->view->protocol) != "tls" || !b->Valid() || !b->view->hostname ||
          a->view->port != b->view->port || *a->view->hostname == *b->view->hostname ||
          !HostnamesIntersect(*a->view->hostname, *b->view->hostname)) {
        continue;
      }
      auto note = [](ListenerState* x, const ListenerState* y) {
        if (!x->overlapping_tls.empty()) return;
        x->overlapping_tls =
            absl::StrCat("Hostname \"", *x->view->hostname, "\" overlaps hostname \"",
                         *y->view->hostname, "\" of the ", ListenerLabel(*y), " on port ",
                         x->view->port, "; clients may reach either.");
      };
      note(a, b);
      note(b, a);
    }
  }
}

}  // namespace gwapi::resolve
