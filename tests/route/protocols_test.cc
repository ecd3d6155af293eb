// GRPCRoute, HTTPS listener selection (SNI and 421), TLSRoute, TCPRoute and
// UDPRoute matching.
#include <string>

#include "gtest/gtest.h"
#include "lib/route/snapshot.h"
#include "tests/route/testing.h"

namespace gwapi::route {
namespace {

using testing::AddBackend;
using testing::AddHeader;
using testing::ConfigBuilder;
using testing::MatchOn;
using testing::Prefix;
using testing::Req;
using testing::RouteName;
namespace v1 = ::gwapi::v1;

v1::GrpcMatch* Method(v1::Rule* rule, absl::string_view service,
                      absl::string_view method,
                      v1::MatchType type = v1::MATCH_TYPE_EXACT) {
  v1::GrpcMatch* m = rule->add_grpc_matches();
  m->set_type(type);
  m->set_service(std::string(service));
  m->set_method(std::string(method));
  return m;
}

class Grpc : public ::testing::Test {
 protected:
  Grpc() { listener_ = cb_.Listener("http", 80); }

  v1::Rule* AddRoute(absl::string_view name,
                     std::initializer_list<absl::string_view> hosts = {}) {
    int r = cb_.Route(name, v1::ROUTE_KIND_GRPC);
    cb_.Attach(listener_, r, hosts);
    v1::Rule* rule = cb_.Rule(r);
    AddBackend(rule, name);
    return rule;
  }

  std::string Winner(Req req) {
    auto snap = cb_.Build();
    req.Proto(RequestProtocol::kGrpc).Method("POST");
    MatchResult r = MatchOn(*snap, req);
    if (r.status != 0) return "status " + std::to_string(r.status);
    return RouteName(*snap, r);
  }

  ConfigBuilder cb_;
  v1::Listener* listener_;
};

TEST_F(Grpc, ServiceAndMethodMatchExactly) {
  Method(AddRoute("echo"), "grpc.Echo", "Say");
  EXPECT_EQ(Winner(Req().Path("/grpc.Echo/Say")), "echo");
  EXPECT_EQ(Winner(Req().Path("/grpc.Echo/say")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/grpc.Echo/SayMore")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/other.Echo/Say")), "status 404");
}

TEST_F(Grpc, ServiceOnlyAndMethodOnlyMatches) {
  Method(AddRoute("service"), "grpc.Echo", "");
  Method(AddRoute("method"), "", "Health");
  EXPECT_EQ(Winner(Req().Path("/grpc.Echo/Anything")), "service");
  EXPECT_EQ(Winner(Req().Path("/x.Y/Health")), "method");
}

TEST_F(Grpc, LongerServiceBeatsLongerMethod) {
  Method(AddRoute("method"), "", "VeryLongMethodName");
  Method(AddRoute("service"), "a.B", "");
  EXPECT_EQ(Winner(Req().Path("/a.B/VeryLongMethodName")), "service");
}

TEST_F(Grpc, ServiceAndMethodBeatServiceOnly) {
  Method(AddRoute("service"), "a.B", "");
  Method(AddRoute("both"), "a.B", "C");
  EXPECT_EQ(Winner(Req().Path("/a.B/C")), "both");
  EXPECT_EQ(Winner(Req().Path("/a.B/D")), "service");
}

TEST_F(Grpc, OldestRouteWinsTie) {
  Method(AddRoute("older"), "a.B", "C");
  Method(AddRoute("newer"), "a.B", "C");
  EXPECT_EQ(Winner(Req().Path("/a.B/C")), "older");
}

TEST_F(Grpc, RegexRanksAfterExactAndBeforeMatchAll) {
  AddRoute("all");
  Method(AddRoute("regex"), "a\\..*", ".*", v1::MATCH_TYPE_REGULAR_EXPRESSION);
  Method(AddRoute("exact"), "a.B", "C");
  EXPECT_EQ(Winner(Req().Path("/a.B/C")), "exact");
  EXPECT_EQ(Winner(Req().Path("/a.X/C")), "regex");
  EXPECT_EQ(Winner(Req().Path("/b.X/C")), "all");
}

TEST_F(Grpc, RuleWithoutMatchesMatchesEveryRequest) {
  AddRoute("all");
  EXPECT_EQ(Winner(Req().Path("/any.Service/Any")), "all");
  EXPECT_EQ(Winner(Req().Path("garbage")), "all");
}

TEST_F(Grpc, NoMatchIs404Unimplemented) {
  Method(AddRoute("echo"), "grpc.Echo", "Say");
  EXPECT_EQ(Winner(Req().Path("/grpc.Echo")), "status 404");
  EXPECT_EQ(Winner(Req().Path("")), "status 404");
}

TEST_F(Grpc, HostnameSpecificityComesFirst) {
  Method(AddRoute("wild", {"*.example.com"}), "a.B", "C");
  AddRoute("exact", {"foo.example.com"});
  EXPECT_EQ(Winner(Req().Host("foo.example.com").Path("/a.B/C")), "exact");
  EXPECT_EQ(Winner(Req().Host("bar.example.com").Path("/a.B/C")), "wild");
}

TEST_F(Grpc, HttpRouteServesGrpcWhenNoGrpcRouteHasTheHost) {
  int r = cb_.Route("http");
  cb_.Attach(listener_, r, {"web.example.com"});
  AddBackend(cb_.Rule(r), "web");
  Method(AddRoute("grpc", {"api.example.com"}), "a.B", "C");
  EXPECT_EQ(Winner(Req().Host("web.example.com").Path("/a.B/C")), "http");
  EXPECT_EQ(Winner(Req().Host("api.example.com").Path("/a.B/D")), "status 404");
}

TEST(GrpcHeaders, MoreHeaderMatchesWin) {
  ConfigBuilder cb;
  auto* l = cb.Listener("http", 80);
  int a = cb.Route("plain", v1::ROUTE_KIND_GRPC);
  cb.Attach(l, a);
  Method(cb.Rule(a), "a.B", "C");
  AddBackend(cb.MutableRoute(a)->mutable_rules(0), "a");
  int b = cb.Route("header", v1::ROUTE_KIND_GRPC);
  cb.Attach(l, b);
  v1::GrpcMatch* m = Method(cb.Rule(b), "a.B", "C");
  v1::HeaderMatch* h = m->add_headers();
  h->set_type(v1::MATCH_TYPE_EXACT);
  h->set_name("Version");
  h->set_value("2");
  AddBackend(cb.MutableRoute(b)->mutable_rules(0), "b");
  auto snap = cb.Build();
  Req req;
  req.Proto(RequestProtocol::kGrpc).Path("/a.B/C");
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, req)), "plain");
  req.H("version", "2");
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, req)), "header");
}

TEST(GrpcTls, GrpcsUsesTheHttpsListener) {
  ConfigBuilder cb;
  auto* https = cb.Listener("https", 443, v1::PROTOCOL_HTTPS, "grpc.example.com");
  int r = cb.Route("svc", v1::ROUTE_KIND_GRPC);
  cb.Attach(https, r);
  Method(cb.Rule(r), "a.B", "C");
  AddBackend(cb.MutableRoute(r)->mutable_rules(0), "svc");
  auto snap = cb.Build();
  Req req = Req()
                .Proto(RequestProtocol::kGrpcs)
                .Port(443)
                .Sni("grpc.example.com")
                .Host("grpc.example.com")
                .Method("POST")
                .Path("/a.B/C");
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, req)), "svc");
  EXPECT_EQ(MatchOn(*snap, Req(req).Path("/a.B/D")).status, 404);
  EXPECT_EQ(MatchOn(*snap, Req(req).Proto(RequestProtocol::kGrpc).Port(443)).status, 404);
}

// --- HTTPS: listener by SNI, 421 for a Host of another listener ---

class Https : public ::testing::Test {
 protected:
  Https() {
    auto* a = cb_.Listener("a", 443, v1::PROTOCOL_HTTPS, "a.example.com");
    auto* b = cb_.Listener("b", 443, v1::PROTOCOL_HTTPS, "*.example.com");
    for (auto* l : {a, b}) {
      int r = cb_.Route(l->name());
      cb_.Attach(l, r);
      AddBackend(cb_.Rule(r), l->name());
    }
    snap_ = cb_.Build();
  }
  MatchResult Do(absl::string_view sni, absl::string_view host) {
    return MatchOn(*snap_, Req()
                               .Proto(RequestProtocol::kHttps)
                               .Port(443)
                               .Sni(sni)
                               .Host(host));
  }
  ConfigBuilder cb_;
  std::shared_ptr<const Snapshot> snap_;
};

TEST_F(Https, ListenerIsChosenBySni) {
  MatchResult r = Do("a.example.com", "a.example.com");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.listener, 0);
  r = Do("x.example.com", "x.example.com");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.listener, 1);
}

TEST_F(Https, HostOfAnotherListenerIsMisdirected421) {
  EXPECT_EQ(Do("x.example.com", "a.example.com").status, 421);
  EXPECT_EQ(Do("a.example.com", "x.example.com").status, 421);
  EXPECT_EQ(Do("a.example.com", "A.EXAMPLE.COM:443").status, 0);
}

TEST_F(Https, HostNoListenerClaimsStaysOnSniListener) {
  MatchResult r = Do("a.example.com", "other.org");
  EXPECT_EQ(r.listener, 0);
  EXPECT_EQ(r.status, 404);  // the route takes the listener's hostname
}

TEST_F(Https, WithoutSniTheHostChoosesTheListener) {
  EXPECT_EQ(Do("", "a.example.com").listener, 0);
  EXPECT_EQ(Do("", "unknown.org").status, 404);
}

TEST_F(Https, CleartextRequestDoesNotReachHttpsListener) {
  EXPECT_EQ(MatchOn(*snap_, Req().Port(443).Host("a.example.com")).status, 404);
}

// The conformance suite's HTTPRouteHTTPSListenerDetectMisdirectedRequests.
TEST(HttpsConformance, DetectMisdirectedRequests) {
  ConfigBuilder cb;
  auto* any = cb.Listener("https", 443, v1::PROTOCOL_HTTPS, "");
  auto* second = cb.Listener("https-with-hostname", 443, v1::PROTOCOL_HTTPS,
                             "second-example.org");
  auto* wild = cb.Listener("https-with-wildcard-hostname", 443,
                           v1::PROTOCOL_HTTPS, "*.wildcard.org");
  auto* fourth = cb.Listener("https-with-hostname-matching-wildcard", 443,
                             v1::PROTOCOL_HTTPS, "fourth-example.wildcard.org");
  const struct {
    v1::Listener* listener;
    const char* hostname;
    const char* backend;
  } routes[] = {{any, "example.org", "v1"},
                {second, nullptr, "v2"},
                {wild, nullptr, "v3"},
                {fourth, nullptr, "v1"}};
  for (const auto& r : routes) {
    int idx = cb.Route(std::string("test-") + r.backend);
    if (r.hostname) {
      cb.Attach(r.listener, idx, {r.hostname});
    } else {
      cb.Attach(r.listener, idx);
    }
    Prefix(cb.Rule(idx), "/detect-misdirected-requests");
    AddBackend(cb.MutableRoute(idx)->mutable_rules(0), r.backend);
  }
  auto snap = cb.Build();
  const struct {
    const char* host;
    const char* sni;
    int status;
    const char* backend;
  } cases[] = {
      {"example.org", "example.org", 0, "v1"},
      {"second-example.org", "example.org", 421, ""},
      {"unknown-example.org", "example.org", 404, ""},
      {"second-example.org", "second-example.org", 0, "v2"},
      {"example.org", "second-example.org", 421, ""},
      {"unknown-example.org", "second-example.org", 421, ""},
      {"third-example.wildcard.org", "third-example.wildcard.org", 0, "v3"},
      {"fith-example.wildcard.org", "third-example.wildcard.org", 0, "v3"},
      {"fourth-example.wildcard.org", "third-example.wildcard.org", 421, ""},
      {"second-example.org", "third-example.wildcard.org", 421, ""},
      {"unknown-example.org", "third-example.wildcard.org", 421, ""},
      {"fourth-example.wildcard.org", "fourth-example.wildcard.org", 0, "v1"},
      {"fith-example.wildcard.org", "fourth-example.wildcard.org", 421, ""},
      {"example.org", "unknown-example.org", 0, "v1"},
      {"unknown-example.org", "unknown-example.org", 404, ""},
  };
  for (const auto& c : cases) {
    MatchResult r = MatchOn(*snap, Req()
                                       .Proto(RequestProtocol::kHttps)
                                       .Port(443)
                                       .Host(c.host)
                                       .Sni(c.sni)
                                       .Path("/detect-misdirected-requests"));
    EXPECT_EQ(r.status, c.status) << c.host << " / " << c.sni;
    if (c.status == 0) {
      EXPECT_EQ(snap->config().routes(r.route).rules(r.rule).backends(r.backend).name(),
                c.backend)
          << c.host << " / " << c.sni;
    }
  }
}

// --- TLSRoute ---

TEST(TlsRoute, SniSelectsListenerAndRoute) {
  ConfigBuilder cb;
  auto* pass = cb.Listener("pass", 443, v1::PROTOCOL_TLS, "*.example.com");
  pass->set_tls_mode(v1::TLS_MODE_PASSTHROUGH);
  int wild = cb.Route("wild", v1::ROUTE_KIND_TLS);
  cb.Attach(pass, wild, {"*.example.com"});
  AddBackend(cb.Rule(wild), "w");
  int exact = cb.Route("exact", v1::ROUTE_KIND_TLS);
  cb.Attach(pass, exact, {"db.example.com"});
  AddBackend(cb.Rule(exact), "db");
  auto snap = cb.Build();
  Req req;
  req.Proto(RequestProtocol::kTls).Port(443);
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req(req).Sni("db.example.com"))), "exact");
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req(req).Sni("DB.example.com"))), "exact");
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req(req).Sni("x.example.com"))), "wild");
  EXPECT_EQ(MatchOn(*snap, Req(req).Sni("example.com")).status, 404);
  EXPECT_EQ(MatchOn(*snap, Req(req).Sni("")).status, 404);
}

TEST(TlsRoute, TerminateListenerRoutesBySniToo) {
  ConfigBuilder cb;
  auto* term = cb.Listener("term", 8443, v1::PROTOCOL_TLS, "");
  term->set_tls_mode(v1::TLS_MODE_TERMINATE);
  int r = cb.Route("r", v1::ROUTE_KIND_TLS);
  cb.Attach(term, r, {"app.example.com"});
  AddBackend(cb.Rule(r), "app");
  auto snap = cb.Build();
  Req req;
  req.Proto(RequestProtocol::kTls).Port(8443);
  MatchResult res = MatchOn(*snap, Req(req).Sni("app.example.com"));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.backend, 0);
  EXPECT_EQ(MatchOn(*snap, Req(req).Sni("other.example.com")).status, 404);
}

// --- TCPRoute / UDPRoute ---

TEST(L4Route, TcpUsesTheOldestRoutesFirstRule) {
  ConfigBuilder cb;
  auto* tcp = cb.Listener("tcp", 5432, v1::PROTOCOL_TCP);
  int old_route = cb.Route("old", v1::ROUTE_KIND_TCP);
  int new_route = cb.Route("new", v1::ROUTE_KIND_TCP);
  cb.Attach(tcp, new_route);
  cb.Attach(tcp, old_route);
  AddBackend(cb.Rule(old_route), "a");
  AddBackend(cb.Rule(old_route), "b");
  AddBackend(cb.Rule(new_route), "c");
  auto snap = cb.Build();
  MatchResult r = MatchOn(*snap, Req().Proto(RequestProtocol::kTcp).Port(5432).Host(""));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(RouteName(*snap, r), "old");
  EXPECT_EQ(r.rule, 0);
}

TEST(L4Route, UdpAndTcpOnTheSamePortAreSeparate) {
  ConfigBuilder cb;
  auto* tcp = cb.Listener("tcp", 53, v1::PROTOCOL_TCP);
  auto* udp = cb.Listener("udp", 53, v1::PROTOCOL_UDP);
  int t = cb.Route("t", v1::ROUTE_KIND_TCP);
  int u = cb.Route("u", v1::ROUTE_KIND_UDP);
  cb.Attach(tcp, t);
  cb.Attach(udp, u);
  // A UDPRoute on a TCP listener is ignored.
  cb.Attach(tcp, u);
  AddBackend(cb.Rule(t), "t");
  AddBackend(cb.Rule(u), "u");
  auto snap = cb.Build();
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Proto(RequestProtocol::kTcp).Port(53))), "t");
  MatchResult r = MatchOn(*snap, Req().Proto(RequestProtocol::kUdp).Port(53));
  EXPECT_EQ(RouteName(*snap, r), "u");
  EXPECT_EQ(r.listener, 1);
  EXPECT_EQ(MatchOn(*snap, Req().Proto(RequestProtocol::kTcp).Port(54)).status, 404);
}

TEST(L4Route, ListenerWithoutRoutesIs404) {
  ConfigBuilder cb;
  cb.Listener("tcp", 9000, v1::PROTOCOL_TCP);
  auto snap = cb.Build();
  MatchResult r = MatchOn(*snap, Req().Proto(RequestProtocol::kTcp).Port(9000));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.listener, 0);
}

}  // namespace
}  // namespace gwapi::route
