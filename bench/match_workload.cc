#include "bench/match_workload.h"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/rng.h"

namespace gwapi::bench {
namespace {

namespace v1 = ::gwapi::v1;

constexpr const char* kWords[] = {
    "api",      "users",   "orders",   "items",    "billing",  "search",    "catalog",  "cart",
    "checkout", "auth",    "login",    "profile",  "admin",    "reports",   "metrics",  "events",
    "static",   "assets",  "images",   "docs",     "v1",       "v2",        "v3",       "public",
    "internal", "account", "payments", "invoices", "shipping", "inventory", "products", "reviews",
    "notify",   "media",   "upload",   "export",   "graphql",  "health",    "config",   "settings"};
constexpr const char* kTenants[] = {"shop", "blog", "crm",  "wiki", "mail", "chat", "pay",
                                    "maps", "docs", "news", "ads",  "cdn",  "git",  "ci"};
constexpr const char* kHeaderNames[] = {"x-tenant", "X-Canary", "x-version", "x-api-client",
                                        "X-Env"};
constexpr const char* kHeaderValues[] = {"blue", "green", "canary", "v2", "beta", "prod", "eu"};
constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};

struct Host {
  std::string name;  // as in the config: "*.x.example.com" or exact
  bool wildcard = false;
};

// What the generator remembers of one match to build requests for it.
struct MatchRef {
  int32_t route;
  int32_t rule;
  int32_t match;
  int depth;  // segments of a PathPrefix, -1 otherwise
};

class Generator {
 public:
  explicit Generator(const MatchWorkloadOptions& o) : o_(o), rng_(o.seed) {}

  MatchWorkload Run() {
    MatchWorkload w;
    w.options = o_;
    MakeHosts();
    v1::Snapshot& s = w.config;
    s.set_revision(1);
    v1::Gateway* gw = s.add_gateways();
    gw->set_namespace_("gateway-infra");
    gw->set_name("gateway-0");
    gw->add_addresses("10.0.0.1");
    v1::Listener* l = gw->add_listeners();
    l->set_name("http");
    l->set_port(80);
    l->set_protocol(v1::PROTOCOL_HTTP);
    l->set_tls_mode(v1::TLS_MODE_NONE);
    for (int r = 0; r < o_.routes; ++r) AddRoute(&s, l, r, &w);
    w.hostnames = hosts_.size();
    return w;
  }

 private:
  void MakeHosts() {
    int n = o_.hostnames;
    if (n <= 0) {
      n = o_.shape == MatchShape::kManyHosts ? std::clamp(o_.routes / 10, 10, 1000)
                                             : std::clamp(o_.routes / 1000, 1, 10);
    }
    int wildcards = static_cast<int>(n * o_.wildcard_hostname_fraction + 0.5);
    // Each wildcard domain gets one exact hostname under it.
    wildcards = std::min(wildcards, n / 2);
    for (int i = 0; i < wildcards; ++i) {
      std::string domain = absl::StrCat(kTenants[i % 14], "-", i, ".apps.example.com");
      hosts_.push_back({absl::StrCat("*.", domain), true});
      hosts_.push_back({absl::StrCat("www.", domain), false});
    }
    for (int i = static_cast<int>(hosts_.size()); i < n; ++i) {
      if (o_.shape == MatchShape::kFewHosts) {
        hosts_.push_back(
            {i == 0 ? "api.example.com" : absl::StrCat("api-", i, ".example.com"), false});
      } else {
        hosts_.push_back(
            {absl::StrCat(kWords[i % 40], "-", i, ".", kTenants[i % 14], ".example.com"), false});
      }
    }
  }

  std::string Segment() {
    std::string s = kWords[rng_.Range(0, 39)];
    if (rng_.Chance(0.5)) absl::StrAppend(&s, rng_.Range(0, 49));
    return s;
  }

  std::string PathOfDepth(int depth) {
    std::string p;
    for (int i = 0; i < depth; ++i) absl::StrAppend(&p, "/", Segment());
    return p;
  }

  int Depth() {
    static constexpr double kWeights[] = {0.25, 0.30, 0.25, 0.12, 0.08};
    int lo = std::max(1, o_.min_path_depth), hi = std::max(lo, o_.max_path_depth);
    double total = 0;
    for (int d = lo; d <= hi; ++d) total += d <= 5 ? kWeights[d - 1] : 0.05;
    double x = rng_.Unit() * total;
    for (int d = lo; d <= hi; ++d) {
      double wgt = d <= 5 ? kWeights[d - 1] : 0.05;
      if (x < wgt) return d;
      x -= wgt;
    }
    return hi;
  }

  void AddRoute(v1::Snapshot* s, v1::Listener* l, int index, MatchWorkload* w) {
    v1::Route* route = s->add_routes();
    route->set_kind(v1::ROUTE_KIND_HTTP);
    size_t h = static_cast<size_t>(rng_.Range(0, static_cast<int64_t>(hosts_.size()) - 1));
    route->set_namespace_(absl::StrCat("tenant-", h % 997));
    route->set_name(absl::StrCat("route-", index));
    v1::Attachment* a = l->add_attachments();
    a->set_route(static_cast<uint32_t>(index));
    a->add_hostnames(hosts_[h].name);
    if (hosts_.size() > 1 && rng_.Chance(o_.second_hostname_fraction)) {
      size_t h2 = static_cast<size_t>(rng_.Range(0, static_cast<int64_t>(hosts_.size()) - 1));
      if (h2 != h) {
        a->add_hostnames(hosts_[h2].name);
      }
    }
    int rules = static_cast<int>(rng_.Weighted({0.5, 0.3, 0.2})) + 1;
    for (int ri = 0; ri < rules; ++ri) {
      v1::Rule* rule = route->add_rules();
      if (rng_.Chance(0.2)) rule->set_name(absl::StrCat("rule-", ri));
      ++w->rules;
      int matches = rng_.Chance(0.25) ? 2 : 1;
      for (int mi = 0; mi < matches; ++mi) {
        AddMatch(rule->add_http_matches(), w);
      }
      int backends = static_cast<int>(rng_.Range(1, std::max(1, o_.max_backends)));
      for (int b = 0; b < backends; ++b) {
        v1::Backend* be = rule->add_backends();
        be->set_kind("Service");
        be->set_namespace_(route->namespace_());
        be->set_name(absl::StrCat("svc-", index, "-", ri, "-", b));
        be->set_port(8080);
        be->set_weight(backends == 1 ? 1 : static_cast<uint32_t>(rng_.Range(1, 100)));
        be->set_valid(true);
      }
    }
  }

  void AddMatch(v1::HttpMatch* m, MatchWorkload* w) {
    ++w->matches;
    v1::PathMatch* p = m->mutable_path();
    double x = rng_.Unit();
    if (x < o_.regex_fraction) {
      ++w->regex_matches;
      p->set_type(v1::MATCH_TYPE_REGULAR_EXPRESSION);
      std::string a = Segment(), b = Segment();
      std::string pattern;
      switch (rng_.Range(0, 2)) {
        case 0:
          pattern = absl::StrCat("/", a, "/", b, "/[0-9]+");
          break;
        case 1:
          pattern = absl::StrCat("/", a, "/[a-z0-9-]+/", b);
          break;
        default:
          pattern = absl::StrCat("/", a, "/v[0-9]+/", b, "(/.*)?");
          break;
      }
      p->set_value(pattern);
    } else if (x < o_.regex_fraction + o_.exact_fraction) {
      p->set_type(v1::MATCH_TYPE_EXACT);
      p->set_value(PathOfDepth(Depth()));
    } else {
      p->set_type(v1::MATCH_TYPE_PATH_PREFIX);
      std::string v = PathOfDepth(Depth());
      // Some prefixes are written with a trailing "/", which the spec
      // ignores for matching.
      if (rng_.Chance(0.1)) v.push_back('/');
      p->set_value(v);
    }
    if (rng_.Chance(o_.header_match_fraction)) {
      int n = rng_.Chance(0.3) ? 2 : 1;
      int first = static_cast<int>(rng_.Range(0, 4));
      for (int i = 0; i < n; ++i) {
        v1::HeaderMatch* hm = m->add_headers();
        hm->set_name(kHeaderNames[(first + i) % 5]);
        if (o_.regex_fraction > 0 && rng_.Chance(0.1)) {
          hm->set_type(v1::MATCH_TYPE_REGULAR_EXPRESSION);
          hm->set_value("v[0-9]+");
        } else {
          hm->set_type(v1::MATCH_TYPE_EXACT);
          hm->set_value(rng_.Pick(kHeaderValues));
        }
      }
    }
    if (rng_.Chance(o_.method_fraction)) m->set_method(rng_.Pick(kMethods));
    if (rng_.Chance(o_.query_fraction)) {
      v1::HeaderMatch* q = m->add_query_params();
      q->set_type(v1::MATCH_TYPE_EXACT);
      q->set_name(rng_.Chance(0.5) ? "version" : "debug");
      q->set_value(rng_.Chance(0.5) ? "2" : "true");
    }
  }

  const MatchWorkloadOptions& o_;
  Rng rng_;
  std::vector<Host> hosts_;
};

// Builds requests from the message alone, so any MatchWorkload (also a
// copy) can produce them.
class RequestGenerator {
 public:
  RequestGenerator(const MatchWorkload& w, uint64_t seed) : w_(w), rng_(seed) {
    const v1::Snapshot& s = w.config;
    const v1::Listener& l = s.gateways(0).listeners(0);
    route_hosts_.resize(s.routes_size());
    for (const v1::Attachment& a : l.attachments()) {
      for (const std::string& h : a.hostnames()) route_hosts_[a.route()].push_back(h);
      for (const std::string& h : a.hostnames()) all_hosts_.push_back(h);
    }
    std::sort(all_hosts_.begin(), all_hosts_.end());
    all_hosts_.erase(std::unique(all_hosts_.begin(), all_hosts_.end()), all_hosts_.end());
    int max_depth = 0;
    for (int r = 0; r < s.routes_size(); ++r) {
      const v1::Route& route = s.routes(r);
      for (int ri = 0; ri < route.rules_size(); ++ri) {
        for (int mi = 0; mi < route.rules(ri).http_matches_size(); ++mi) {
          const v1::PathMatch& p = route.rules(ri).http_matches(mi).path();
          refs_.push_back({r, ri, mi, -1});
          if (p.type() == v1::MATCH_TYPE_PATH_PREFIX) {
            int depth = static_cast<int>(std::count(p.value().begin(), p.value().end(), '/'));
            if (!p.value().empty() && p.value().back() == '/') --depth;
            refs_.back().depth = depth;
            max_depth = std::max(max_depth, depth);
          }
        }
      }
    }
    for (const MatchRef& m : refs_) {
      if (m.depth == max_depth) deep_.push_back(m);
    }
  }

  MatchRequest Make(MatchRequest::Kind kind) {
    MatchRequest q;
    q.kind = kind;
    q.hash = rng_.Next();
    q.method = rng_.Chance(0.8) ? "GET" : "POST";
    q.headers = {{"User-Agent", "bench/1.0"},
                 {"Accept", "*/*"},
                 {"x-request-id", absl::StrCat(rng_.Next() % 1000000007)}};
    switch (kind) {
      case MatchRequest::Kind::kHit:
      case MatchRequest::Kind::kDeepHit: {
        const std::vector<MatchRef>& pool =
            kind == MatchRequest::Kind::kDeepHit && !deep_.empty() ? deep_ : refs_;
        const MatchRef& ref = pool[rng_.Range(0, static_cast<int64_t>(pool.size()) - 1)];
        AimAt(ref, kind == MatchRequest::Kind::kDeepHit, &q);
        break;
      }
      case MatchRequest::Kind::kMissHost:
        q.host = absl::StrCat("unknown-", rng_.Range(0, 99999), ".nowhere.example.org");
        q.path = absl::StrCat("/", kWords[rng_.Range(0, 39)], "/", rng_.Range(0, 999));
        break;
      case MatchRequest::Kind::kMissPath:
        q.host =
            Instantiate(all_hosts_[rng_.Range(0, static_cast<int64_t>(all_hosts_.size()) - 1)]);
        q.path = absl::StrCat("/zz-unknown-", rng_.Range(0, 99999), "/", kWords[rng_.Range(0, 39)]);
        break;
    }
    Decorate(&q);
    return q;
  }

 private:
  std::string Instantiate(const std::string& host) {
    if (host.size() < 2 || host[0] != '*') return host;
    // A wildcard covers one or more labels.
    std::string labels = rng_.Chance(0.7) ? absl::StrCat("u", rng_.Range(0, 999))
                                          : absl::StrCat("a", rng_.Range(0, 99), ".b");
    return absl::StrCat(labels, host.substr(1));
  }

  void AimAt(const MatchRef& ref, bool deep, MatchRequest* q) {
    const v1::Route& route = w_.config.routes(ref.route);
    const v1::HttpMatch& m = route.rules(ref.rule).http_matches(ref.match);
    q->aimed_route = ref.route;
    q->aimed_rule = ref.rule;
    const std::vector<std::string>& hosts = route_hosts_[ref.route];
    q->host = Instantiate(hosts[rng_.Range(0, static_cast<int64_t>(hosts.size()) - 1)]);
    const std::string& v = m.path().value();
    switch (m.path().type()) {
      case v1::MATCH_TYPE_EXACT:
        q->path = v;
        break;
      case v1::MATCH_TYPE_REGULAR_EXPRESSION:
        q->path = RegexInstance(v);
        break;
      default: {
        q->path = v;
        if (!q->path.empty() && q->path.back() == '/') q->path.pop_back();
        if (deep || rng_.Chance(0.6)) {
          absl::StrAppend(&q->path, "/",
                          rng_.Chance(0.5) ? "leaf" : absl::StrCat(rng_.Range(0, 9999)));
        } else if (rng_.Chance(0.2)) {
          q->path.push_back('/');
        }
        break;
      }
    }
    if (!m.method().empty()) q->method = m.method();
    for (const v1::HeaderMatch& h : m.headers()) {
      q->headers.push_back(
          {h.name(), h.type() == v1::MATCH_TYPE_REGULAR_EXPRESSION ? "v7" : h.value()});
    }
    if (m.query_params_size() > 0) {
      const v1::HeaderMatch& qp = m.query_params(0);
      absl::StrAppend(&q->path, "?", qp.name(), "=", qp.value(), "&utm_source=bench");
    }
  }

  // The generator's three regex templates, instantiated back.
  static std::string RegexInstance(const std::string& pattern) {
    std::string s = pattern;
    auto replace = [&s](absl::string_view from, absl::string_view to) {
      size_t at = s.find(from.data(), 0, from.size());
      if (at != std::string::npos) s.replace(at, from.size(), to.data(), to.size());
    };
    replace("[0-9]+", "4711");
    replace("[a-z0-9-]+", "ab-12");
    replace("v[0-9]+", "v2");
    replace("(/.*)?", "/x");
    return s;
  }

  // Request variety a proxy sees: some hosts in other case or with the
  // port, some queries that no rule asks for, headers in other case.
  void Decorate(MatchRequest* q) {
    if (rng_.Chance(0.1)) {
      for (size_t i = 0; i < q->host.size(); i += 2) q->host[i] = absl::ascii_toupper(q->host[i]);
    }
    if (rng_.Chance(0.1)) q->host += ":80";
    if (q->path.find('?') == std::string::npos && rng_.Chance(0.2)) {
      absl::StrAppend(&q->path, "?page=", rng_.Range(1, 20));
    }
    if (q->headers.size() > 3 && rng_.Chance(0.3)) {
      std::string& name = q->headers.back().first;
      name = absl::AsciiStrToUpper(name);
    }
  }

  const MatchWorkload& w_;
  Rng rng_;
  std::vector<std::vector<std::string>> route_hosts_;
  std::vector<std::string> all_hosts_;
  std::vector<MatchRef> refs_;
  std::vector<MatchRef> deep_;
};

}  // namespace

std::string MatchRequest::ToString() const {
  std::string s = absl::StrCat(method, " ", host, " ", path);
  if (!headers.empty()) {
    absl::StrAppend(&s, " [",
                    absl::StrJoin(headers, ", ",
                                  [](std::string* out, const auto& h) {
                                    absl::StrAppend(out, h.first, ": ", h.second);
                                  }),
                    "]");
  }
  return s;
}

MatchWorkload GenerateMatchWorkload(const MatchWorkloadOptions& options) {
  return Generator(options).Run();
}

std::vector<MatchRequest> GenerateRequests(const MatchWorkload& workload, const RequestMix& mix,
                                           size_t count, uint64_t seed) {
  RequestGenerator g(workload, seed ^ workload.options.seed);
  Rng pick(seed * 31 + 1);
  std::vector<MatchRequest> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    auto kind = static_cast<MatchRequest::Kind>(
        pick.Weighted({mix.hit, mix.deep_hit, mix.miss_host, mix.miss_path}));
    out.push_back(g.Make(kind));
  }
  return out;
}

}  // namespace gwapi::bench
