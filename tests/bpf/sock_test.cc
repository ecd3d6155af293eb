// The socket programs of bpf/lb_sock.bpf.c with real sockets: this process
// moves into a child cgroup of the v2 hierarchy, the programs are attached
// there, backends and proxies are real servers on loopback, and frontends
// are programmed with the Writer.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "gwapi/lb_datapath.h"
#include "lib/lb/datapath.h"
#include "tests/bpf/testing.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

namespace gwapi::lb {
namespace {

using testing::Be;
using testing::Fe;
using testing::Ip;

#define ASSERT_OK(expr)             \
  do {                              \
    const absl::Status s_ = (expr); \
    ASSERT_TRUE(s_.ok()) << s_;     \
  } while (0)

// A socket closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// An IPv4 or IPv6 socket address.
struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;

  static SockAddr Of(const char* ip, uint16_t port) {
    SockAddr a;
    const Address addr = Ip(ip);
    if (addr.family == Family::kV4) {
      auto* s = reinterpret_cast<sockaddr_in*>(&a.ss);
      s->sin_family = AF_INET;
      s->sin_port = htons(port);
      std::memcpy(&s->sin_addr, addr.bytes.data(), 4);
      a.len = sizeof(sockaddr_in);
    } else {
      auto* s = reinterpret_cast<sockaddr_in6*>(&a.ss);
      s->sin6_family = AF_INET6;
      s->sin6_port = htons(port);
      std::memcpy(&s->sin6_addr, addr.bytes.data(), 16);
      a.len = sizeof(sockaddr_in6);
    }
    return a;
  }
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&ss); }
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&ss); }
  int family() const { return ss.ss_family; }
  uint16_t port() const {
    return ntohs(family() == AF_INET ? reinterpret_cast<const sockaddr_in*>(&ss)->sin_port
                                     : reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  }
  std::string ToString() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family() == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, buf, sizeof(buf));
      return absl::StrCat(buf, ":", port());
    }
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof(buf));
    return absl::StrCat("[", buf, "]:", port());
  }
};

Fd Socket(int family, int type) {
  int fd = socket(family, type | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd, 0) << std::strerror(errno);
  timeval tv{2, 0};  // never hang the test on a lost datagram
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return Fd(fd);
}

// A server bound to `ip` on an ephemeral port; TCP servers listen.
struct Server {
  Fd fd;
  uint16_t port = 0;
};

Server Serve(const char* ip, int type) {
  Server s;
  SockAddr a = SockAddr::Of(ip, 0);
  s.fd = Socket(a.family(), type);
  int one = 1;
  setsockopt(s.fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  EXPECT_EQ(bind(s.fd.get(), a.sa(), a.len), 0) << std::strerror(errno);
  if (type == SOCK_STREAM) EXPECT_EQ(listen(s.fd.get(), 128), 0);
  SockAddr bound;
  bound.len = sizeof(bound.ss);
  getsockname(s.fd.get(), bound.sa(), &bound.len);
  s.port = bound.port();
  return s;
}

std::string PeerOf(int fd) {
  SockAddr a;
  a.len = sizeof(a.ss);
  if (getpeername(fd, a.sa(), &a.len) != 0) return std::string("error: ") + std::strerror(errno);
  return a.ToString();
}

// Accepts a pending connection on whichever of `listeners` has one; the
// index, or -1 after a second.
int AcceptAny(const std::vector<const Server*>& listeners, Fd* conn) {
  std::vector<pollfd> fds;
  for (const Server* s : listeners) fds.push_back({s->fd.get(), POLLIN, 0});
  if (poll(fds.data(), fds.size(), 1000) <= 0) return -1;
  for (size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].revents & POLLIN) {
      *conn = Fd(accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC));
      return static_cast<int>(i);
    }
  }
  return -1;
}

class SockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = testing::BpfUnavailable();
    if (!why.empty()) GTEST_SKIP() << "SKIPPED: eBPF datapath tests need BPF: " << why;
    ASSERT_TRUE(pins_.ok()) << "mkdtemp under /sys/fs/bpf: " << std::strerror(errno);
    const std::string err = cgroup_.Enter();
    ASSERT_EQ(err, "") << "child cgroup for the socket programs";
    maps_ = testing::OpenLbMaps(pins_.globals());
    ASSERT_NE(maps_.writer, nullptr);
    DatapathOptions o;
    o.pin_path = pins_.globals();
    o.tc_lb = false;
    o.cgroup_path = cgroup_.path();
    auto d = Datapath::Create(o);
    ASSERT_TRUE(d.ok()) << d.status();
    dp_ = std::move(*d);
  }

  // Connects a TCP socket to `ip`:`port` and checks one echo through the
  // server that accepts it.
  void ExpectTcpEcho(const char* ip, uint16_t port, const Server& server, Fd* client_out) {
    SockAddr to = SockAddr::Of(ip, port);
    Fd c = Socket(to.family(), SOCK_STREAM);
    ASSERT_EQ(connect(c.get(), to.sa(), to.len), 0)
        << "connect " << to.ToString() << ": " << std::strerror(errno);
    Fd conn;
    ASSERT_EQ(AcceptAny({&server}, &conn), 0) << "the backend saw no connection";
    ASSERT_EQ(send(c.get(), "ping", 4, 0), 4);
    char buf[8] = {};
    ASSERT_EQ(recv(conn.get(), buf, sizeof(buf), 0), 4);
    ASSERT_EQ(send(conn.get(), buf, 4, 0), 4);
    char back[8] = {};
    ASSERT_EQ(recv(c.get(), back, sizeof(back), 0), 4);
    EXPECT_EQ(std::string(back, 4), "ping");
    *client_out = std::move(c);
  }

  // Sends one datagram from `c` to `ip`:`port`, echoes it from `server`
  // and returns where the reply seemed to come from.
  std::string UdpRoundTrip(int c, const char* ip, uint16_t port, const Server& server) {
    SockAddr to = SockAddr::Of(ip, port);
    if (sendto(c, "ping", 4, 0, to.sa(), to.len) != 4) {
      return std::string("sendto: ") + std::strerror(errno);
    }
    SockAddr from;
    from.len = sizeof(from.ss);
    char buf[8];
    if (recvfrom(server.fd.get(), buf, sizeof(buf), 0, from.sa(), &from.len) != 4) {
      return "backend received nothing";
    }
    sendto(server.fd.get(), buf, 4, 0, from.sa(), from.len);
    SockAddr src;
    src.len = sizeof(src.ss);
    if (recvfrom(c, buf, sizeof(buf), 0, src.sa(), &src.len) != 4) return "no reply";
    return src.ToString();
  }

  testing::PinDir pins_;
  testing::CgroupGuard cgroup_;
  testing::LbMaps maps_;
  std::unique_ptr<Datapath> dp_;
};

TEST_F(SockTest, TcpConnectToClusterIpReachesBackendAndPeerIsClusterIp) {
  Server backend = Serve("127.0.0.1", SOCK_STREAM);
  DesiredState d;
  d.frontends = {Fe("10.96.0.10", 8000, FrontendType::kClusterIP, {Be("127.0.0.1", backend.port)})};
  ASSERT_OK(maps_.writer->Sync(d));
  Fd c;
  ExpectTcpEcho("10.96.0.10", 8000, backend, &c);
  ASSERT_GE(c.get(), 0);
  EXPECT_EQ(PeerOf(c.get()), "10.96.0.10:8000");

  // The socket's reverse-NAT entry names the frontend and its rev-NAT index.
  gwapi_revsk4_key key{};
  socklen_t len = sizeof(key.cookie);
  ASSERT_EQ(getsockopt(c.get(), SOL_SOCKET, SO_COOKIE, &key.cookie, &len), 0);
  std::memcpy(&key.address, Ip("127.0.0.1").bytes.data(), 4);
  key.port = htons(backend.port);
  gwapi_revsk4_val val{};
  ASSERT_EQ(bpf_map_lookup_elem(dp_->revsk_v4_fd(), &key, &val), 0);
  EXPECT_EQ(ntohs(val.port), 8000);
  EXPECT_EQ(ntohs(val.rev_nat_index),
            *maps_.writer->RevNatIndex(Ip("10.96.0.10"), 8000, Protocol::kTcp));

  // Once the frontend is gone, its index no longer names it: the real peer.
  ASSERT_OK(maps_.writer->Sync(DesiredState{}));
  EXPECT_EQ(PeerOf(c.get()), absl::StrCat("127.0.0.1:", backend.port));
}

TEST_F(SockTest, UdpSendtoAndRecvfromSeeTheClusterIp) {
  Server backend = Serve("127.0.0.1", SOCK_DGRAM);
  DesiredState d;
  d.frontends = {Fe("10.96.0.11", 53, FrontendType::kClusterIP,
                    {Be("127.0.0.1", backend.port, 1, BackendState::kActive, Protocol::kUdp)},
                    Protocol::kUdp)};
  ASSERT_OK(maps_.writer->Sync(d));
  Fd c = Socket(AF_INET, SOCK_DGRAM);
  EXPECT_EQ(UdpRoundTrip(c.get(), "10.96.0.11", 53, backend), "10.96.0.11:53");
  EXPECT_EQ(UdpRoundTrip(c.get(), "10.96.0.11", 53, backend), "10.96.0.11:53");
}

TEST_F(SockTest, ConnectedUdpSocketTalksToTheBackend) {
  Server backend = Serve("127.0.0.1", SOCK_DGRAM);
  DesiredState d;
  d.frontends = {Fe("10.96.0.12", 53, FrontendType::kClusterIP,
                    {Be("127.0.0.1", backend.port, 1, BackendState::kActive, Protocol::kUdp)},
                    Protocol::kUdp)};
  ASSERT_OK(maps_.writer->Sync(d));
  Fd c = Socket(AF_INET, SOCK_DGRAM);
  SockAddr to = SockAddr::Of("10.96.0.12", 53);
  ASSERT_EQ(connect(c.get(), to.sa(), to.len), 0) << std::strerror(errno);
  EXPECT_EQ(PeerOf(c.get()), "10.96.0.12:53");
  ASSERT_EQ(send(c.get(), "ping", 4, 0), 4);
  SockAddr from;
  from.len = sizeof(from.ss);
  char buf[8];
  ASSERT_EQ(recvfrom(backend.fd.get(), buf, sizeof(buf), 0, from.sa(), &from.len), 4);
  ASSERT_EQ(sendto(backend.fd.get(), buf, 4, 0, from.sa(), from.len), 4);
  ASSERT_EQ(recv(c.get(), buf, sizeof(buf), 0), 4);
}

TEST_F(SockTest, L7FrontendConnectGoesToTheProxyPort) {
  Server proxy = Serve("127.0.0.1", SOCK_STREAM);
  DesiredState d;
  d.frontends = {Fe("172.17.0.64", 80, FrontendType::kL7LoadBalancer, {Be("192.192.192.192", 9999)},
                    Protocol::kTcp, proxy.port)};
  ASSERT_OK(maps_.writer->Sync(d));
  Fd c;
  ExpectTcpEcho("172.17.0.64", 80, proxy, &c);
  ASSERT_GE(c.get(), 0);
  EXPECT_EQ(PeerOf(c.get()), "172.17.0.64:80");
}

TEST_F(SockTest, FrontendWithoutSelectableBackendIsRefused) {
  DesiredState d;
  d.frontends = {
      Fe("10.96.0.20", 80, FrontendType::kClusterIP,
         {Be("127.0.0.1", 9, 1, BackendState::kTerminating)}),
      Fe("10.96.0.21", 53, FrontendType::kClusterIP, {}, Protocol::kUdp),
  };
  ASSERT_OK(maps_.writer->Sync(d));
  SockAddr to = SockAddr::Of("10.96.0.20", 80);
  Fd c = Socket(AF_INET, SOCK_STREAM);
  EXPECT_EQ(connect(c.get(), to.sa(), to.len), -1);
  EXPECT_EQ(errno, EHOSTUNREACH);
  Fd u = Socket(AF_INET, SOCK_DGRAM);
  SockAddr uto = SockAddr::Of("10.96.0.21", 53);
  EXPECT_EQ(sendto(u.get(), "x", 1, 0, uto.sa(), uto.len), -1);
  EXPECT_EQ(errno, EHOSTUNREACH);
}

TEST_F(SockTest, ConnectionsSpreadOverActiveBackendsOnly) {
  Server a = Serve("127.0.0.1", SOCK_STREAM);
  Server b = Serve("127.0.0.1", SOCK_STREAM);
  Server terminating = Serve("127.0.0.1", SOCK_STREAM);
  DesiredState d;
  d.frontends = {Fe("10.96.0.30", 80, FrontendType::kClusterIP,
                    {Be("127.0.0.1", a.port), Be("127.0.0.1", b.port),
                     Be("127.0.0.1", terminating.port, 1, BackendState::kTerminating)})};
  ASSERT_OK(maps_.writer->Sync(d));
  int hits[3] = {0, 0, 0};
  SockAddr to = SockAddr::Of("10.96.0.30", 80);
  for (int i = 0; i < 64; ++i) {
    Fd c = Socket(AF_INET, SOCK_STREAM);
    ASSERT_EQ(connect(c.get(), to.sa(), to.len), 0) << std::strerror(errno);
    Fd conn;
    int which = AcceptAny({&a, &b, &terminating}, &conn);
    ASSERT_GE(which, 0);
    ++hits[which];
  }
  EXPECT_GT(hits[0], 0);
  EXPECT_GT(hits[1], 0);
  EXPECT_EQ(hits[2], 0) << "a terminating backend was selected";
}

TEST_F(SockTest, UnconnectedUdpSocketStaysOnOneBackend) {
  Server a = Serve("127.0.0.1", SOCK_DGRAM);
  Server b = Serve("127.0.0.1", SOCK_DGRAM);
  DesiredState d;
  d.frontends = {Fe("10.96.0.31", 53, FrontendType::kClusterIP,
                    {Be("127.0.0.1", a.port, 1, BackendState::kActive, Protocol::kUdp),
                     Be("127.0.0.1", b.port, 1, BackendState::kActive, Protocol::kUdp)},
                    Protocol::kUdp)};
  ASSERT_OK(maps_.writer->Sync(d));
  int spread[2] = {0, 0};
  for (int s = 0; s < 32; ++s) {
    Fd c = Socket(AF_INET, SOCK_DGRAM);
    SockAddr to = SockAddr::Of("10.96.0.31", 53);
    for (int i = 0; i < 8; ++i) {
      ASSERT_EQ(sendto(c.get(), "x", 1, 0, to.sa(), to.len), 1) << std::strerror(errno);
    }
    int got[2] = {0, 0};
    const Server* servers[2] = {&a, &b};
    for (int k = 0; k < 2; ++k) {
      char buf[4];
      while (recv(servers[k]->fd.get(), buf, sizeof(buf), MSG_DONTWAIT) == 1) ++got[k];
    }
    EXPECT_EQ(got[0] + got[1], 8);
    EXPECT_TRUE(got[0] == 0 || got[1] == 0) << "one socket's datagrams were split";
    ++spread[got[0] > 0 ? 0 : 1];
  }
  EXPECT_GT(spread[0], 0) << "32 sockets all hashed to one backend";
  EXPECT_GT(spread[1], 0) << "32 sockets all hashed to one backend";
}

TEST_F(SockTest, OtherAddressesAreLeftAlone) {
  Server backend = Serve("127.0.0.1", SOCK_STREAM);
  ASSERT_OK(maps_.writer->Sync(DesiredState{}));
  Fd c;
  ExpectTcpEcho("127.0.0.1", backend.port, backend, &c);
  EXPECT_EQ(PeerOf(c.get()), absl::StrCat("127.0.0.1:", backend.port));
}

TEST_F(SockTest, Ipv6TcpAndUdpSeeTheFrontend) {
  Fd probe = Socket(AF_INET6, SOCK_STREAM);
  SockAddr lo = SockAddr::Of("::1", 0);
  if (bind(probe.get(), lo.sa(), lo.len) != 0) {
    FAIL() << "IPv6 loopback unusable: " << std::strerror(errno);
  }
  Server tcp = Serve("::1", SOCK_STREAM);
  Server udp = Serve("::1", SOCK_DGRAM);
  Server proxy = Serve("::1", SOCK_STREAM);
  DesiredState d;
  d.frontends = {
      Fe("fd00:96::10", 8000, FrontendType::kClusterIP, {Be("::1", tcp.port)}),
      Fe("fd00:96::11", 53, FrontendType::kClusterIP,
         {Be("::1", udp.port, 1, BackendState::kActive, Protocol::kUdp)}, Protocol::kUdp),
      Fe("2001:db8::64", 80, FrontendType::kL7LoadBalancer, {Be("fd00::c0c0", 9999)},
         Protocol::kTcp, proxy.port),
  };
  ASSERT_OK(maps_.writer->Sync(d));
  Fd c;
  ExpectTcpEcho("fd00:96::10", 8000, tcp, &c);
  EXPECT_EQ(PeerOf(c.get()), "[fd00:96::10]:8000");
  Fd u = Socket(AF_INET6, SOCK_DGRAM);
  EXPECT_EQ(UdpRoundTrip(u.get(), "fd00:96::11", 53, udp), "[fd00:96::11]:53");
  Fd l7;
  ExpectTcpEcho("2001:db8::64", 80, proxy, &l7);
  EXPECT_EQ(PeerOf(l7.get()), "[2001:db8::64]:80");
}

TEST_F(SockTest, L7IsTranslatedOnlyInTheNodeNetworkNamespace) {
  Server proxy = Serve("127.0.0.1", SOCK_STREAM);
  Server backend = Serve("127.0.0.1", SOCK_STREAM);
  DesiredState d;
  d.frontends = {
      Fe("172.17.0.64", 80, FrontendType::kL7LoadBalancer, {Be("192.192.192.192", 9999)},
         Protocol::kTcp, proxy.port),
      Fe("10.96.0.10", 8000, FrontendType::kClusterIP, {Be("127.0.0.1", backend.port)}),
  };
  ASSERT_OK(maps_.writer->Sync(d));
  // A child in the same cgroup but a new network namespace with only lo:
  // a translated connect meets no listener there (ECONNREFUSED), an
  // untranslated one to the VIP has no route (ENETUNREACH).
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (unshare(CLONE_NEWNET) != 0) _exit(10);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) _exit(11);
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) _exit(12);
    close(s);
    const struct {
      const char* ip;
      uint16_t port;
      int want;
    } cases[] = {{"172.17.0.64", 80, ENETUNREACH}, {"10.96.0.10", 8000, ECONNREFUSED}};
    for (int i = 0; i < 2; ++i) {
      SockAddr to = SockAddr::Of(cases[i].ip, cases[i].port);
      int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect(c, to.sa(), to.len) == 0) _exit(20 + i);
      if (errno != cases[i].want) _exit(30 + i);
      close(c);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10-12 namespace setup; 20/30 L7 connect was translated; 21/31 ClusterIP was not";
  // In the node's namespace the same L7 connect reaches the proxy.
  Fd c;
  ExpectTcpEcho("172.17.0.64", 80, proxy, &c);
}

TEST_F(SockTest, DestructionDetachesEveryProgram) {
  Fd cg(open(cgroup_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_GE(cg.get(), 0);
  const bpf_attach_type types[] = {
      BPF_CGROUP_INET4_CONNECT,     BPF_CGROUP_UDP4_SENDMSG,      BPF_CGROUP_UDP4_RECVMSG,
      BPF_CGROUP_INET4_GETPEERNAME, BPF_CGROUP_INET6_CONNECT,     BPF_CGROUP_UDP6_SENDMSG,
      BPF_CGROUP_UDP6_RECVMSG,      BPF_CGROUP_INET6_GETPEERNAME,
  };
  for (bpf_attach_type t : types) {
    uint32_t count = 0;
    ASSERT_EQ(bpf_prog_query(cg.get(), t, 0, nullptr, nullptr, &count), 0);
    EXPECT_EQ(count, 1u) << "attach type " << t;
  }
  dp_.reset();
  for (bpf_attach_type t : types) {
    uint32_t count = 0;
    ASSERT_EQ(bpf_prog_query(cg.get(), t, 0, nullptr, nullptr, &count), 0);
    EXPECT_EQ(count, 0u) << "attach type " << t;
  }
}

}  // namespace
}  // namespace gwapi::lb
