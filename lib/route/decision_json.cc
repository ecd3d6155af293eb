#include "lib/route/decision_json.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/model/value.h"
#include "lib/proto/names.h"

namespace gwapi::route {
namespace {

namespace v1 = gwapi::v1;
using model::AppendJsonString;

// Appends `"key":` (with a leading comma unless first).
class JsonObject {
 public:
  explicit JsonObject(std::string* out) : out_(out) { out_->push_back('{'); }
  std::string* Key(absl::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendJsonString(key, out_);
    out_->push_back(':');
    return out_;
  }
  void String(absl::string_view key, absl::string_view value) { AppendJsonString(value, Key(key)); }
  void Number(absl::string_view key, int64_t value) { absl::StrAppend(Key(key), value); }
  void Bool(absl::string_view key, bool value) { Key(key)->append(value ? "true" : "false"); }
  void Close() { out_->push_back('}'); }

 private:
  std::string* out_;
  bool first_ = true;
};

// The snapshot's Service `ns/name` (services are sorted by namespace/name),
// or nullptr.
const v1::Service* FindService(const v1::Snapshot& c, absl::string_view ns,
                               absl::string_view name) {
  auto it = std::lower_bound(
      c.services().begin(), c.services().end(), std::make_pair(ns, name),
      [](const v1::Service& s, const std::pair<absl::string_view, absl::string_view>& k) {
        return std::make_pair(absl::string_view(s.namespace_()), absl::string_view(s.name())) < k;
      });
  if (it == c.services().end() || it->namespace_() != ns || it->name() != name) return nullptr;
  return &*it;
}

// "Kind namespace/name".
std::string CertificateText(const v1::CertificateRef& r) {
  return absl::StrCat(r.kind(), " ", r.namespace_(), "/", r.name());
}

void AppendCertificates(const google::protobuf::RepeatedPtrField<v1::CertificateRef>& refs,
                        std::string* out) {
  out->push_back('[');
  for (int i = 0; i < refs.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(CertificateText(refs[i]), out);
  }
  out->push_back(']');
}

// How the Gateway connects to a backend under a BackendTLSPolicy: the SNI,
// the CAs and names it validates, and the client certificate it presents
// (the Gateway's, when `gw` has one).
void AppendBackendTls(const v1::BackendTls& tls, const v1::Gateway* gw, std::string* out) {
  JsonObject o(out);
  o.String("sni", tls.sni());
  AppendCertificates(tls.ca_certificates(), o.Key("caCertificates"));
  o.Bool("systemCa", tls.system_ca());
  std::string* sans = o.Key("subjectAltNames");
  sans->push_back('[');
  for (int i = 0; i < tls.subject_alt_names_size(); ++i) {
    if (i > 0) sans->push_back(',');
    sans->push_back('[');
    AppendJsonString(tls.subject_alt_names(i).type(), sans);
    sans->push_back(',');
    AppendJsonString(tls.subject_alt_names(i).value(), sans);
    sans->push_back(']');
  }
  sans->push_back(']');
  if (gw != nullptr && gw->has_backend_client_certificate()) {
    o.String("clientCertificate", CertificateText(gw->backend_client_certificate()));
  }
  o.Close();
}

void AppendBackend(const v1::Snapshot& c, const v1::Gateway* gw, const v1::Backend& b,
                   std::string* out) {
  JsonObject o(out);
  o.String("kind", b.kind().empty() ? "Service" : b.kind());
  o.String("namespace", b.namespace_());
  o.String("name", b.name());
  o.Number("port", b.port());
  o.Number("weight", b.weight());
  o.Bool("valid", b.valid());
  o.String("appProtocol", b.app_protocol());
  if (b.has_tls()) {
    o.String("tlsSni", b.tls().sni());
    AppendBackendTls(b.tls(), gw, o.Key("tls"));
  }
  // Where a proxy sends it: the Service's cluster IPs (the socket load
  // balancer picks the endpoint).
  std::string* ips = o.Key("clusterIps");
  ips->push_back('[');
  if (const v1::Service* s = b.valid() ? FindService(c, b.namespace_(), b.name()) : nullptr) {
    for (int i = 0; i < s->cluster_ips_size(); ++i) {
      if (i > 0) ips->push_back(',');
      AppendJsonString(s->cluster_ips(i), ips);
    }
  }
  ips->push_back(']');
  o.Close();
}

bool SameName(absl::string_view a, absl::string_view b) { return absl::EqualsIgnoreCase(a, b); }

// The request headers after `edits`: set replaces every value of a name,
// add appends one, remove drops every value (spec order: set, add, remove).
std::vector<std::pair<std::string, std::string>> EditHeaders(absl::Span<const Header> in,
                                                             const HeaderEdits& edits) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(in.size() + edits.set.size() + edits.add.size());
  for (const Header& h : in) out.emplace_back(std::string(h.name), std::string(h.value));
  for (const HeaderPair& s : edits.set) {
    bool replaced = false;
    for (auto it = out.begin(); it != out.end();) {
      if (!SameName(it->first, s.first)) {
        ++it;
      } else if (!replaced) {
        it->second = s.second;
        replaced = true;
        ++it;
      } else {
        it = out.erase(it);
      }
    }
    if (!replaced) out.emplace_back(s.first, s.second);
  }
  for (const HeaderPair& a : edits.add) out.emplace_back(a.first, a.second);
  for (const std::string& r : edits.remove) {
    std::erase_if(out, [&](const auto& h) { return SameName(h.first, r); });
  }
  return out;
}

}  // namespace

std::string DecisionJson(const Snapshot& snapshot, const Request& request) {
  MatchResult r;
  snapshot.Match(request, &r);
  const v1::Snapshot& config = snapshot.config();
  std::string out;
  JsonObject o(&out);
  o.Number("status", r.status);
  const v1::Gateway* gw = request.gateway >= 0 && request.gateway < config.gateways_size()
                              ? &config.gateways(request.gateway)
                              : nullptr;
  if (gw != nullptr) o.String("gateway", absl::StrCat(gw->namespace_(), "/", gw->name()));
  const v1::Listener* listener =
      gw != nullptr && r.listener >= 0 && r.listener < gw->listeners_size() ? &gw->listeners(r.listener)
                                                                            : nullptr;
  if (listener != nullptr) {
    o.String("listener", listener->name());
    o.String("tlsMode", proto::TlsModeName(listener->tls_mode()));
    if (listener->certificates_size() > 0) {
      AppendCertificates(listener->certificates(), o.Key("certificates"));
    }
    if (listener->has_client_validation()) {
      JsonObject cv(o.Key("clientValidation"));
      cv.String("mode", listener->client_validation().mode());
      AppendCertificates(listener->client_validation().ca_certificates(),
                         cv.Key("caCertificates"));
      cv.Close();
    }
  }
  if (r.route < 0 || r.route >= config.routes_size()) {
    o.Close();
    return out;
  }
  const v1::Route& route = config.routes(r.route);
  {
    JsonObject ro(o.Key("route"));
    ro.String("kind", proto::RouteKindName(route.kind()));
    ro.String("namespace", route.namespace_());
    ro.String("name", route.name());
    ro.Close();
  }
  if (r.rule < 0 || r.rule >= route.rules_size()) {
    o.Close();
    return out;
  }
  const v1::Rule& rule = route.rules(r.rule);
  o.Number("rule", r.rule);
  o.String("ruleName", rule.name());
  if (r.backend >= 0 && r.backend < rule.backends_size()) {
    AppendBackend(config, gw, rule.backends(r.backend), o.Key("backend"));
  }
  std::string* list = o.Key("backends");
  list->push_back('[');
  for (int i = 0; i < rule.backends_size(); ++i) {
    if (i > 0) list->push_back(',');
    AppendBackend(config, gw, rule.backends(i), list);
  }
  list->push_back(']');
  if (r.status >= 300 && r.status < 400) {
    o.String("location", snapshot.RedirectLocation(request, r));
  }
  if (r.status == 0 || r.status == 200 || r.status == 204) {
    RequestEdits edits = snapshot.ApplyFilters(request, r);
    if (r.status == 0) {
      JsonObject req(o.Key("request"));
      req.String("method", request.method);
      req.String("host", edits.host.value_or(std::string(request.host)));
      req.String("path", edits.path.value_or(std::string(request.path)));
      std::string* hs = req.Key("headers");
      hs->push_back('[');
      bool first = true;
      for (const auto& [name, value] : EditHeaders(request.headers, edits.request_headers)) {
        if (!first) hs->push_back(',');
        first = false;
        hs->push_back('[');
        AppendJsonString(name, hs);
        hs->push_back(',');
        AppendJsonString(value, hs);
        hs->push_back(']');
      }
      hs->push_back(']');
      req.Close();
    }
    std::string* rh = o.Key("responseHeaders");
    rh->push_back('[');
    bool first = true;
    auto edit = [&](absl::string_view op, absl::string_view name, absl::string_view value) {
      if (!first) rh->push_back(',');
      first = false;
      rh->push_back('[');
      AppendJsonString(op, rh);
      rh->push_back(',');
      AppendJsonString(name, rh);
      rh->push_back(',');
      AppendJsonString(value, rh);
      rh->push_back(']');
    };
    for (const HeaderPair& h : edits.response_headers.set) edit("set", h.first, h.second);
    for (const HeaderPair& h : edits.response_headers.add) edit("add", h.first, h.second);
    for (const std::string& h : edits.response_headers.remove) edit("remove", h, "");
    rh->push_back(']');
    std::string* ms = o.Key("mirrors");
    ms->push_back('[');
    for (size_t i = 0; i < edits.mirrors.size(); ++i) {
      const Mirror& m = edits.mirrors[i];
      if (i > 0) ms->push_back(',');
      JsonObject mo(ms);
      if (m.backend != nullptr) AppendBackend(config, gw, *m.backend, mo.Key("backend"));
      double pct = m.denominator == 0 ? 0.0 : 100.0 * m.numerator / m.denominator;
      absl::StrAppendFormat(mo.Key("percent"), "%.6g", pct);
      mo.Bool("selected", m.selected);
      mo.Close();
    }
    ms->push_back(']');
    if (edits.timeouts != nullptr) {
      JsonObject t(o.Key("timeouts"));
      if (edits.timeouts->has_request_ms()) t.Number("requestMs", edits.timeouts->request_ms());
      if (edits.timeouts->has_backend_request_ms()) {
        t.Number("backendRequestMs", edits.timeouts->backend_request_ms());
      }
      t.Close();
    }
    if (edits.retry != nullptr) {
      JsonObject t(o.Key("retry"));
      std::string* codes = t.Key("codes");
      codes->push_back('[');
      for (int i = 0; i < edits.retry->codes_size(); ++i) {
        if (i > 0) codes->push_back(',');
        absl::StrAppend(codes, edits.retry->codes(i));
      }
      codes->push_back(']');
      if (edits.retry->has_attempts()) t.Number("attempts", edits.retry->attempts());
      if (edits.retry->has_backoff_ms()) t.Number("backoffMs", edits.retry->backoff_ms());
      t.Close();
    }
  }
  o.Close();
  return out;
}

}  // namespace gwapi::route
