#include "tests/lb/bpffs.h"

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

namespace gwapi::lb::bpffs {
namespace {

constexpr long kBpfFsMagic = 0xcafe4a11;
constexpr char kBpfFs[] = "/sys/fs/bpf";

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

std::string MakePinDir(const std::string& prefix, std::string* why) {
  std::string tmpl = std::string(kBpfFs) + "/" + prefix + "XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    *why = std::string("mkdtemp under /sys/fs/bpf: ") + std::strerror(errno);
    return "";
  }
  return tmpl;
}

void RemoveTree(const std::string& path) {
  if (DIR* d = opendir(path.c_str())) {
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

PinDir::PinDir(const std::string& prefix) { path_ = MakePinDir(prefix, &error_); }

PinDir::~PinDir() {
  if (!path_.empty()) RemoveTree(path_);
}

}  // namespace gwapi::lb::bpffs
