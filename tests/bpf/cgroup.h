// A scratch cgroup v2 for the datapath tests and benchmarks that attach the
// socket programs. Not testonly, so that the benchmark binaries can link it.
#ifndef GWAPI_TESTS_BPF_CGROUP_H_
#define GWAPI_TESTS_BPF_CGROUP_H_

#include <string>

namespace gwapi::lb::cgroup {

// The cgroup v2 mount point from /proc/self/mounts, or "".
std::string CgroupV2Mount();

// A child cgroup of the v2 hierarchy holding this process while it lives.
// Leave(), also run by the destructor, moves the process back and removes
// the cgroup. Not thread-safe.
class Scratch {
 public:
  Scratch() = default;
  ~Scratch() { Leave(); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  // Creates <mount>/<prefix>XXXXXX and moves this process into it; "" on
  // success, else why not.
  std::string Enter(const std::string& prefix);
  // "" when done (or nothing to do), else why the cgroup was not removed.
  std::string Leave();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string original_;  // the cgroup this process came from
};

}  // namespace gwapi::lb::cgroup

#endif  // GWAPI_TESTS_BPF_CGROUP_H_
