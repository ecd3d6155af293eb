#include "tests/bpf/cgroup.h"

#include <errno.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace gwapi::lb::cgroup {
namespace {

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  f.flush();
  return static_cast<bool>(f);
}

}  // namespace

std::string CgroupV2Mount() {
  std::ifstream f("/proc/self/mounts");
  std::string line;
  while (std::getline(f, line)) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts.size() >= 3 && parts[2] == "cgroup2") return parts[1];
  }
  return "";
}

std::string Scratch::Enter(const std::string& prefix) {
  const std::string mount = CgroupV2Mount();
  if (mount.empty()) return "no cgroup2 filesystem in /proc/self/mounts";
  std::ifstream f("/proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("0::", 0) == 0) original_ = mount + line.substr(3);
  }
  if (original_.empty()) return "no cgroup v2 entry (0::) in /proc/self/cgroup";
  std::string tmpl = absl::StrCat(mount, "/", prefix, "XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::StrCat("mkdir under ", mount, ": ", std::strerror(errno));
  }
  path_ = tmpl;
  if (!WriteFile(path_ + "/cgroup.procs", absl::StrCat(getpid()))) {
    return absl::StrCat("cannot move this process into ", path_);
  }
  return "";
}

std::string Scratch::Leave() {
  if (path_.empty()) return "";
  if (!original_.empty() && !WriteFile(original_ + "/cgroup.procs", absl::StrCat(getpid()))) {
    // The root of a hierarchy always accepts a process.
    WriteFile(CgroupV2Mount() + "/cgroup.procs", absl::StrCat(getpid()));
  }
  const std::string path = std::move(path_);
  path_.clear();
  if (rmdir(path.c_str()) != 0) {
    return absl::StrCat("cannot remove cgroup ", path, ": ", std::strerror(errno));
  }
  return "";
}

}  // namespace gwapi::lb::cgroup
