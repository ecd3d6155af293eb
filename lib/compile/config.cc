#include "lib/compile/config.h"

#include <set>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "lib/model/kinds.h"
#include "lib/model/value.h"
#include "lib/proto/names.h"

namespace gwapi::compile {
namespace {

using model::Value;
namespace v1 = gwapi::v1;

const Value::Array& Items(const Value* parent, absl::string_view key) {
  static const Value::Array kNone;
  if (parent == nullptr) return kNone;
  const Value* v = parent->Find(key);
  return v != nullptr && v->is_array() ? v->array() : kNone;
}

std::string Text(const Value* parent, absl::string_view key, absl::string_view def = "") {
  if (parent == nullptr) return std::string(def);
  const Value* v = parent->Find(key);
  return v != nullptr && v->is_string() ? v->string_value() : std::string(def);
}

// An integer field, or `def` when absent or not an integer.
int64_t Number(const Value* parent, absl::string_view key, int64_t def) {
  if (parent == nullptr) return def;
  const Value* v = parent->Find(key);
  return v != nullptr && v->is_int() ? v->int_value() : def;
}

v1::MatchType ReadMatchType(absl::string_view type) {
  if (type == "Exact") return v1::MATCH_TYPE_EXACT;
  if (type == "PathPrefix") return v1::MATCH_TYPE_PATH_PREFIX;
  if (type == "RegularExpression") return v1::MATCH_TYPE_REGULAR_EXPRESSION;
  return v1::MATCH_TYPE_UNSPECIFIED;
}

void ReadHeaderMatches(const Value* parent, absl::string_view key,
                       google::protobuf::RepeatedPtrField<v1::HeaderMatch>* out) {
  for (const Value& h : Items(parent, key)) {
    v1::HeaderMatch* m = out->Add();
    m->set_type(ReadMatchType(Text(&h, "type", "Exact")));
    m->set_name(Text(&h, "name"));
    m->set_value(Text(&h, "value"));
  }
}

void ReadHeaderModifier(const Value* v, v1::HeaderModifier* out) {
  for (absl::string_view op : {"set", "add"}) {
    auto* list = op == "set" ? out->mutable_set() : out->mutable_add();
    for (const Value& h : Items(v, op)) {
      v1::HeaderModifier::Header* e = list->Add();
      e->set_name(Text(&h, "name"));
      e->set_value(Text(&h, "value"));
    }
  }
  for (const Value& name : Items(v, "remove")) {
    if (name.is_string()) out->add_remove(name.string_value());
  }
}

void ReadPathModifier(const Value* v, v1::PathModifier* out) {
  std::string type = Text(v, "type");
  if (type == "ReplaceFullPath") {
    out->set_type(v1::PathModifier::TYPE_REPLACE_FULL_PATH);
    out->set_value(Text(v, "replaceFullPath"));
  } else if (type == "ReplacePrefixMatch") {
    out->set_type(v1::PathModifier::TYPE_REPLACE_PREFIX_MATCH);
    out->set_value(Text(v, "replacePrefixMatch"));
  }
}

void ReadStrings(const Value* parent, absl::string_view key,
                 google::protobuf::RepeatedPtrField<std::string>* out) {
  for (const Value& s : Items(parent, key)) {
    if (s.is_string()) out->Add(std::string(s.string_value()));
  }
}

// Walks a route's backendRefs in the order resolve::RoutedRoute::backends
// lists them, handing out each one's verdict.
class BackendVerdicts {
 public:
  explicit BackendVerdicts(const resolve::RoutedRoute& r) : r_(r) {}
  // The verdict of the next backendRef; an invalid one if the lists
  // disagree (a reference the resolver did not see never carries traffic).
  const resolve::RoutedBackend& Next(int32_t rule, int32_t backend, bool mirror) {
    static const resolve::RoutedBackend kInvalid;
    if (next_ >= r_.backends.size()) return kInvalid;
    const resolve::RoutedBackend& b = r_.backends[next_++];
    if (b.rule != rule || b.backend != backend || b.mirror != mirror) return kInvalid;
    return b;
  }

 private:
  const resolve::RoutedRoute& r_;
  size_t next_ = 0;
};

void SetCertificate(const resolve::CertificateRef& in, v1::CertificateRef* out) {
  out->set_kind(in.kind);
  out->set_namespace_(in.ns);
  out->set_name(in.name);
}

void ReadBackend(const Value& ref, absl::string_view route_ns, const resolve::RoutedBackend& verdict,
                 v1::Backend* out) {
  out->set_group(Text(&ref, "group"));
  out->set_kind(Text(&ref, "kind", "Service"));
  out->set_namespace_(Text(&ref, "namespace", route_ns));
  out->set_name(Text(&ref, "name"));
  out->set_port(static_cast<uint32_t>(Number(&ref, "port", 0)));
  out->set_weight(static_cast<uint32_t>(Number(&ref, "weight", 1)));
  out->set_valid(verdict.valid);
  out->set_app_protocol(verdict.app_protocol);
  if (verdict.tls) {
    v1::BackendTls* tls = out->mutable_tls();
    tls->set_sni(verdict.tls_sni);
    for (const resolve::CertificateRef& c : verdict.tls_ca_certificates) {
      SetCertificate(c, tls->add_ca_certificates());
    }
    tls->set_system_ca(verdict.tls_system_ca);
    for (const auto& [type, value] : verdict.tls_subject_alt_names) {
      v1::SubjectAltName* san = tls->add_subject_alt_names();
      san->set_type(type);
      san->set_value(value);
    }
  }
}

// Reads one filter. Returns false for a filter type the engine cannot apply
// (ExtensionRef, ExternalAuth, or unknown): the spec says such a filter must
// not be skipped, so the caller makes the rule answer 500.
bool ReadFilter(const Value& f, absl::string_view route_ns, int32_t rule, int32_t backend,
                BackendVerdicts* verdicts, v1::Filter* out) {
  std::string type = Text(&f, "type");
  if (type == "RequestHeaderModifier") {
    ReadHeaderModifier(f.Find("requestHeaderModifier"), out->mutable_request_header_modifier());
  } else if (type == "ResponseHeaderModifier") {
    ReadHeaderModifier(f.Find("responseHeaderModifier"), out->mutable_response_header_modifier());
  } else if (type == "RequestRedirect") {
    const Value* r = f.Find("requestRedirect");
    v1::RequestRedirect* rr = out->mutable_request_redirect();
    rr->set_scheme(Text(r, "scheme"));
    rr->set_hostname(Text(r, "hostname"));
    if (r != nullptr && r->Find("path") != nullptr) ReadPathModifier(r->Find("path"), rr->mutable_path());
    if (int64_t port = Number(r, "port", -1); port >= 0) rr->set_port(static_cast<uint32_t>(port));
    rr->set_status_code(static_cast<uint32_t>(Number(r, "statusCode", 302)));
  } else if (type == "URLRewrite") {
    const Value* r = f.Find("urlRewrite");
    v1::UrlRewrite* rw = out->mutable_url_rewrite();
    rw->set_hostname(Text(r, "hostname"));
    if (r != nullptr && r->Find("path") != nullptr) ReadPathModifier(r->Find("path"), rw->mutable_path());
  } else if (type == "RequestMirror") {
    const Value* m = f.Find("requestMirror");
    const Value* ref = m != nullptr ? m->Find("backendRef") : nullptr;
    v1::RequestMirror* rm = out->mutable_request_mirror();
    if (ref != nullptr) {
      ReadBackend(*ref, route_ns, verdicts->Next(rule, backend, true), rm->mutable_backend());
    }
    uint32_t num = 100, den = 100;
    if (const Value* frac = m != nullptr ? m->Find("fraction") : nullptr) {
      num = static_cast<uint32_t>(Number(frac, "numerator", 0));
      den = static_cast<uint32_t>(Number(frac, "denominator", 100));
    } else if (int64_t pct = Number(m, "percent", -1); pct >= 0) {
      num = static_cast<uint32_t>(pct);
    }
    rm->set_numerator(num);
    rm->set_denominator(den);
  } else if (type == "CORS") {
    const Value* c = f.Find("cors");
    v1::Cors* cors = out->mutable_cors();
    ReadStrings(c, "allowOrigins", cors->mutable_allow_origins());
    ReadStrings(c, "allowMethods", cors->mutable_allow_methods());
    ReadStrings(c, "allowHeaders", cors->mutable_allow_headers());
    ReadStrings(c, "exposeHeaders", cors->mutable_expose_headers());
    const Value* cred = c != nullptr ? c->Find("allowCredentials") : nullptr;
    cors->set_allow_credentials(cred != nullptr && cred->is_bool() && cred->bool_value());
    cors->set_max_age_seconds(static_cast<int32_t>(Number(c, "maxAge", 5)));
  } else {
    return false;
  }
  return true;
}

// The filters of a rule (backend -1) or of one of its backendRefs, in
// order. Returns false when one of them cannot be applied.
bool ReadFilters(const Value* owner, absl::string_view route_ns, int32_t rule, int32_t backend,
                 BackendVerdicts* verdicts, google::protobuf::RepeatedPtrField<v1::Filter>* out) {
  bool supported = true;
  for (const Value& f : Items(owner, "filters")) {
    v1::Filter filter;
    if (ReadFilter(f, route_ns, rule, backend, verdicts, &filter)) {
      *out->Add() = std::move(filter);
    } else {
      supported = false;
    }
  }
  return supported;
}

void ReadHttpMatches(const Value& rule, v1::Rule* out) {
  for (const Value& m : Items(&rule, "matches")) {
    v1::HttpMatch* hm = out->add_http_matches();
    if (const Value* path = m.Find("path")) {
      hm->mutable_path()->set_type(ReadMatchType(Text(path, "type", "PathPrefix")));
      hm->mutable_path()->set_value(Text(path, "value", "/"));
    }
    ReadHeaderMatches(&m, "headers", hm->mutable_headers());
    ReadHeaderMatches(&m, "queryParams", hm->mutable_query_params());
    hm->set_method(Text(&m, "method"));
  }
}

void ReadGrpcMatches(const Value& rule, v1::Rule* out) {
  for (const Value& m : Items(&rule, "matches")) {
    v1::GrpcMatch* gm = out->add_grpc_matches();
    const Value* method = m.Find("method");
    gm->set_type(ReadMatchType(Text(method, "type", "Exact")));
    gm->set_service(Text(method, "service"));
    gm->set_method(Text(method, "method"));
    ReadHeaderMatches(&m, "headers", gm->mutable_headers());
  }
}

void ReadRule(const Value& rule, int32_t index, const resolve::RoutedRoute& routed,
              v1::RouteKind kind, BackendVerdicts* verdicts, v1::Rule* out) {
  absl::string_view ns = routed.route->key.ns;
  out->set_name(Text(&rule, "name"));
  if (kind == v1::ROUTE_KIND_HTTP) ReadHttpMatches(rule, out);
  if (kind == v1::ROUTE_KIND_GRPC) ReadGrpcMatches(rule, out);
  const Value::Array& refs = Items(&rule, "backendRefs");
  // Verdicts come per rule as: backendRefs, rule-level mirrors, then each
  // backendRef's mirrors.
  for (size_t j = 0; j < refs.size(); ++j) {
    ReadBackend(refs[j], ns, verdicts->Next(index, static_cast<int32_t>(j), false),
                out->add_backends());
  }
  bool supported = ReadFilters(&rule, ns, index, -1, verdicts, out->mutable_filters());
  for (size_t j = 0; j < refs.size(); ++j) {
    if (!ReadFilters(&refs[j], ns, index, static_cast<int32_t>(j), verdicts,
                     out->mutable_backends(static_cast<int>(j))->mutable_filters())) {
      // Only this backend's share of the traffic is refused.
      out->mutable_backends(static_cast<int>(j))->set_valid(false);
    }
  }
  if (!supported) {
    for (v1::Backend& b : *out->mutable_backends()) b.set_valid(false);
  }
  if (const Value* t = rule.Find("timeouts")) {
    v1::Timeouts* timeouts = out->mutable_timeouts();
    if (int64_t ms = ParseDurationMs(Text(t, "request")); ms >= 0) timeouts->set_request_ms(ms);
    if (int64_t ms = ParseDurationMs(Text(t, "backendRequest")); ms >= 0) {
      timeouts->set_backend_request_ms(ms);
    }
  }
  if (const Value* r = rule.Find("retry")) {
    v1::Retry* retry = out->mutable_retry();
    for (const Value& c : Items(r, "codes")) {
      if (c.is_int()) retry->add_codes(static_cast<uint32_t>(c.int_value()));
    }
    if (int64_t n = Number(r, "attempts", -1); n >= 0) retry->set_attempts(static_cast<uint32_t>(n));
    if (int64_t ms = ParseDurationMs(Text(r, "backoff")); ms >= 0) retry->set_backoff_ms(ms);
  }
}

void CompileRoute(const resolve::RoutedRoute& routed, v1::Route* out) {
  const model::Object& o = *routed.route;
  out->set_kind(proto::RouteKindFromName(o.key.kind));
  out->set_namespace_(o.key.ns);
  out->set_name(o.key.name);
  BackendVerdicts verdicts(routed);
  const Value::Array& rules = Items(o.spec(), "rules");
  size_t invalid = 0;
  for (size_t i = 0; i < rules.size(); ++i) {
    v1::Rule* rule = out->add_rules();
    ReadRule(rules[i], static_cast<int32_t>(i), routed, out->kind(), &verdicts, rule);
    if (invalid < routed.invalid_rules.size() &&
        routed.invalid_rules[invalid] == static_cast<int32_t>(i)) {
      rule->set_invalid(true);
      ++invalid;
    }
  }
}

// A condition of an EndpointSlice endpoint; `unset` when absent.
bool Condition(const Value* conditions, absl::string_view key, bool unset) {
  const Value* v = conditions != nullptr ? conditions->Find(key) : nullptr;
  return v != nullptr && v->is_bool() ? v->bool_value() : unset;
}

// The Service `ns/name` with the endpoints of its EndpointSlices.
void CompileService(const model::Store& store, const model::Object& svc, v1::Service* out) {
  out->set_namespace_(svc.key.ns);
  out->set_name(svc.key.name);
  const Value* spec = svc.spec();
  for (const Value& ip : Items(spec, "clusterIPs")) {
    if (ip.is_string() && ip.string_value() != "None") out->add_cluster_ips(ip.string_value());
  }
  if (out->cluster_ips().empty()) {
    std::string ip = Text(spec, "clusterIP");
    if (!ip.empty() && ip != "None") out->add_cluster_ips(ip);
  }
  for (const Value& p : Items(spec, "ports")) {
    v1::ServicePort* port = out->add_ports();
    port->set_name(Text(&p, "name"));
    port->set_port(static_cast<uint32_t>(Number(&p, "port", 0)));
    port->set_protocol(Text(&p, "protocol", "TCP"));
    port->set_app_protocol(Text(&p, "appProtocol"));
    int64_t target = Number(&p, "targetPort", -1);
    if (target < 0 && Text(&p, "targetPort").empty()) target = port->port();  // defaults to port
    port->set_target_port(target > 0 ? static_cast<uint32_t>(target) : 0);
  }
  // EndpointSlices of the namespace are adjacent in the store's key order.
  model::ObjectKey first{std::string(model::kDiscoveryGroup), "EndpointSlice", svc.key.ns, ""};
  const auto& objects = store.objects();
  for (auto it = objects.lower_bound(first); it != objects.end(); ++it) {
    const model::ObjectKey& k = it->first;
    if (k.group != first.group || k.kind != first.kind || k.ns != first.ns) break;
    const model::Object& slice = *it->second;
    const Value* labels = slice.body.FindPath({"metadata", "labels"});
    if (Text(labels, "kubernetes.io/service-name") != svc.key.name) continue;
    std::vector<v1::EndpointPort> ports;
    for (const Value& p : Items(&slice.body, "ports")) {
      v1::EndpointPort port;
      port.set_name(Text(&p, "name"));
      port.set_port(static_cast<uint32_t>(Number(&p, "port", 0)));
      port.set_protocol(Text(&p, "protocol", "TCP"));
      ports.push_back(std::move(port));
    }
    for (const Value& e : Items(&slice.body, "endpoints")) {
      const Value* conditions = e.Find("conditions");
      for (const Value& addr : Items(&e, "addresses")) {
        if (!addr.is_string()) continue;
        v1::Endpoint* ep = out->add_endpoints();
        ep->set_address(addr.string_value());
        ep->set_ready(Condition(conditions, "ready", true));
        ep->set_terminating(Condition(conditions, "terminating", false));
        for (const v1::EndpointPort& p : ports) *ep->add_ports() = p;
      }
    }
  }
}

}  // namespace

int64_t ParseDurationMs(absl::string_view text) {
  // Gateway API Duration: ^([0-9]{1,5}(h|m|s|ms)){1,4}$ (GEP-2257).
  if (text.empty()) return -1;
  int64_t total = 0;
  int parts = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i - start > 5 || i == text.size()) return -1;
    int64_t n = 0;
    if (!absl::SimpleAtoi(text.substr(start, i - start), &n)) return -1;
    int64_t unit = 0;
    if (text.substr(i, 2) == "ms") {
      unit = 1;
      i += 2;
    } else if (text[i] == 'h') {
      unit = 3600 * 1000;
      ++i;
    } else if (text[i] == 'm') {
      unit = 60 * 1000;
      ++i;
    } else if (text[i] == 's') {
      unit = 1000;
      ++i;
    } else {
      return -1;
    }
    total += n * unit;
    if (++parts > 4) return -1;
  }
  return total;
}

void CompileConfig(const resolve::Routing& routing, const model::Store& store, uint64_t revision,
                   v1::Snapshot* out) {
  out->Clear();
  out->set_revision(revision);
  std::set<std::pair<std::string, std::string>> services;  // sorted ns/name
  for (const resolve::RoutedRoute& r : routing.routes) {
    CompileRoute(r, out->add_routes());
    for (const resolve::RoutedBackend& b : r.backends) {
      if (b.valid) services.emplace(b.service_ns, b.service_name);
    }
  }
  for (const auto& [ns, name] : services) {
    const model::Object* svc =
        store.Get(model::ObjectKey{std::string(model::kCoreGroup), "Service", ns, name});
    if (svc != nullptr) CompileService(store, *svc, out->add_services());
  }
  for (const resolve::RoutedGateway& g : routing.gateways) {
    v1::Gateway* gw = out->add_gateways();
    gw->set_namespace_(g.gateway->key.ns);
    gw->set_name(g.gateway->key.name);
    for (const std::string& a : g.addresses) gw->add_addresses(a);
    if (g.backend_client_certificate) {
      SetCertificate(*g.backend_client_certificate, gw->mutable_backend_client_certificate());
    }
    for (const resolve::RoutedListener& l : g.listeners) {
      v1::Listener* listener = gw->add_listeners();
      listener->set_name(l.name);
      listener->set_listener_set(l.listener_set);
      listener->set_port(static_cast<uint32_t>(l.port));
      listener->set_protocol(proto::ProtocolFromName(l.protocol));
      listener->set_hostname(absl::AsciiStrToLower(l.hostname));
      listener->set_tls_mode(proto::TlsModeFromName(l.tls_mode));
      for (const resolve::CertificateRef& c : l.certificates) {
        SetCertificate(c, listener->add_certificates());
      }
      if (!l.client_validation_mode.empty()) {
        v1::ClientValidation* cv = listener->mutable_client_validation();
        cv->set_mode(l.client_validation_mode);
        for (const resolve::CertificateRef& c : l.client_ca_certificates) {
          SetCertificate(c, cv->add_ca_certificates());
        }
      }
      for (const resolve::RoutedAttachment& a : l.attachments) {
        v1::Attachment* at = listener->add_attachments();
        at->set_route(static_cast<uint32_t>(a.route));
        for (const std::string& h : a.hostnames) at->add_hostnames(h);
      }
    }
  }
}

}  // namespace gwapi::compile
