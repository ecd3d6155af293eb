// The node's eBPF datapath for the end-to-end test: loads lib/lb's
// Datapath over the LB maps pinned at --pin_path, attaches the socket
// programs to --cgroup and the tc programs to --ifname (in the network
// namespace this runs in), prints "ready" and keeps everything attached
// until stdin closes. Tying the lifetime to stdin means a test that dies
// still detaches the programs: its end of the pipe closes with it.
//
//   node_datapath --pin_path=DIR --cgroup=DIR --ifname=IF --node_address=IP
#include <net/if.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "lib/lb/datapath.h"
#include "lib/lb/types.h"

namespace {

constexpr char kUsage[] =
    "usage: node_datapath --pin_path=DIR --cgroup=DIR --ifname=IF [--node_address=IPV4]\n"
    "  --pin_path      directory of the pinned LB maps (the writer's pin path)\n"
    "  --cgroup        cgroup v2 directory for the socket programs\n"
    "  --ifname        interface for the tc programs, in this network namespace\n"
    "  --node_address  address the L7 proxy listens on, for traffic from outside\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "node_datapath: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {
      {"pin_path", ""}, {"cgroup", ""}, {"ifname", ""}, {"node_address", ""}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    if (!absl::StartsWith(arg, "--") || eq == std::string::npos ||
        flags.find(arg.substr(2, eq - 2)) == flags.end()) {
      std::fputs(kUsage, stderr);
      return Fail("unknown argument " + arg);
    }
    flags[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
  }
  if (flags["pin_path"].empty() || flags["cgroup"].empty() || flags["ifname"].empty()) {
    std::fputs(kUsage, stderr);
    return Fail("--pin_path, --cgroup and --ifname are required");
  }

  gwapi::lb::DatapathOptions o;
  o.pin_path = flags["pin_path"];
  o.cgroup_path = flags["cgroup"];
  o.ifindex = static_cast<int>(if_nametoindex(flags["ifname"].c_str()));
  if (o.ifindex == 0) {
    return Fail("no interface " + flags["ifname"] + ": " + std::strerror(errno));
  }
  if (!flags["node_address"].empty()) {
    auto a = gwapi::lb::Address::Parse(flags["node_address"]);
    if (!a.ok()) return Fail("--node_address: " + std::string(a.status().message()));
    o.tc_l7_proxy_v4 = *a;
  }
  auto dp = gwapi::lb::Datapath::Create(o);
  if (!dp.ok()) return Fail(dp.status().ToString());

  std::printf("ready\n");
  std::fflush(stdout);
  char buf[256];
  while (true) {
    const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0 && errno != EINTR) break;
  }
  dp->reset();  // detach while still in this network namespace
  return 0;
}
