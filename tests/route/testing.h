// Builders for gwapi.v1.Snapshot messages and a one-call matcher, so that
// each test reads as the configuration and the request it is about.
#ifndef GWAPI_TESTS_ROUTE_TESTING_H_
#define GWAPI_TESTS_ROUTE_TESTING_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "gwapi/v1/snapshot.pb.h"
#include "lib/route/snapshot.h"

namespace gwapi::route::testing {

namespace v1 = ::gwapi::v1;

// Builds a snapshot message. Route indexes are creation order, which is
// the precedence order the message carries (oldest first).
class ConfigBuilder {
 public:
  // A Gateway "default/gw" is created on first use of Listener().
  v1::Listener* Listener(absl::string_view name, uint32_t port,
                         v1::Protocol protocol = v1::PROTOCOL_HTTP,
                         absl::string_view hostname = "") {
    if (config_.gateways_size() == 0) {
      v1::Gateway* gw = config_.add_gateways();
      gw->set_namespace_("default");
      gw->set_name("gw");
    }
    v1::Listener* l = config_.mutable_gateways(0)->add_listeners();
    l->set_name(std::string(name));
    l->set_port(port);
    l->set_protocol(protocol);
    l->set_hostname(std::string(hostname));
    return l;
  }

  // A route; returns its index.
  int Route(absl::string_view name, v1::RouteKind kind = v1::ROUTE_KIND_HTTP) {
    v1::Route* r = config_.add_routes();
    r->set_kind(kind);
    r->set_namespace_("default");
    r->set_name(std::string(name));
    return config_.routes_size() - 1;
  }

  v1::Rule* Rule(int route) { return config_.mutable_routes(route)->add_rules(); }

  v1::Route* MutableRoute(int route) { return config_.mutable_routes(route); }

  void Attach(v1::Listener* listener, int route,
              std::initializer_list<absl::string_view> hostnames = {}) {
    v1::Attachment* a = listener->add_attachments();
    a->set_route(route);
    for (absl::string_view h : hostnames) a->add_hostnames(std::string(h));
  }

  const v1::Snapshot& config() const { return config_; }
  v1::Snapshot* mutable_config() { return &config_; }

  std::shared_ptr<const Snapshot> Build() const {
    auto snap = Snapshot::Create(config_);
    EXPECT_TRUE(snap.ok()) << snap.status();
    return snap.ok() ? *snap : nullptr;
  }

 private:
  v1::Snapshot config_;
};

inline v1::HttpMatch* AddMatch(v1::Rule* rule, v1::MatchType type,
                               absl::string_view path) {
  v1::HttpMatch* m = rule->add_http_matches();
  m->mutable_path()->set_type(type);
  m->mutable_path()->set_value(std::string(path));
  return m;
}
inline v1::HttpMatch* Prefix(v1::Rule* rule, absl::string_view path) {
  return AddMatch(rule, v1::MATCH_TYPE_PATH_PREFIX, path);
}
inline v1::HttpMatch* Exact(v1::Rule* rule, absl::string_view path) {
  return AddMatch(rule, v1::MATCH_TYPE_EXACT, path);
}
inline v1::HttpMatch* Regex(v1::Rule* rule, absl::string_view path) {
  return AddMatch(rule, v1::MATCH_TYPE_REGULAR_EXPRESSION, path);
}
inline void AddHeader(v1::HttpMatch* m, absl::string_view name,
                      absl::string_view value,
                      v1::MatchType type = v1::MATCH_TYPE_EXACT) {
  v1::HeaderMatch* h = m->add_headers();
  h->set_type(type);
  h->set_name(std::string(name));
  h->set_value(std::string(value));
}
inline void AddQuery(v1::HttpMatch* m, absl::string_view name,
                     absl::string_view value,
                     v1::MatchType type = v1::MATCH_TYPE_EXACT) {
  v1::HeaderMatch* h = m->add_query_params();
  h->set_type(type);
  h->set_name(std::string(name));
  h->set_value(std::string(value));
}
inline v1::Backend* AddBackend(v1::Rule* rule, absl::string_view name,
                               uint32_t weight = 1, bool valid = true) {
  v1::Backend* b = rule->add_backends();
  b->set_kind("Service");
  b->set_namespace_("default");
  b->set_name(std::string(name));
  b->set_port(8080);
  b->set_weight(weight);
  b->set_valid(valid);
  return b;
}

// A request built field by field, owning its header strings.
struct Req {
  RequestProtocol protocol = RequestProtocol::kHttp;
  uint32_t port = 80;
  std::string host = "example.com";
  std::string method = "GET";
  std::string path = "/";
  std::string sni;
  std::vector<std::pair<std::string, std::string>> headers;
  uint64_t hash = 0;

  Req& Host(absl::string_view h) { host = std::string(h); return *this; }
  Req& Path(absl::string_view p) { path = std::string(p); return *this; }
  Req& Method(absl::string_view m) { method = std::string(m); return *this; }
  Req& Sni(absl::string_view s) { sni = std::string(s); return *this; }
  Req& Port(uint32_t p) { port = p; return *this; }
  Req& Proto(RequestProtocol p) { protocol = p; return *this; }
  Req& Hash(uint64_t h) { hash = h; return *this; }
  Req& H(absl::string_view name, absl::string_view value) {
    headers.emplace_back(std::string(name), std::string(value));
    return *this;
  }
};

// Keeps the Header views of a Req alive with the Request built from them.
class BoundRequest {
 public:
  BoundRequest(const Snapshot& snap, const Req& r) : req_(r) {
    const Req& req = req_;
    for (const auto& [name, value] : req.headers) headers_.push_back({name, value});
    request_.gateway = snap.FindGateway("default", "gw");
    request_.port = req.port;
    request_.protocol = req.protocol;
    request_.host = req.host;
    request_.method = req.method;
    request_.path = req.path;
    request_.sni = req.sni;
    request_.headers = headers_;
    request_.hash = req.hash;
  }
  BoundRequest(const BoundRequest&) = delete;
  BoundRequest& operator=(const BoundRequest&) = delete;
  const Request& get() const { return request_; }

 private:
  Req req_;
  std::vector<Header> headers_;
  Request request_;
};

inline MatchResult MatchOn(const Snapshot& snap, const Req& req) {
  BoundRequest bound(snap, req);
  MatchResult result;
  snap.Match(bound.get(), &result);
  return result;
}

// The matched route's name, or "" (for short assertions).
inline std::string RouteName(const Snapshot& snap, const MatchResult& r) {
  if (r.route < 0) return "";
  return snap.config().routes(r.route).name();
}

}  // namespace gwapi::route::testing

#endif  // GWAPI_TESTS_ROUTE_TESTING_H_
