#include "tests/bpf/testing.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace gwapi::lb::testing {
namespace {

constexpr long kBpfFsMagic = 0xcafe4a11;
constexpr char kBpfFs[] = "/sys/fs/bpf";

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  f.flush();
  return static_cast<bool>(f);
}

// Ones' complement sum of `len` bytes, folded to 16 bits by the caller.
uint32_t Sum(const uint8_t* p, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (len & 1) sum += p[len - 1] << 8;
  return sum;
}

uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

void Put16(std::string* s, size_t off, uint16_t v) {
  (*s)[off] = static_cast<char>(v >> 8);
  (*s)[off + 1] = static_cast<char>(v & 0xff);
}

uint16_t Get16(const std::string& s, size_t off) {
  return (static_cast<uint8_t>(s[off]) << 8) | static_cast<uint8_t>(s[off + 1]);
}

// The L4 checksum over the pseudo header and `l4` (with its checksum field
// as it is); 0 when the segment is right.
uint16_t L4Sum(const std::string& frame, bool v6, size_t l4off, uint8_t proto) {
  const uint8_t* b = reinterpret_cast<const uint8_t*>(frame.data());
  const size_t l4len = frame.size() - l4off;
  uint32_t sum = 0;
  if (v6) {
    sum = Sum(b + 14 + 8, 32, sum);
  } else {
    sum = Sum(b + 14 + 12, 8, sum);
  }
  sum += proto;
  sum += static_cast<uint32_t>(l4len);
  sum = Sum(b + l4off, l4len, sum);
  return Fold(sum);
}

}  // namespace

std::string BpfUnavailable() {
  if (geteuid() != 0) return "needs root (CAP_BPF, CAP_NET_ADMIN, cgroup and bpffs access)";
  struct statfs fs;
  if (statfs(kBpfFs, &fs) != 0 || fs.f_type != kBpfFsMagic) {
    if (mount("bpf", kBpfFs, "bpf", 0, "mode=0700") != 0) {
      return std::string("cannot mount bpffs at /sys/fs/bpf: ") + std::strerror(errno);
    }
  }
  int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "gwapi_probe", 4, 4, 1, nullptr);
  if (fd < 0) return std::string("bpf(BPF_MAP_CREATE) failed: ") + std::strerror(-fd);
  close(fd);
  return "";
}

void RemoveTree(const std::string& path) {
  DIR* d = opendir(path.c_str());
  if (d != nullptr) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string child = path + "/" + name;
      struct stat st;
      if (lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        RemoveTree(child);
      } else {
        unlink(child.c_str());
      }
    }
    closedir(d);
  }
  rmdir(path.c_str());
}

PinDir::PinDir() {
  char tmpl[] = "/sys/fs/bpf/gwapi_dp_test_XXXXXX";
  if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
}

PinDir::~PinDir() {
  if (!path_.empty()) RemoveTree(path_);
}

LbMaps OpenLbMaps(const std::string& pin_path, uint32_t size) {
  LbMaps m;
  LibbpfMapOptions o;
  o.pin_path = pin_path;
  o.sizes.services = size;
  o.sizes.backends = size;
  o.sizes.rev_nat = size;
  auto b = LibbpfMapBackend::Open(o);
  if (!b.ok()) {
    ADD_FAILURE() << b.status();
    return m;
  }
  auto w = Writer::Create(b->get());
  if (!w.ok()) {
    ADD_FAILURE() << w.status();
    return m;
  }
  m.backend = std::move(*b);
  m.writer = std::move(*w);
  return m;
}

std::string CgroupV2Mount() {
  std::ifstream f("/proc/self/mounts");
  std::string line;
  while (std::getline(f, line)) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts.size() >= 3 && parts[2] == "cgroup2") return parts[1];
  }
  return "";
}

std::string CgroupGuard::Enter() {
  const std::string mount = CgroupV2Mount();
  if (mount.empty()) return "no cgroup2 filesystem in /proc/self/mounts";
  std::ifstream f("/proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("0::", 0) == 0) original_ = mount + line.substr(3);
  }
  if (original_.empty()) return "no cgroup v2 entry (0::) in /proc/self/cgroup";
  std::string tmpl = mount + "/gwapi_dp_test_XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::StrCat("mkdir under ", mount, ": ", std::strerror(errno));
  }
  path_ = tmpl;
  if (!WriteFile(path_ + "/cgroup.procs", absl::StrCat(getpid()))) {
    return absl::StrCat("cannot move this process into ", path_);
  }
  return "";
}

CgroupGuard::~CgroupGuard() {
  if (path_.empty()) return;
  if (!original_.empty() && !WriteFile(original_ + "/cgroup.procs", absl::StrCat(getpid()))) {
    // The root of a hierarchy always accepts a process.
    WriteFile(CgroupV2Mount() + "/cgroup.procs", absl::StrCat(getpid()));
  }
  if (rmdir(path_.c_str()) != 0) {
    ADD_FAILURE() << "cannot remove cgroup " << path_ << ": " << std::strerror(errno);
  }
}

Address Ip(const char* text) {
  absl::StatusOr<Address> a = Address::Parse(text);
  if (!a.ok()) std::abort();
  return *a;
}

Backend Be(const char* ip, uint16_t port, uint32_t weight, BackendState state, Protocol p) {
  Backend b;
  b.address = Ip(ip);
  b.port = port;
  b.weight = weight;
  b.state = state;
  b.protocol = p;
  return b;
}

Frontend Fe(const char* ip, uint16_t port, FrontendType type, std::vector<Backend> backends,
            Protocol p, uint16_t l7_proxy_port) {
  Frontend f;
  f.address = Ip(ip);
  f.port = port;
  f.type = type;
  f.protocol = p;
  f.l7_proxy_port = l7_proxy_port;
  f.backends = std::move(backends);
  return f;
}

std::string BuildPacket(const PacketSpec& p) {
  const bool v6 = p.src.family == Family::kV6;
  const bool tcp = p.proto == Protocol::kTcp;
  const size_t l3len = v6 ? 40 : 20;
  const size_t l4hdr = tcp ? 20 : 8;
  const size_t l4len = l4hdr + p.payload.size();
  std::string f(14 + l3len + l4len, '\0');
  const char eth[] = "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02";
  std::memcpy(f.data(), eth, 12);
  Put16(&f, 12, v6 ? 0x86dd : 0x0800);
  const size_t l3 = 14, l4 = 14 + l3len;
  const uint8_t proto = static_cast<uint8_t>(p.proto);
  if (v6) {
    f[l3] = 0x60;
    Put16(&f, l3 + 4, static_cast<uint16_t>(l4len));
    f[l3 + 6] = static_cast<char>(proto);
    f[l3 + 7] = 64;
    std::memcpy(&f[l3 + 8], p.src.bytes.data(), 16);
    std::memcpy(&f[l3 + 24], p.dst.bytes.data(), 16);
  } else {
    f[l3] = 0x45;
    Put16(&f, l3 + 2, static_cast<uint16_t>(l3len + l4len));
    Put16(&f, l3 + 4, 0x1234);
    Put16(&f, l3 + 6, p.fragment ? 0x2000 : 0x4000);
    f[l3 + 8] = 64;
    f[l3 + 9] = static_cast<char>(proto);
    std::memcpy(&f[l3 + 12], p.src.bytes.data(), 4);
    std::memcpy(&f[l3 + 16], p.dst.bytes.data(), 4);
    Put16(&f, l3 + 10, Fold(Sum(reinterpret_cast<const uint8_t*>(f.data()) + l3, 20)));
  }
  Put16(&f, l4, p.sport);
  Put16(&f, l4 + 2, p.dport);
  if (tcp) {
    Put16(&f, l4 + 4, 0);
    Put16(&f, l4 + 6, 1);  // seq 1
    f[l4 + 12] = 0x50;     // data offset 5
    f[l4 + 13] = 0x02;     // SYN
    Put16(&f, l4 + 14, 65535);
  } else {
    Put16(&f, l4 + 4, static_cast<uint16_t>(l4len));
  }
  std::memcpy(&f[l4 + l4hdr], p.payload.data(), p.payload.size());
  const size_t csum = l4 + (tcp ? 16 : 6);
  if (!(p.udp_zero_checksum && !tcp && !v6)) {
    uint16_t c = L4Sum(f, v6, l4, proto);
    if (!tcp && c == 0) c = 0xffff;  // UDP sends a zero sum as all ones
    Put16(&f, csum, c);
  }
  return f;
}

std::string ChecksumError(const std::string& frame) {
  if (frame.size() < 14) return "short frame";
  const uint16_t type = Get16(frame, 12);
  const bool v6 = type == 0x86dd;
  if (!v6 && type != 0x0800) return "not IP";
  const uint8_t* b = reinterpret_cast<const uint8_t*>(frame.data());
  size_t l4;
  uint8_t proto;
  if (v6) {
    l4 = 14 + 40;
    proto = b[14 + 6];
  } else {
    if (Fold(Sum(b + 14, 20)) != 0) return "IPv4 header checksum";
    l4 = 14 + 20;
    proto = b[14 + 9];
  }
  if (proto == 17 && !v6 && Get16(frame, l4 + 6) == 0) return "";  // no UDP checksum
  if (L4Sum(frame, v6, l4, proto) != 0) return proto == 6 ? "TCP checksum" : "UDP checksum";
  return "";
}

std::string HexDump(const std::string& bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    absl::StrAppendFormat(&out, "%s%02x", i == 0 ? "" : (i % 16 == 0 ? "\n" : " "),
                          static_cast<uint8_t>(bytes[i]));
  }
  return out;
}

}  // namespace gwapi::lb::testing
