// The tc programs attached for real: a client network namespace reaches
// Gateway addresses on a node namespace over a veth pair; the node's veth
// end carries gwapi_tc_ingress / gwapi_tc_egress, the backend and the L7
// proxy are sockets on the node. Only namespaces and addresses this test
// creates are used, and all of them are removed, also on failure.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/lb/datapath.h"
#include "tests/bpf/testing.h"

namespace gwapi::lb {
namespace {

using testing::Be;
using testing::Fe;
using testing::Ip;

constexpr uint16_t kProxyPort = 12141;

// Runs a shell command; false if it failed.
bool Sh(const std::string& cmd) {
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  return rc == 0;
}

// Two named network namespaces joined by a veth pair: node end n0
// (10.0.0.1/24, fd00:1::1/64), client end c0 (10.0.0.2/24, fd00:1::2/64),
// and client routes to the Gateway addresses through the node.
class Namespaces {
 public:
  Namespaces()
      : node_(absl::StrCat("gwdp-n-", getpid())), client_(absl::StrCat("gwdp-c-", getpid())) {}
  ~Namespaces() {
    if (created_node_) Sh("ip netns del " + node_);
    if (created_client_) Sh("ip netns del " + client_);
  }
  // "" on success, else the failing command.
  std::string Create() {
    created_node_ = Sh("ip netns add " + node_);
    if (!created_node_) return "ip netns add " + node_;
    created_client_ = Sh("ip netns add " + client_);
    if (!created_client_) return "ip netns add " + client_;
    const std::string n = "ip -n " + node_ + " ", c = "ip -n " + client_ + " ";
    for (const std::string& cmd : {
             n + "link add n0 type veth peer name c0 netns " + client_,
             n + "addr add 10.0.0.1/24 dev n0",
             n + "link set n0 up",
             n + "link set lo up",
             c + "addr add 10.0.0.2/24 dev c0",
             c + "link set c0 up",
             c + "link set lo up",
             c + "route add 172.17.0.0/16 via 10.0.0.1",
             n + "addr add fd00:1::1/64 dev n0 nodad",
             c + "addr add fd00:1::2/64 dev c0 nodad",
             c + "route add 2001:db8::/64 via fd00:1::1",
         }) {
      if (!Sh(cmd)) return cmd;
    }
    return "";
  }
  const std::string& node() const { return node_; }
  const std::string& client() const { return client_; }

 private:
  std::string node_, client_;
  bool created_node_ = false, created_client_ = false;
};

// Moves this thread into a named namespace until destroyed.
class InNetns {
 public:
  explicit InNetns(const std::string& name) {
    original_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int fd = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    ok_ = original_ >= 0 && fd >= 0 && setns(fd, CLONE_NEWNET) == 0;
    if (fd >= 0) close(fd);
  }
  ~InNetns() {
    if (original_ >= 0) {
      if (setns(original_, CLONE_NEWNET) != 0) ADD_FAILURE() << "cannot return to the test netns";
      close(original_);
    }
  }
  bool ok() const { return ok_; }

 private:
  int original_ = -1;
  bool ok_ = false;
};

// A socket address from text, IPv4 or IPv6.
sockaddr_storage Addr(const char* ip, uint16_t port, socklen_t* len) {
  sockaddr_storage ss{};
  auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    *len = sizeof(*a4);
  } else {
    inet_pton(AF_INET6, ip, &a6->sin6_addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    *len = sizeof(*a6);
  }
  return ss;
}

int Bound(int type, const char* ip, uint16_t port) {
  socklen_t len;
  sockaddr_storage a = Addr(ip, port, &len);
  int fd = socket(a.ss_family, type | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) {
    close(fd);
    return -1;
  }
  if (type == SOCK_STREAM) listen(fd, 16);
  return fd;
}

std::string Str(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    return absl::StrCat(buf, ":", ntohs(a->sin_port));
  }
  const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
  inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
  return absl::StrCat("[", buf, "]:", ntohs(a->sin6_port));
}

std::string Str(const sockaddr_in& a) {
  sockaddr_storage ss{};
  std::memcpy(&ss, &a, sizeof(a));
  return Str(ss);
}

// The client: TCP to the L4 and the L7 frontend, UDP to the L4 UDP
// frontend. Exit code 0, or the step that failed.
int Client(const std::string& ns) {
  int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return 20;
  timeval tv{3, 0};
  const struct {
    const char* ip;
    uint16_t port;
  } tcp[] = {{"172.17.0.70", 5432}, {"172.17.0.64", 80}, {"2001:db8::70", 5432}};
  for (int i = 0; i < 3; ++i) {
    socklen_t len;
    sockaddr_storage to = Addr(tcp[i].ip, tcp[i].port, &len);
    int s = socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(s, reinterpret_cast<sockaddr*>(&to), len) != 0) return 21 + 10 * i;
    if (send(s, "ping", 4, 0) != 4) return 22 + 10 * i;
    char buf[8];
    if (recv(s, buf, 4, MSG_WAITALL) != 4 || std::memcmp(buf, "ping", 4) != 0) {
      return 23 + 10 * i;
    }
    close(s);
  }
  int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(53);
  inet_pton(AF_INET, "172.17.0.71", &to.sin_addr);
  if (sendto(u, "ping", 4, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 4) return 51;
  sockaddr_in from{};
  socklen_t len = sizeof(from);
  char buf[8];
  if (recvfrom(u, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len) != 4) return 52;
  if (Str(from) != "172.17.0.71:53") return 53;
  return 0;
}

// Accepts one connection on `listener`, echoes 4 bytes, and returns the
// client address the server saw and the local address it was reached on.
bool ServeOne(int listener, std::string* peer, std::string* local) {
  pollfd p{listener, POLLIN, 0};
  if (poll(&p, 1, 5000) != 1) return false;
  sockaddr_storage a{};
  socklen_t len = sizeof(a);
  int c = accept4(listener, reinterpret_cast<sockaddr*>(&a), &len, SOCK_CLOEXEC);
  if (c < 0) return false;
  *peer = Str(a);
  len = sizeof(a);
  getsockname(c, reinterpret_cast<sockaddr*>(&a), &len);
  *local = Str(a);
  timeval tv{3, 0};
  setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char buf[8];
  bool ok = recv(c, buf, 4, MSG_WAITALL) == 4 && send(c, buf, 4, 0) == 4;
  // Wait for the client to close first, so the echo is not cut short.
  recv(c, buf, sizeof(buf), 0);
  close(c);
  return ok;
}

TEST(TcTraffic, ClientReachesL4L7AndIpv6GatewayAddressesThroughTheNode) {
  const std::string why = testing::BpfUnavailable();
  if (!why.empty()) GTEST_SKIP() << "SKIPPED: eBPF datapath tests need BPF: " << why;
  testing::PinDir pins;
  ASSERT_TRUE(pins.ok());
  testing::LbMaps maps = testing::OpenLbMaps(pins.globals());
  ASSERT_NE(maps.writer, nullptr);
  DesiredState d;
  d.frontends = {
      Fe("172.17.0.70", 5432, FrontendType::kLoadBalancer, {Be("10.0.0.1", 8080)}),
      Fe("172.17.0.64", 80, FrontendType::kL7LoadBalancer, {Be("192.192.192.192", 9999)},
         Protocol::kTcp, kProxyPort),
      Fe("172.17.0.71", 53, FrontendType::kLoadBalancer,
         {Be("10.0.0.1", 5353, 1, BackendState::kActive, Protocol::kUdp)}, Protocol::kUdp),
      Fe("2001:db8::70", 5432, FrontendType::kLoadBalancer, {Be("fd00:1::1", 8080)}),
  };
  absl::Status s = maps.writer->Sync(d);
  ASSERT_TRUE(s.ok()) << s;

  Namespaces ns;
  const std::string failed = ns.Create();
  ASSERT_EQ(failed, "") << "network namespace setup";
  InNetns in_node(ns.node());
  ASSERT_TRUE(in_node.ok()) << std::strerror(errno);

  DatapathOptions o;
  o.pin_path = pins.globals();
  o.pin_own_maps = false;
  o.socket_lb = false;
  o.ifindex = static_cast<int>(if_nametoindex("n0"));
  ASSERT_NE(o.ifindex, 0);
  o.tc_l7_proxy_v4 = Ip("10.0.0.1");
  auto dp = Datapath::Create(o);
  ASSERT_TRUE(dp.ok()) << dp.status();

  int backend = Bound(SOCK_STREAM, "10.0.0.1", 8080);
  int proxy = Bound(SOCK_STREAM, "10.0.0.1", kProxyPort);
  int udp = Bound(SOCK_DGRAM, "10.0.0.1", 5353);
  int backend6 = Bound(SOCK_STREAM, "fd00:1::1", 8080);
  ASSERT_GE(backend6, 0) << std::strerror(errno);
  ASSERT_GE(backend, 0);
  ASSERT_GE(proxy, 0);
  ASSERT_GE(udp, 0);

  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(Client(ns.client()));

  std::string peer, local;
  EXPECT_TRUE(ServeOne(backend, &peer, &local)) << "L4 backend";
  EXPECT_EQ(peer.substr(0, peer.find(':')), "10.0.0.2") << "client address kept (no SNAT)";
  EXPECT_EQ(local, "10.0.0.1:8080");
  EXPECT_TRUE(ServeOne(proxy, &peer, &local)) << "L7 proxy";
  EXPECT_EQ(local, absl::StrCat("10.0.0.1:", kProxyPort));
  EXPECT_TRUE(ServeOne(backend6, &peer, &local)) << "IPv6 L4 backend";
  EXPECT_EQ(peer.substr(0, peer.find(']') + 1), "[fd00:1::2]");
  EXPECT_EQ(local, "[fd00:1::1]:8080");
  pollfd p{udp, POLLIN, 0};
  if (poll(&p, 1, 5000) == 1) {
    sockaddr_in from{};
    socklen_t len = sizeof(from);
    char buf[8];
    if (recvfrom(udp, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len) == 4) {
      sendto(udp, buf, 4, 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  } else {
    ADD_FAILURE() << "UDP backend received nothing";
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "client step " << WEXITSTATUS(status)
      << " (2x: L4 TCP, 3x: L7 TCP, 4x: IPv6 L4 TCP, 5x: UDP; x1 connect or send, "
         "x2 send or receive, x3 echo or source)";
  close(backend6);
  close(backend);
  close(proxy);
  close(udp);
  dp->reset();  // detach inside the node namespace
}

}  // namespace
}  // namespace gwapi::lb
