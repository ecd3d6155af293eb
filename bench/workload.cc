#include "bench/workload.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench/rng.h"

namespace gwapi::bench {
namespace {

using model::Value;

// Zipf(s) over [0, n): rank 0 is the most likely.
class Zipf {
 public:
  Zipf(size_t n, double s) {
    cdf_.reserve(n);
    double total = 0;
    for (size_t k = 1; k <= n; ++k) {
      total += 1.0 / std::pow(static_cast<double>(k), s);
      cdf_.push_back(total);
    }
  }
  size_t Sample(Rng& rng) const {
    double x = rng.Unit() * cdf_.back();
    return std::upper_bound(cdf_.begin(), cdf_.end(), x) - cdf_.begin();
  }

 private:
  std::vector<double> cdf_;
};

// ---------------------------------------------------------------------------
// Value construction shorthands.

Value S(absl::string_view s) { return Value::String(std::string(s)); }
Value I(int64_t i) { return Value::Int(i); }
Value B(bool b) { return Value::Bool(b); }
Value Obj(std::initializer_list<Value::Member> members = {}) {
  return Value::MakeObject(Value::Object(members));
}
Value Arr(std::initializer_list<Value> items = {}) { return Value::MakeArray(Value::Array(items)); }
void Push(Value& array, Value v) { array.mutable_array().push_back(std::move(v)); }

// ---------------------------------------------------------------------------
// Vocabulary. Words, not indices, so names, hosts and paths have realistic
// lengths and shared prefixes.

constexpr absl::string_view kTeams[] = {
    "payments", "checkout", "catalog",  "search",        "identity",  "platform", "web",
    "mobile",   "data",     "ml",       "billing",       "shipping",  "inventory", "support",
    "analytics", "ads",     "media",    "notifications", "growth",    "partners"};
constexpr absl::string_view kApps[] = {
    "frontend", "api",     "orders",   "cart",    "checkout",        "payments", "users",
    "auth",     "search",  "catalog",  "inventory", "shipping",      "reviews",  "recommendations",
    "media",    "reports", "graphql",  "admin",   "notifications",   "webhooks"};
constexpr absl::string_view kHostLabels[] = {
    "www",    "api",    "app",     "shop",   "store",   "orders",  "billing", "auth",
    "login",  "cdn",    "static",  "media",  "docs",    "status",  "admin",   "portal",
    "search", "pay",    "checkout", "accounts", "m",    "beta",    "grafana", "dash",
    "catalog", "events", "hooks",  "partners", "help", "blog"};
constexpr absl::string_view kDomains[] = {"example.com",      "example.net",  "example.org",
                                          "api.example.com",  "shop.example.com",
                                          "corp.example.io",  "example.dev"};
constexpr absl::string_view kSegments[] = {
    "users",    "orders",   "items",     "products", "cart",     "checkout", "payments",
    "search",   "catalog",  "inventory", "accounts", "auth",     "login",    "session",
    "profile",  "settings", "admin",     "health",   "metrics",  "static",   "assets",
    "images",   "docs",     "reports",   "events",   "webhooks", "notifications", "billing",
    "invoices", "shipping", "reviews",   "tenants",  "projects", "files",    "export"};
constexpr absl::string_view kHeaderNames[] = {"x-tenant",  "x-canary",    "x-api-version",
                                              "x-user-tier", "x-region", "x-env",
                                              "x-client",  "x-feature-flag"};
constexpr absl::string_view kHeaderValues[] = {"beta", "gold", "v2", "eu-west-1", "canary",
                                               "internal", "mobile-ios", "true", "2024-10"};
constexpr absl::string_view kZones[] = {"a", "b", "c"};
constexpr absl::string_view kQueryNames[] = {"version", "tenant", "debug", "lang", "preview"};

constexpr absl::string_view kGatewayGroup = "gateway.networking.k8s.io";
constexpr absl::string_view kGatewayApiVersion = "gateway.networking.k8s.io/v1";
constexpr absl::string_view kControllerName = "gwapi.dev/gateway-controller";
constexpr absl::string_view kGatewayClassName = "gwapi";
constexpr absl::string_view kInfraNamespace = "gateway-infra";

// A throwaway self-signed P-256 certificate for *.example.com (valid until
// 2126), for the listeners' TLS Secrets. Not a secret; never trust it.
constexpr absl::string_view kTlsCert =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBrjCCAVSgAwIBAgIUVCSR0ut4l3BdQOL15VoA/Oka/ukwCgYIKoZIzj0EAwIw\n"
    "GDEWMBQGA1UEAwwNKi5leGFtcGxlLmNvbTAgFw0yNjExMjYwMTE5MzFaGA8yMTI2\n"
    "MTEwMjAxMTkzMVowGDEWMBQGA1UEAwwNKi5leGFtcGxlLmNvbTBZMBMGByqGSM49\n"
    "AgEGCCqGSM49AwEHA0IABGxId8St2K++f0iyCWY5hH+/zM9KbhUFueLw5jt0Vvnr\n"
    "C7e3KzG54r8V7/kXDSXT6VNXPwwpBa9P1yL8PD1FWGSjejB4MB0GA1UdDgQWBBTK\n"
    "uCEhhQNUADsvx2x4arrA1B7q+DAfBgNVHSMEGDAWgBTKuCEhhQNUADsvx2x4arrA\n"
    "1B7q+DAPBgNVHRMBAf8EBTADAQH/MCUGA1UdEQQeMByCDSouZXhhbXBsZS5jb22C\n"
    "C2V4YW1wbGUuY29tMAoGCCqGSM49BAMCA0gAMEUCIQCeZy+V+EkxsNkq8dp//zIU\n"
    "hMvUlyYU5usCpfccxtVWXgIgN8ZxBrGOYQDo2YvXVBb65HwB02qGz90ddRPiVvWR\n"
    "TKA=\n"
    "-----END CERTIFICATE-----\n";
constexpr absl::string_view kTlsKey =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg4tymiJqGCIQJh7ZS\n"
    "dZU0BqH30P8/eXgL3fKMIgmBOmShRANCAARsSHfErdivvn9IsglmOYR/v8zPSm4V\n"
    "Bbni8OY7dFb56wu3tysxueK/Fe/5Fw0l0+lTVz8MKQWvT9ci/Dw9RVhk\n"
    "-----END PRIVATE KEY-----\n";

// One HTTPS listener per entry; the first is the wildcard one that routes
// may name with sectionName "https". All are covered by kTlsCert.
struct HttpsListener {
  absl::string_view name;
  absl::string_view hostname;
  absl::string_view secret;
};
constexpr HttpsListener kHttpsListeners[] = {
    {"https", "*.example.com", "wildcard-example-com-tls"},
    {"https-www", "www.example.com", "www-example-com-tls"},
    {"https-api", "api.example.com", "api-example-com-tls"},
    {"https-shop", "shop.example.com", "shop-example-com-tls"},
};

struct ServicePort {
  absl::string_view name;
  int port;
  int target_port;
};
constexpr ServicePort kMainPorts[] = {
    {"http", 80, 8080}, {"http", 8080, 8080}, {"https", 443, 8443}, {"grpc", 9090, 9090}};

// ---------------------------------------------------------------------------
// Generation state.

struct Service {
  std::string name;
  std::string uid;
  std::vector<ServicePort> ports;
};

struct RouteParent {
  int gateway;
  bool https_section;  // sectionName "https" (the *.example.com listener)
};

class Generator {
 public:
  explicit Generator(const WorkloadOptions& o) : o_(o), rng_(o.seed) {
    // Timestamps up to a year before a fixed instant; never the wall clock.
    now_ = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z
    resource_version_ = rng_.Range(1'000'000, 9'000'000);
  }

  Workload Run();

 private:
  // Metadata as the API server returns it. `gateway_api` adds generation.
  Value Meta(absl::string_view name, absl::string_view ns, Value labels, Value annotations,
             bool gateway_api, std::string* uid_out = nullptr,
             std::string* created_out = nullptr);
  std::string Timestamp(absl::Time t) const {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
  }
  absl::Time Created() { return now_ - absl::Seconds(rng_.Range(3600, 365 * 86400)); }
  // Labels and annotations of an object managed by Helm or applied with
  // kubectl (the latter gets its last-applied annotation in Finish()).
  void Management(absl::string_view app, absl::string_view ns, Value* labels,
                  Value* annotations, bool* last_applied);
  // Adds kubectl's last-applied-configuration: the object as the user wrote
  // it, compact JSON with sorted keys and a trailing newline.
  void AddLastApplied(Value* obj);
  Value Condition(absl::string_view type, absl::string_view reason, absl::string_view message,
                  int64_t generation, const std::string& created);

  void MakeHostnames();
  std::string MakePath(int depth);
  std::string MakeRegex();
  Value MakeMatch(bool* is_prefix);
  Value MakeBackendRef(absl::string_view ns, const Service& svc, bool with_ns, int weight);
  Value MakeFilters(const Value& matches, int ns_index, bool* redirect);
  Value MakeRoute(int index, int ns_index);

  void AddNamespace(const std::string& name, absl::string_view team);
  void AddGatewayClass();
  void AddSecrets();
  void AddGateways();
  void AddService(int ns_index, int k);
  void AddEndpointSlice(absl::string_view ns, const Service& svc);
  void AddReferenceGrant(const std::string& from_ns, const std::string& to_ns);

  const WorkloadOptions& o_;
  Rng rng_;
  absl::Time now_;
  int64_t resource_version_;
  uint32_t next_pod_ip_ = 0;
  uint32_t next_cluster_ip_ = 10;

  std::vector<std::string> namespaces_;
  std::vector<std::vector<Service>> services_;  // by namespace index
  std::vector<std::string> hostnames_;
  std::vector<std::vector<RouteParent>> route_parents_;
  std::set<std::pair<std::string, std::string>> grants_;  // (from ns, to ns)
  std::unique_ptr<Zipf> host_zipf_;  // over hostnames_

  Workload w_;
};

Value Generator::Meta(absl::string_view name, absl::string_view ns, Value labels,
                      Value annotations, bool gateway_api, std::string* uid_out,
                      std::string* created_out) {
  std::string uid = rng_.Uuid();
  std::string created = Timestamp(Created());
  resource_version_ += rng_.Range(1, 40);
  Value m = Obj({{"name", S(name)}});
  if (!ns.empty()) m.Set("namespace", S(ns));
  if (labels.is_object() && !labels.object().empty()) m.Set("labels", std::move(labels));
  if (annotations.is_object() && !annotations.object().empty()) {
    m.Set("annotations", std::move(annotations));
  }
  m.Set("creationTimestamp", S(created));
  if (gateway_api) m.Set("generation", I(rng_.Chance(0.7) ? 1 : rng_.Range(2, 6)));
  m.Set("resourceVersion", S(absl::StrCat(resource_version_)));
  m.Set("uid", S(uid));
  if (uid_out != nullptr) *uid_out = uid;
  if (created_out != nullptr) *created_out = created;
  return m;
}

void Generator::Management(absl::string_view app, absl::string_view ns, Value* labels,
                           Value* annotations, bool* last_applied) {
  *labels = Obj({{"app.kubernetes.io/name", S(app)}, {"app.kubernetes.io/part-of", S(ns)}});
  *annotations = Obj();
  *last_applied = rng_.Chance(o_.last_applied_fraction);
  if (!*last_applied && rng_.Chance(0.5)) {
    std::string release = absl::StrCat(app, "-", ns);
    // Helm's release-name limit; a label value must end alphanumeric.
    if (release.size() > 53) release.resize(53);
    while (!release.empty() && release.back() == '-') release.pop_back();
    labels->Set("app.kubernetes.io/managed-by", S("Helm"));
    labels->Set("app.kubernetes.io/instance", S(release));
    labels->Set("helm.sh/chart", S(absl::StrCat(app, "-1.", rng_.Range(0, 20), ".", rng_.Range(0, 9))));
    annotations->Set("meta.helm.sh/release-name", S(release));
    annotations->Set("meta.helm.sh/release-namespace", S(ns));
  }
  if (rng_.Chance(0.3)) labels->Set("environment", S(rng_.Chance(0.8) ? "production" : "staging"));
  if (rng_.Chance(0.1)) {
    annotations->Set("description", S(absl::StrCat("Owned by the ", ns, " team; page #", ns,
                                                   "-oncall before changing.")));
  }
}

// The JSON of a Value with sorted keys (Go's encoding/json for maps);
// indent 0 is compact, otherwise the pretty form of json.MarshalIndent.
void WriteJson(const Value& v, int indent, int depth, std::string* out) {
  auto newline = [&](int d) {
    if (indent == 0) return;
    out->push_back('\n');
    out->append(static_cast<size_t>(indent * d), ' ');
  };
  switch (v.type()) {
    case Value::Type::kArray: {
      if (v.array().empty()) {
        out->append("[]");
        return;
      }
      out->push_back('[');
      bool first = true;
      for (const Value& item : v.array()) {
        if (!first) out->push_back(',');
        first = false;
        newline(depth + 1);
        WriteJson(item, indent, depth + 1, out);
      }
      newline(depth);
      out->push_back(']');
      return;
    }
    case Value::Type::kObject: {
      if (v.object().empty()) {
        out->append("{}");
        return;
      }
      std::vector<const Value::Member*> members;
      members.reserve(v.object().size());
      for (const Value::Member& m : v.object()) members.push_back(&m);
      std::sort(members.begin(), members.end(),
                [](const Value::Member* a, const Value::Member* b) { return a->first < b->first; });
      out->push_back('{');
      bool first = true;
      for (const Value::Member* m : members) {
        if (!first) out->push_back(',');
        first = false;
        newline(depth + 1);
        model::AppendJsonString(m->first, out);
        out->append(indent == 0 ? ":" : ": ");
        WriteJson(m->second, indent, depth + 1, out);
      }
      newline(depth);
      out->push_back('}');
      return;
    }
    default:
      v.AppendJson(out);
  }
}

void Generator::AddLastApplied(Value* obj) {
  Value applied = Obj();
  for (const Value::Member& m : obj->object()) {
    if (m.first == "status") continue;
    if (m.first != "metadata") {
      applied.Set(m.first, m.second);
      continue;
    }
    Value md = Obj();
    for (absl::string_view key : {"annotations", "labels", "name", "namespace"}) {
      if (const Value* f = m.second.Find(key)) md.Set(std::string(key), *f);
    }
    applied.Set("metadata", std::move(md));
  }
  std::string json;
  WriteJson(applied, 0, 0, &json);
  json.push_back('\n');
  Value* md = obj->FindMutable("metadata");
  Value* annotations = md->FindMutable("annotations");
  if (annotations == nullptr) annotations = &md->Set("annotations", Obj());
  annotations->Set("kubectl.kubernetes.io/last-applied-configuration", S(json));
}

Value Generator::Condition(absl::string_view type, absl::string_view reason,
                           absl::string_view message, int64_t generation,
                           const std::string& created) {
  // A transition a few minutes after creation, kept as text: RFC 3339 sorts.
  absl::Time t;
  std::string err;
  absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", created, &t, &err);
  return Obj({{"lastTransitionTime", S(Timestamp(t + absl::Seconds(rng_.Range(1, 900))))},
              {"message", S(message)},
              {"observedGeneration", I(generation)},
              {"reason", S(reason)},
              {"status", S("True")},
              {"type", S(type)}});
}

void Generator::AddNamespace(const std::string& name, absl::string_view team) {
  Value labels = Obj({{"kubernetes.io/metadata.name", S(name)}, {"team", S(team)}});
  Value ns = Obj({{"apiVersion", S("v1")},
                  {"kind", S("Namespace")},
                  {"metadata", Meta(name, "", std::move(labels), Obj(), false)},
                  {"spec", Obj({{"finalizers", Arr({S("kubernetes")})}})}});
  if (o_.include_status) ns.Set("status", Obj({{"phase", S("Active")}}));
  w_.objects.push_back(std::move(ns));
  ++w_.counts.namespaces;
}

void Generator::AddGatewayClass() {
  Value labels, annotations;
  bool last_applied;
  Management("gwapi", kInfraNamespace, &labels, &annotations, &last_applied);
  std::string created;
  Value md = Meta(kGatewayClassName, "", std::move(labels), std::move(annotations), true, nullptr,
                  &created);
  int64_t gen = md.Find("generation")->int_value();
  Value gc = Obj({{"apiVersion", S(kGatewayApiVersion)},
                  {"kind", S("GatewayClass")},
                  {"metadata", std::move(md)},
                  {"spec", Obj({{"controllerName", S(kControllerName)},
                                {"description", S("gwapi benchmark workload")}})}});
  if (o_.include_status) {
    gc.Set("status", Obj({{"conditions", Arr({Condition("Accepted", "Accepted",
                                                        "Handled by gwapi", gen, created)})}}));
  }
  if (last_applied) AddLastApplied(&gc);
  w_.objects.push_back(std::move(gc));
  ++w_.counts.gateway_classes;
}

void Generator::AddSecrets() {
  const std::string crt = absl::Base64Escape(kTlsCert);
  const std::string key = absl::Base64Escape(kTlsKey);
  for (const HttpsListener& l : kHttpsListeners) {
    Value labels = Obj({{"app.kubernetes.io/managed-by", S("cert-manager")}});
    Value annotations = Obj({{"cert-manager.io/certificate-name", S(l.secret)},
                             {"cert-manager.io/issuer-kind", S("ClusterIssuer")},
                             {"cert-manager.io/issuer-name", S("letsencrypt-prod")}});
    Value secret = Obj({{"apiVersion", S("v1")},
                        {"kind", S("Secret")},
                        {"metadata", Meta(l.secret, kInfraNamespace, std::move(labels),
                                          std::move(annotations), false)},
                        {"type", S("kubernetes.io/tls")},
                        {"data", Obj({{"tls.crt", S(crt)}, {"tls.key", S(key)}})}});
    w_.objects.push_back(std::move(secret));
    ++w_.counts.secrets;
  }
}

void Generator::AddGateways() {
  const int n = std::max(1, o_.gateways);
  // Routes attached per (gateway, listener): http counts every parent,
  // https only parents with that sectionName. What a controller would
  // report, ignoring hostname intersection (no listener rejects here).
  std::vector<int> attached_all(n, 0), attached_https(n, 0);
  for (const auto& parents : route_parents_) {
    for (const RouteParent& p : parents) {
      if (p.https_section) {
        ++attached_https[p.gateway];
      } else {
        ++attached_all[p.gateway];
      }
    }
  }
  for (int g = 0; g < n; ++g) {
    std::string name = absl::StrCat("gateway-", g);
    Value from_all = Obj({{"namespaces", Obj({{"from", S("All")}})}});
    Value listeners = Arr({Obj({{"allowedRoutes", from_all},
                                {"name", S("http")},
                                {"port", I(80)},
                                {"protocol", S("HTTP")}})});
    for (const HttpsListener& l : kHttpsListeners) {
      Push(listeners,
           Obj({{"allowedRoutes", from_all},
                {"hostname", S(l.hostname)},
                {"name", S(l.name)},
                {"port", I(443)},
                {"protocol", S("HTTPS")},
                {"tls", Obj({{"certificateRefs", Arr({Obj({{"group", S("")},
                                                           {"kind", S("Secret")},
                                                           {"name", S(l.secret)}})})},
                             {"mode", S("Terminate")}})}}));
    }
    Value labels, annotations;
    bool last_applied;
    Management("gateway", kInfraNamespace, &labels, &annotations, &last_applied);
    std::string created;
    Value md = Meta(name, kInfraNamespace, std::move(labels), std::move(annotations), true,
                    nullptr, &created);
    int64_t gen = md.Find("generation")->int_value();
    Value gw = Obj({{"apiVersion", S(kGatewayApiVersion)},
                    {"kind", S("Gateway")},
                    {"metadata", std::move(md)},
                    {"spec", Obj({{"gatewayClassName", S(kGatewayClassName)},
                                  {"listeners", std::move(listeners)}})}});
    if (o_.include_status) {
      Value kinds = Arr({Obj({{"group", S(kGatewayGroup)}, {"kind", S("HTTPRoute")}}),
                         Obj({{"group", S(kGatewayGroup)}, {"kind", S("GRPCRoute")}})});
      Value listener_status = Arr();
      auto add = [&](absl::string_view lname, int attached) {
        Push(listener_status,
             Obj({{"attachedRoutes", I(attached)},
                  {"conditions",
                   Arr({Condition("Accepted", "Accepted", "Listener is accepted", gen, created),
                        Condition("Programmed", "Programmed", "Listener is programmed", gen,
                                  created),
                        Condition("ResolvedRefs", "ResolvedRefs", "Resolved all references",
                                  gen, created)})},
                  {"name", S(lname)},
                  {"supportedKinds", kinds}}));
      };
      add("http", attached_all[g] + attached_https[g]);
      for (const HttpsListener& l : kHttpsListeners) {
        add(l.name, attached_all[g] + (l.name == "https" ? attached_https[g] : 0));
      }
      gw.Set("status",
             Obj({{"addresses", Arr({Obj({{"type", S("IPAddress")},
                                          {"value", S(absl::StrCat("172.18.", 200 + g / 250,
                                                                   ".", 1 + g % 250))}})})},
                  {"conditions",
                   Arr({Condition("Accepted", "Accepted", "Gateway is accepted", gen, created),
                        Condition("Programmed", "Programmed", "Gateway is programmed", gen,
                                  created)})},
                  {"listeners", std::move(listener_status)}}));
    }
    if (last_applied) AddLastApplied(&gw);
    w_.objects.push_back(std::move(gw));
    ++w_.counts.gateways;
  }
}

void Generator::AddService(int ns_index, int k) {
  const std::string& ns = namespaces_[ns_index];
  Service svc;
  constexpr size_t kNumApps = sizeof(kApps) / sizeof(kApps[0]);
  svc.name = std::string(kApps[k % kNumApps]);
  if (k >= static_cast<int>(kNumApps)) absl::StrAppend(&svc.name, "-", k / kNumApps);
  svc.ports.push_back(kMainPorts[rng_.Weighted({60, 25, 5, 10})]);
  if (rng_.Chance(0.2)) svc.ports.push_back({"metrics", 9100, 9100});

  Value labels, annotations;
  bool last_applied;
  Management(svc.name, ns, &labels, &annotations, &last_applied);
  Value md = Meta(svc.name, ns, std::move(labels), std::move(annotations), false, &svc.uid);
  uint32_t ipn = next_cluster_ip_++;
  std::string ip = absl::StrCat("10.96.", (ipn >> 8) & 0xff, ".", ipn & 0xff);
  Value ports = Arr();
  for (const ServicePort& p : svc.ports) {
    Push(ports, Obj({{"name", S(p.name)},
                     {"port", I(p.port)},
                     {"protocol", S("TCP")},
                     {"targetPort", I(p.target_port)}}));
  }
  Value s = Obj({{"apiVersion", S("v1")},
                 {"kind", S("Service")},
                 {"metadata", std::move(md)},
                 {"spec", Obj({{"clusterIP", S(ip)},
                               {"clusterIPs", Arr({S(ip)})},
                               {"internalTrafficPolicy", S("Cluster")},
                               {"ipFamilies", Arr({S("IPv4")})},
                               {"ipFamilyPolicy", S("SingleStack")},
                               {"ports", std::move(ports)},
                               {"selector", Obj({{"app.kubernetes.io/name", S(svc.name)}})},
                               {"sessionAffinity", S("None")},
                               {"type", S("ClusterIP")}})}});
  if (o_.include_status) s.Set("status", Obj({{"loadBalancer", Obj()}}));
  if (last_applied) AddLastApplied(&s);
  w_.objects.push_back(std::move(s));
  ++w_.counts.services;
  services_[ns_index].push_back(std::move(svc));
}

void Generator::AddEndpointSlice(absl::string_view ns, const Service& svc) {
  const int max_endpoints = std::max(1, o_.max_endpoints_per_service);
  // Median 1 endpoint, mean about 8, a long tail up to the maximum.
  int n = 1 + static_cast<int>(std::floor(std::pow(rng_.Unit(), 6.0) * max_endpoints));
  n = std::min(n, max_endpoints);
  std::string name = absl::StrCat(svc.name, "-", rng_.Suffix(5));
  std::string pod_prefix = absl::StrCat(svc.name, "-", rng_.Suffix(9), "-");
  Value endpoints = Arr();
  for (int i = 0; i < n; ++i) {
    uint32_t ipn = next_pod_ip_++;
    bool ready = !rng_.Chance(0.02);
    Push(endpoints,
         Obj({{"addresses", Arr({S(absl::StrCat("10.", 244 + ((ipn >> 16) % 12), ".",
                                                (ipn >> 8) & 0xff, ".", ipn & 0xff))})},
              {"conditions", Obj({{"ready", B(ready)},
                                  {"serving", B(ready)},
                                  {"terminating", B(false)}})},
              {"nodeName", S(absl::StrCat("worker-", rng_.Range(1, 24)))},
              {"targetRef", Obj({{"kind", S("Pod")},
                                 {"name", S(absl::StrCat(pod_prefix, rng_.Suffix(5)))},
                                 {"namespace", S(ns)},
                                 {"uid", S(rng_.Uuid())}})},
              {"zone", S(absl::StrCat("eu-west-1", rng_.Pick(kZones)))}}));
  }
  Value ports = Arr();
  for (const ServicePort& p : svc.ports) {
    Push(ports, Obj({{"name", S(p.name)}, {"port", I(p.target_port)}, {"protocol", S("TCP")}}));
  }
  Value labels = Obj({{"app.kubernetes.io/name", S(svc.name)},
                      {"endpointslice.kubernetes.io/managed-by",
                       S("endpointslice-controller.k8s.io")},
                      {"kubernetes.io/service-name", S(svc.name)}});
  std::string created;
  Value md = Meta(name, ns, std::move(labels), Obj(), false, nullptr, &created);
  md.Set("annotations", Obj({{"endpoints.kubernetes.io/last-change-trigger-time", S(created)}}));
  md.Set("generateName", S(absl::StrCat(svc.name, "-")));
  md.Set("ownerReferences", Arr({Obj({{"apiVersion", S("v1")},
                                      {"blockOwnerDeletion", B(true)},
                                      {"controller", B(true)},
                                      {"kind", S("Service")},
                                      {"name", S(svc.name)},
                                      {"uid", S(svc.uid)}})}));
  w_.objects.push_back(Obj({{"addressType", S("IPv4")},
                            {"apiVersion", S("discovery.k8s.io/v1")},
                            {"endpoints", std::move(endpoints)},
                            {"kind", S("EndpointSlice")},
                            {"metadata", std::move(md)},
                            {"ports", std::move(ports)}}));
  ++w_.counts.endpoint_slices;
}

void Generator::AddReferenceGrant(const std::string& from_ns, const std::string& to_ns) {
  Value labels, annotations;
  bool last_applied;
  Management("reference-grant", to_ns, &labels, &annotations, &last_applied);
  Value grant = Obj(
      {{"apiVersion", S(kGatewayApiVersion)},
       {"kind", S("ReferenceGrant")},
       {"metadata", Meta(absl::StrCat("allow-routes-from-", from_ns), to_ns, std::move(labels),
                         std::move(annotations), true)},
       {"spec", Obj({{"from", Arr({Obj({{"group", S(kGatewayGroup)},
                                        {"kind", S("HTTPRoute")},
                                        {"namespace", S(from_ns)}})})},
                     {"to", Arr({Obj({{"group", S("")}, {"kind", S("Service")}})})}})}});
  if (last_applied) AddLastApplied(&grant);
  w_.objects.push_back(std::move(grant));
  ++w_.counts.reference_grants;
}

void Generator::MakeHostnames() {
  const int n = std::max(1, o_.hostnames > 0
                                ? o_.hostnames
                                : static_cast<int>(std::lround(0.6 * o_.http_routes)));
  const int wildcards = static_cast<int>(std::lround(n * o_.wildcard_hostname_fraction));
  absl::flat_hash_set<std::string> seen;
  std::vector<std::string> exact;
  int counter = 0;
  while (static_cast<int>(exact.size()) < n - wildcards) {
    std::string label(rng_.Pick(kHostLabels));
    absl::string_view domain = rng_.Pick(kDomains);
    std::string host = absl::StrCat(label, ".", domain);
    // Natural names while they last, then numbered ones ("orders-17").
    if (seen.contains(host)) host = absl::StrCat(label, "-", ++counter, ".", domain);
    if (seen.insert(host).second) exact.push_back(std::move(host));
  }
  std::vector<std::string> pool = exact;
  int made = 0, attempts = 0;
  while (made < wildcards && attempts++ < 100 * (wildcards + 1)) {
    std::string host;
    if (!exact.empty() && rng_.Chance(0.5)) {
      // Covers an exact host of the pool (hostname precedence cases).
      const std::string& e = exact[rng_.Range(0, exact.size() - 1)];
      host = absl::StrCat("*", e.substr(e.find('.')));
    } else {
      host = absl::StrCat("*.", rng_.Pick(kHostLabels));
      if (rng_.Chance(0.3)) absl::StrAppend(&host, "-", rng_.Range(1, 99));
      if (rng_.Chance(0.2)) absl::StrAppend(&host, ".", rng_.Pick(kHostLabels));
      absl::StrAppend(&host, ".", rng_.Pick(kDomains));
    }
    if (seen.insert(host).second) {
      pool.push_back(std::move(host));
      ++made;
    }
  }
  // Shuffle so the Zipf ranks fall on exact and wildcard hosts alike.
  for (size_t i = pool.size(); i > 1; --i) std::swap(pool[i - 1], pool[rng_.Range(0, i - 1)]);
  hostnames_ = std::move(pool);
}

std::string Generator::MakePath(int depth) {
  std::string path;
  int d = 0;
  if (depth >= 2 && rng_.Chance(0.5)) {
    path = absl::StrCat("/api/v", rng_.Range(1, 3));
    d = 2;
  }
  std::vector<absl::string_view> used;
  for (; d < depth; ++d) {
    // No segment twice in one path ("/admin/users/admin" reads as a bug).
    absl::string_view seg = rng_.Pick(kSegments);
    for (int tries = 0; tries < 8 && std::find(used.begin(), used.end(), seg) != used.end();
         ++tries) {
      seg = rng_.Pick(kSegments);
    }
    used.push_back(seg);
    absl::StrAppend(&path, "/", seg);
    if (d > 0 && rng_.Chance(0.1)) absl::StrAppend(&path, "-", rng_.Range(1, 9));
  }
  return path;
}

std::string Generator::MakeRegex() {
  absl::string_view a = rng_.Pick(kSegments), b = rng_.Pick(kSegments), c = rng_.Pick(kSegments);
  switch (rng_.Range(0, 4)) {
    case 0:
      return absl::StrCat("^/api/v[0-9]+/", a, "/[^/]+/", b, "(/[0-9]+)?$");
    case 1:
      return absl::StrCat("^/", a, "/[0-9]{1,12}$");
    case 2:
      return absl::StrCat("/", a, "/.*\\.(png|jpe?g|gif|css|js)$");
    case 3:
      return absl::StrCat("^/", a, "/(", b, "|", c, ")/[a-z0-9-]+$");
    default:
      return absl::StrCat("^/api/v[0-9]+/object/[\\w]{32}/", a, "$");
  }
}

Value Generator::MakeMatch(bool* is_prefix) {
  Value m = Obj();
  Value path;
  *is_prefix = false;
  if (rng_.Chance(o_.regex_match_fraction)) {
    path = Obj({{"type", S("RegularExpression")}, {"value", S(MakeRegex())}});
  } else {
    int lo = std::clamp(o_.min_path_depth, 1, 64);
    int hi = std::clamp(o_.max_path_depth, lo, 64);
    std::string value = MakePath(static_cast<int>(rng_.Range(lo, hi)));
    if (rng_.Chance(o_.exact_match_fraction / std::max(1e-9, 1 - o_.regex_match_fraction))) {
      path = Obj({{"type", S("Exact")}, {"value", S(value)}});
    } else {
      if (rng_.Chance(0.1)) value.push_back('/');
      path = Obj({{"type", S("PathPrefix")}, {"value", S(value)}});
      *is_prefix = true;
    }
  }
  m.Set("path", std::move(path));
  if (rng_.Chance(0.15)) {
    static constexpr absl::string_view kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH"};
    m.Set("method", S(kMethods[rng_.Weighted({60, 25, 6, 5, 4})]));
  }
  if (rng_.Chance(o_.header_match_fraction)) {
    Value headers = Arr();
    size_t first = rng_.Range(0, std::size(kHeaderNames) - 1);
    int count = rng_.Chance(0.8) ? 1 : 2;
    for (int h = 0; h < count; ++h) {
      // Distinct names: the list is a map keyed by name.
      absl::string_view name = kHeaderNames[(first + h) % std::size(kHeaderNames)];
      if (rng_.Chance(0.1)) {
        Push(headers, Obj({{"name", S(name)},
                           {"type", S("RegularExpression")},
                           {"value", S("^(gold|platinum)-[0-9]+$")}}));
      } else {
        Push(headers, Obj({{"name", S(name)},
                           {"type", S("Exact")},
                           {"value", S(rng_.Pick(kHeaderValues))}}));
      }
    }
    m.Set("headers", std::move(headers));
  }
  if (rng_.Chance(0.03)) {
    m.Set("queryParams", Arr({Obj({{"name", S(rng_.Pick(kQueryNames))},
                                   {"type", S("Exact")},
                                   {"value", S(absl::StrCat(rng_.Range(1, 3)))}})}));
  }
  return m;
}

Value Generator::MakeBackendRef(absl::string_view ns, const Service& svc, bool with_ns,
                                int weight) {
  Value ref = Obj({{"group", S("")}, {"kind", S("Service")}, {"name", S(svc.name)}});
  if (with_ns) ref.Set("namespace", S(ns));
  ref.Set("port", I(svc.ports[0].port));
  ref.Set("weight", I(weight));
  return ref;
}

Value Generator::MakeFilters(const Value& matches, int ns_index, bool* redirect) {
  *redirect = false;
  Value filters = Arr();
  bool single_prefix = matches.array().size() == 1 &&
                       matches.array()[0].FindPath({"path", "type"})->string_value() ==
                           "PathPrefix";
  auto header_modifier = [&](absl::string_view type, absl::string_view field) {
    Value mod = Obj();
    if (rng_.Chance(0.6)) {
      mod.Set("set", Arr({Obj({{"name", S("X-Forwarded-Prefix")},
                                {"value", S(absl::StrCat("/", rng_.Pick(kSegments)))}})}));
    }
    if (rng_.Chance(0.5) || mod.object().empty()) {
      mod.Set("add", Arr({Obj({{"name", S("X-Request-Source")}, {"value", S("gateway")}})}));
    }
    if (rng_.Chance(0.3)) mod.Set("remove", Arr({S("X-Debug"), S("X-Internal-Token")}));
    Push(filters, Obj({{std::string(field), std::move(mod)}, {"type", S(type)}}));
  };
  switch (rng_.Weighted({45, 15, 15, 15, 10})) {
    case 0:
      header_modifier("RequestHeaderModifier", "requestHeaderModifier");
      break;
    case 1:
      header_modifier("ResponseHeaderModifier", "responseHeaderModifier");
      break;
    case 2:
      // Redirects carry no backendRefs (CEL); http -> https is the classic.
      Push(filters, Obj({{"requestRedirect", Obj({{"scheme", S("https")}, {"statusCode", I(301)}})},
                         {"type", S("RequestRedirect")}}));
      *redirect = true;
      break;
    case 3: {
      Value rewrite = Obj({{"hostname", S(absl::StrCat(rng_.Pick(kApps), ".internal.example.com"))}});
      // ReplacePrefixMatch needs exactly one PathPrefix match (CEL).
      if (single_prefix) {
        rewrite.Set("path",
                    Obj({{"replacePrefixMatch", S("/")}, {"type", S("ReplacePrefixMatch")}}));
      }
      Push(filters, Obj({{"type", S("URLRewrite")}, {"urlRewrite", std::move(rewrite)}}));
      break;
    }
    default: {
      const auto& svcs = services_[ns_index];
      const Service& shadow = svcs[rng_.Range(0, svcs.size() - 1)];
      Push(filters, Obj({{"requestMirror",
                          Obj({{"backendRef", Obj({{"group", S("")},
                                                   {"kind", S("Service")},
                                                   {"name", S(shadow.name)},
                                                   {"port", I(shadow.ports[0].port)}})}})},
                         {"type", S("RequestMirror")}}));
      break;
    }
  }
  return filters;
}

Value Generator::MakeRoute(int index, int ns_index) {
  const std::string& ns = namespaces_[ns_index];
  const std::vector<Service>& svcs = services_[ns_index];
  const Service& primary = svcs[rng_.Range(0, svcs.size() - 1)];
  const std::string name = absl::StrCat(primary.name, "-", index);

  // Hostnames: 0: 5%, 1: 70%, 2: 17%, 3-4: 7%, 16 (the maximum): 1%.
  static constexpr int kHostCounts[] = {0, 1, 2, 3, 4, 16};
  int host_count = kHostCounts[rng_.Weighted({5, 70, 17, 4, 3, 1})];
  host_count = std::min<int>(host_count, hostnames_.size());
  Value hostnames = Arr();
  bool all_example_com = host_count > 0;
  {
    std::vector<size_t> picked;
    const Zipf* zipf = host_zipf_.get();
    while (static_cast<int>(picked.size()) < host_count) {
      size_t h = zipf->Sample(rng_);
      if (std::find(picked.begin(), picked.end(), h) != picked.end()) {
        h = rng_.Range(0, hostnames_.size() - 1);  // a collision: fall back to uniform
        if (std::find(picked.begin(), picked.end(), h) != picked.end()) continue;
      }
      picked.push_back(h);
      const std::string& host = hostnames_[h];
      if (!absl::EndsWith(host, ".example.com")) all_example_com = false;
      Push(hostnames, S(host));
    }
  }

  // Parents: one Gateway, sometimes a second; sectionName "https" only when
  // every hostname sits under the listener's *.example.com.
  const int gateways = std::max(1, o_.gateways);
  std::vector<RouteParent> parents;
  parents.push_back({static_cast<int>(rng_.Range(0, gateways - 1)),
                     all_example_com && rng_.Chance(0.3)});
  if (gateways > 1 && rng_.Chance(o_.multi_parent_fraction)) {
    int second = (parents[0].gateway + static_cast<int>(rng_.Range(1, gateways - 1))) % gateways;
    parents.push_back({second, parents[0].https_section});
  }
  Value parent_refs = Arr();
  for (const RouteParent& p : parents) {
    Value ref = Obj({{"group", S(kGatewayGroup)},
                     {"kind", S("Gateway")},
                     {"name", S(absl::StrCat("gateway-", p.gateway))},
                     {"namespace", S(kInfraNamespace)}});
    if (p.https_section) ref.Set("sectionName", S("https"));
    Push(parent_refs, std::move(ref));
  }

  // Rules: 1: 50%, 2: 25%, 3: 15%, 4: 10%; matches per rule 1: 80%, 2-4: 20%.
  const int rule_count = 1 + static_cast<int>(rng_.Weighted({50, 25, 15, 10}));
  const bool cross_ns = namespaces_.size() > 1 && rng_.Chance(o_.cross_namespace_fraction);
  const bool catch_all = rng_.Chance(0.1);
  Value rules = Arr();
  for (int r = 0; r < rule_count; ++r) {
    Value matches = Arr();
    const int match_count = 1 + static_cast<int>(rng_.Weighted({80, 12, 6, 2}));
    bool is_prefix = false;
    for (int m = 0; m < match_count; ++m) Push(matches, MakeMatch(&is_prefix));
    if (catch_all && r == rule_count - 1) {
      // The "/" catch-all that sits last in precedence order.
      *matches.mutable_array()[0].FindMutable("path") =
          Obj({{"type", S("PathPrefix")}, {"value", S("/")}});
    }
    Value rule = Obj();
    bool redirect = false;
    if (rng_.Chance(o_.filter_fraction)) rule.Set("filters", MakeFilters(matches, ns_index, &redirect));
    if (!redirect) {
      Value backends = Arr();
      int count = 1;
      if (rng_.Chance(o_.multi_backend_fraction) && o_.max_backends_per_rule > 1) {
        count = static_cast<int>(rng_.Range(2, std::min<int>(o_.max_backends_per_rule, 16)));
      }
      static constexpr int kSplits[][2] = {{90, 10}, {80, 20}, {50, 50}, {1, 1}};
      const int* split = kSplits[rng_.Range(0, 3)];
      std::vector<const Service*> chosen;
      for (int b = 0; b < count; ++b) {
        // Distinct services in one rule while the namespace has enough.
        const Service* pick = b == 0 && r == 0 ? &primary : &svcs[rng_.Range(0, svcs.size() - 1)];
        for (int tries = 0;
             tries < 8 && std::find(chosen.begin(), chosen.end(), pick) != chosen.end(); ++tries) {
          pick = &svcs[rng_.Range(0, svcs.size() - 1)];
        }
        chosen.push_back(pick);
        const Service& svc = *pick;
        int weight = count == 1 ? 1 : (b == 0 ? split[0] : split[1]);
        if (cross_ns && r == 0 && b == 0) {
          // A shared service in another namespace, allowed by a grant there.
          int other = static_cast<int>(rng_.Range(0, namespaces_.size() - 2));
          if (other >= ns_index) ++other;
          const auto& other_svcs = services_[other];
          const Service& remote = other_svcs[rng_.Range(0, other_svcs.size() - 1)];
          Push(backends, MakeBackendRef(namespaces_[other], remote, true, weight));
          grants_.insert({ns, namespaces_[other]});
          continue;
        }
        Push(backends, MakeBackendRef(ns, svc, false, weight));
      }
      rule.Set("backendRefs", std::move(backends));
    }
    rule.Set("matches", std::move(matches));
    if (rng_.Chance(0.1)) rule.Set("name", S(absl::StrCat("rule-", r)));
    if (rng_.Chance(0.05)) {
      rule.Set("timeouts", Obj({{"backendRequest", S(absl::StrCat(rng_.Range(1, 10), "s"))},
                                {"request", S(absl::StrCat(rng_.Range(10, 60), "s"))}}));
    }
    Push(rules, std::move(rule));
  }

  Value spec = Obj();
  if (host_count > 0) spec.Set("hostnames", std::move(hostnames));
  spec.Set("parentRefs", parent_refs);
  spec.Set("rules", std::move(rules));

  Value labels, annotations;
  bool last_applied;
  Management(primary.name, ns, &labels, &annotations, &last_applied);
  std::string created;
  Value md = Meta(name, ns, std::move(labels), std::move(annotations), true, nullptr, &created);
  int64_t gen = md.Find("generation")->int_value();
  Value route = Obj({{"apiVersion", S(kGatewayApiVersion)},
                     {"kind", S("HTTPRoute")},
                     {"metadata", std::move(md)},
                     {"spec", std::move(spec)}});
  if (o_.include_status) {
    Value status_parents = Arr();
    for (const Value& ref : parent_refs.array()) {
      Push(status_parents,
           Obj({{"conditions",
                 Arr({Condition("Accepted", "Accepted", "Accepted HTTPRoute", gen, created),
                      Condition("ResolvedRefs", "ResolvedRefs", "Service reference is valid",
                                gen, created)})},
                {"controllerName", S(kControllerName)},
                {"parentRef", ref}}));
    }
    route.Set("status", Obj({{"parents", std::move(status_parents)}}));
  }
  if (last_applied) AddLastApplied(&route);
  route_parents_.push_back(std::move(parents));
  return route;
}

Workload Generator::Run() {
  w_.options = o_;
  const int routes = std::max(0, o_.http_routes);
  const int ns_count = std::max(1, o_.namespaces > 0 ? o_.namespaces : routes / 20);

  // Namespaces, named after teams ("payments", "payments-2", ...).
  constexpr size_t kNumTeams = sizeof(kTeams) / sizeof(kTeams[0]);
  for (int i = 0; i < ns_count; ++i) {
    std::string name(kTeams[i % kNumTeams]);
    if (i >= static_cast<int>(kNumTeams)) absl::StrAppend(&name, "-", i / kNumTeams + 1);
    namespaces_.push_back(std::move(name));
  }
  // Routes per namespace, Zipf-sized: a few big tenants, a long tail.
  Zipf ns_zipf(ns_count, 0.8);
  std::vector<int> route_ns(routes);
  std::vector<int> routes_in_ns(ns_count, 0);
  for (int i = 0; i < routes; ++i) {
    route_ns[i] = static_cast<int>(ns_zipf.Sample(rng_));
    ++routes_in_ns[route_ns[i]];
  }

  AddNamespace(std::string(kInfraNamespace), "platform");
  for (int i = 0; i < ns_count; ++i) AddNamespace(namespaces_[i], kTeams[i % kNumTeams]);
  AddGatewayClass();
  AddSecrets();

  services_.resize(ns_count);
  for (int i = 0; i < ns_count; ++i) {
    int n = std::max(1, static_cast<int>(std::ceil(routes_in_ns[i] * o_.services_per_route)));
    for (int k = 0; k < n; ++k) AddService(i, k);
  }
  for (int i = 0; i < ns_count; ++i) {
    for (const Service& svc : services_[i]) AddEndpointSlice(namespaces_[i], svc);
  }

  MakeHostnames();
  host_zipf_ = std::make_unique<Zipf>(hostnames_.size(), 0.6);
  std::vector<Value> http_routes;
  http_routes.reserve(routes);
  for (int i = 0; i < routes; ++i) http_routes.push_back(MakeRoute(i, route_ns[i]));

  // Gateways after the routes (their status counts attached routes), but
  // placed before them in apply order.
  size_t gateways_at = w_.objects.size() - w_.counts.services - w_.counts.endpoint_slices;
  std::vector<Value> tail(std::make_move_iterator(w_.objects.begin() + gateways_at),
                          std::make_move_iterator(w_.objects.end()));
  w_.objects.resize(gateways_at);
  AddGateways();
  for (Value& v : tail) w_.objects.push_back(std::move(v));
  for (const auto& [from, to] : grants_) AddReferenceGrant(from, to);
  for (Value& r : http_routes) w_.objects.push_back(std::move(r));
  w_.counts.http_routes = routes;
  return std::move(w_);
}

// ---------------------------------------------------------------------------
// YAML output.

bool IsPlainSafe(absl::string_view s) {
  if (s.empty() || s.back() == ' ') return false;
  if (!absl::ascii_isalpha(s[0]) && s[0] != '/') return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_' && c != '/' && c != ' ') {
      return false;
    }
  }
  // YAML 1.1 booleans and null, which go-yaml v2 would resolve.
  static constexpr absl::string_view kReserved[] = {"y",   "n",  "yes", "no",   "true",
                                                    "false", "on", "off", "null"};
  for (absl::string_view r : kReserved) {
    if (absl::EqualsIgnoreCase(s, r)) return false;
  }
  return true;
}

void YamlString(absl::string_view s, std::string* out) {
  if (IsPlainSafe(s)) {
    out->append(s.data(), s.size());
  } else {
    // JSON escapes are valid YAML double-quoted escapes.
    model::AppendJsonString(s, out);
  }
}

void YamlScalar(const Value& v, std::string* out) {
  if (v.is_string()) {
    YamlString(v.string_value(), out);
  } else if (v.is_object()) {
    out->append("{}");
  } else if (v.is_array()) {
    out->append("[]");
  } else {
    v.AppendJson(out);
  }
}

void YamlMapping(const Value& v, int indent, bool after_dash, std::string* out);

void YamlSequence(const Value& v, int indent, std::string* out) {
  for (const Value& item : v.array()) {
    out->append(static_cast<size_t>(indent), ' ');
    out->append("- ");
    if (item.is_object() && !item.object().empty()) {
      YamlMapping(item, indent + 2, /*after_dash=*/true, out);
    } else if (item.is_array() && !item.array().empty()) {
      out->push_back('\n');
      YamlSequence(item, indent + 2, out);
    } else {
      YamlScalar(item, out);
      out->push_back('\n');
    }
  }
}

// A non-empty mapping at `indent`; after "- " the first line is already
// indented.
void YamlMapping(const Value& v, int indent, bool after_dash, std::string* out) {
  std::vector<const Value::Member*> members;
  members.reserve(v.object().size());
  for (const Value::Member& m : v.object()) members.push_back(&m);
  std::sort(members.begin(), members.end(),
            [](const Value::Member* a, const Value::Member* b) { return a->first < b->first; });
  bool first = true;
  for (const Value::Member* m : members) {
    if (!(first && after_dash)) out->append(static_cast<size_t>(indent), ' ');
    first = false;
    YamlString(m->first, out);
    out->push_back(':');
    const Value& child = m->second;
    if (child.is_object() && !child.object().empty()) {
      out->push_back('\n');
      YamlMapping(child, indent + 2, false, out);
    } else if (child.is_array() && !child.array().empty()) {
      // go-yaml v2 (and so kubectl) does not indent a sequence under its key.
      out->push_back('\n');
      YamlSequence(child, indent, out);
    } else {
      out->push_back(' ');
      YamlScalar(child, out);
      out->push_back('\n');
    }
  }
}

}  // namespace

std::vector<model::Value> Workload::OfKind(absl::string_view kind) const {
  std::vector<model::Value> out;
  for (const model::Value& v : objects) {
    if (v.GetString("kind") == kind) out.push_back(v);
  }
  return out;
}

Workload GenerateWorkload(const WorkloadOptions& options) {
  return Generator(options).Run();
}

std::string ToJsonList(const std::vector<model::Value>& objects) {
  // The List wrapper by hand, so the items need not be copied into a Value.
  std::string out = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [";
  bool first = true;
  for (const model::Value& v : objects) {
    out.append(first ? "\n        " : ",\n        ");
    first = false;
    WriteJson(v, 4, 2, &out);
  }
  out.append(objects.empty() ? "],\n" : "\n    ],\n");
  out.append("    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n");
  return out;
}

std::string ToYamlStream(const std::vector<model::Value>& objects) {
  std::string out;
  for (const model::Value& v : objects) {
    out.append("---\n");
    if (v.is_object() && !v.object().empty()) {
      YamlMapping(v, 0, false, &out);
    } else {
      YamlScalar(v, &out);
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace gwapi::bench
