// Scratch pin directories under /sys/fs/bpf for the tests and benchmarks
// that use real BPF maps and programs. Not testonly, so that the benchmark
// binaries can link it. The free functions are safe from any thread.
#ifndef GWAPI_TESTS_LB_BPFFS_H_
#define GWAPI_TESTS_LB_BPFFS_H_

#include <string>

namespace gwapi::lb::bpffs {

// Why real BPF maps and programs cannot be used here, or "" if they can.
// Mounts bpffs at /sys/fs/bpf if it is missing.
std::string BpfUnavailable();

// Creates a fresh directory /sys/fs/bpf/<prefix>XXXXXX and returns its path;
// on failure returns "" and sets *why.
std::string MakePinDir(const std::string& prefix, std::string* why);

// Removes `path` with every pin and directory below it.
void RemoveTree(const std::string& path);

// A fresh directory /sys/fs/bpf/<prefix>XXXXXX, removed with every pin below
// it. Empty path (ok() false) if it could not be made. Not thread-safe.
class PinDir {
 public:
  explicit PinDir(const std::string& prefix);
  ~PinDir();
  PinDir(const PinDir&) = delete;
  PinDir& operator=(const PinDir&) = delete;
  bool ok() const { return !path_.empty(); }
  // Why the directory could not be made; "" when ok().
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  // Where the LB maps go (the Cilium layout: <dir>/tc/globals).
  std::string globals() const { return path_ + "/tc/globals"; }

 private:
  std::string path_;
  std::string error_;
};

}  // namespace gwapi::lb::bpffs

#endif  // GWAPI_TESTS_LB_BPFFS_H_
