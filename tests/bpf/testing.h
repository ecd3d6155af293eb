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
#include "tests/bpf/cgroup.h"
#include "tests/lb/bpffs.h"
#include "tests/lb/testing.h"

namespace gwapi::lb::testing {

using bpffs::BpfUnavailable;
using bpffs::RemoveTree;

// A fresh /sys/fs/bpf/gwapi_dp_test_* directory, removed with every pin below
// it.
class PinDir : public bpffs::PinDir {
 public:
  PinDir() : bpffs::PinDir("gwapi_dp_test_") {}
};

// The LB maps pinned under a PinDir with a Writer over them.
struct LbMaps {
  std::unique_ptr<LibbpfMapBackend> backend;
  std::unique_ptr<Writer> writer;
};
// Creates the maps (max_entries `size`) and a Writer; empty on error (the
// error is reported as a test failure).
LbMaps OpenLbMaps(const std::string& pin_path, uint32_t size = 1024);

// A child cgroup of the v2 hierarchy holding this process while it lives;
// the destructor moves the process back and removes the cgroup, reporting a
// failure to remove it as a test failure.
class CgroupGuard : public cgroup::Scratch {
 public:
  ~CgroupGuard();
  // "" on success, else why not.
  std::string Enter() { return Scratch::Enter("gwapi_dp_test_"); }
};

// Ip(), Be() and Fe() come from tests/lb/testing.h.

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
