// Shared fixtures for the datapath tests: why BPF cannot be used here,
// pin directories and cgroups that clean up after themselves, and packets
// built byte by byte with checksums computed independently of the kernel.
#ifndef GWAPI_TESTS_BPF_TESTING_H_
#define GWAPI_TESTS_BPF_TESTING_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/lb/libbpf_backend.h"
#include "lib/lb/types.h"
#include "lib/lb/writer.h"

namespace gwapi::lb::testing {

// Why real BPF programs cannot be loaded here, or "" if they can. Mounts
// bpffs at /sys/fs/bpf if it is missing.
std::string BpfUnavailable();

// A fresh directory under /sys/fs/bpf, removed with every pin below it.
class PinDir {
 public:
  PinDir();
  ~PinDir();
  PinDir(const PinDir&) = delete;
  PinDir& operator=(const PinDir&) = delete;
  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  // Where the LB maps go (the Cilium layout: <dir>/tc/globals).
  std::string globals() const { return path_ + "/tc/globals"; }

 private:
  std::string path_;
};

void RemoveTree(const std::string& path);

// The LB maps pinned under a PinDir with a Writer over them.
struct LbMaps {
  std::unique_ptr<LibbpfMapBackend> backend;
  std::unique_ptr<Writer> writer;
};
// Creates the maps (max_entries `size`) and a Writer; empty on error (the
// error is reported as a test failure).
LbMaps OpenLbMaps(const std::string& pin_path, uint32_t size = 1024);

// The cgroup v2 mount point from /proc/self/mounts, or "".
std::string CgroupV2Mount();

// A child cgroup of the v2 hierarchy holding this process while it lives;
// the destructor moves the process back and removes the cgroup.
class CgroupGuard {
 public:
  CgroupGuard() = default;
  ~CgroupGuard();
  CgroupGuard(const CgroupGuard&) = delete;
  CgroupGuard& operator=(const CgroupGuard&) = delete;
  // "" on success, else why not.
  std::string Enter();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string original_;  // the cgroup this process came from
};

Address Ip(const char* text);
Backend Be(const char* ip, uint16_t port, uint32_t weight = 1,
           BackendState state = BackendState::kActive, Protocol p = Protocol::kTcp);
Frontend Fe(const char* ip, uint16_t port, FrontendType type, std::vector<Backend> backends,
            Protocol p = Protocol::kTcp, uint16_t l7_proxy_port = 0);

// One Ethernet frame carrying IPv4 or IPv6 and TCP or UDP.
struct PacketSpec {
  Address src;
  Address dst;
  uint16_t sport = 0;
  uint16_t dport = 0;
  Protocol proto = Protocol::kTcp;
  std::string payload = "hello";
  bool udp_zero_checksum = false;  // IPv4 UDP without a checksum
  bool fragment = false;           // IPv4 "more fragments" set
};
// The frame with correct IPv4 header and TCP/UDP checksums.
std::string BuildPacket(const PacketSpec& p);
// "" if every checksum of the frame is right, else which one is wrong.
std::string ChecksumError(const std::string& frame);
// Readable dump for failure messages.
std::string HexDump(const std::string& bytes);

}  // namespace gwapi::lb::testing

#endif  // GWAPI_TESTS_BPF_TESTING_H_
