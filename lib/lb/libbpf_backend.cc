#include "lib/lb/libbpf_backend.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace gwapi::lb {
namespace {

#ifndef ENOTSUPP
#define ENOTSUPP 524  // kernel-internal, but bpf() returns it
#endif

absl::Status MakeDirs(const std::string& path) {
  std::string cur;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      cur = path.substr(0, i);
      if (mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
        return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", cur));
      }
    }
  }
  return absl::OkStatus();
}

const char* SizeOption(MapId map) {
  switch (map) {
    case MapId::kServices4:
    case MapId::kServices6:
      return "MapSizes::services";
    case MapId::kBackends4:
    case MapId::kBackends6:
      return "MapSizes::backends";
    default:
      return "MapSizes::rev_nat";
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<LibbpfMapBackend>> LibbpfMapBackend::Open(LibbpfMapOptions options) {
  std::unique_ptr<LibbpfMapBackend> b(new LibbpfMapBackend(std::move(options)));
  for (MapId m : kAllMaps) GWAPI_RETURN_IF_ERROR(b->OpenMap(m));
  return b;
}

LibbpfMapBackend::~LibbpfMapBackend() {
  for (int fd : fds_) {
    if (fd >= 0) close(fd);
  }
}

std::string LibbpfMapBackend::PinPathOf(MapId map) const {
  return absl::StrCat(options_.pin_path, "/", GetMapSpec(map).name);
}

absl::Status LibbpfMapBackend::Errno(MapId map, const char* op, int err) const {
  const MapSpec& spec = GetMapSpec(map);
  if (err == E2BIG || err == ENOSPC || err == ENOMEM) {
    return absl::ResourceExhaustedError(absl::StrCat(
        spec.name, " is full (max_entries ", MaxEntries(map), "): ", op, ": ", std::strerror(err),
        "; raise ", SizeOption(map),
        " (the maps must then be recreated, which breaks existing connections, as with "
        "Cilium's --bpf-lb-map-max)"));
  }
  return absl::ErrnoToStatus(err, absl::StrCat(spec.name, ": ", op));
}

absl::Status LibbpfMapBackend::OpenMap(MapId map) {
  const MapSpec& spec = GetMapSpec(map);
  const std::string path = PinPathOf(map);
  const uint32_t max_entries = options_.sizes.For(map);
  const int idx = static_cast<int>(map);
  ++syscalls_;
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0 && -fd == ENOENT && options_.create_missing) {
    GWAPI_RETURN_IF_ERROR(MakeDirs(options_.pin_path));
    LIBBPF_OPTS(bpf_map_create_opts, opts,
                .map_flags = options_.preallocate ? 0u : static_cast<__u32>(BPF_F_NO_PREALLOC));
    // The kernel keeps 15 characters of the name; the pin has all of it.
    ++syscalls_;
    fd = bpf_map_create(BPF_MAP_TYPE_HASH, spec.name, spec.key_size, spec.value_size, max_entries,
                        &opts);
    if (fd < 0) return Errno(map, "create", -fd);
    ++syscalls_;
    int err = bpf_obj_pin(fd, path.c_str());
    if (err < 0) {
      close(fd);
      if (-err != EEXIST) {
        return absl::ErrnoToStatus(
            -err, absl::StrCat("pin ", path, " (is ", options_.pin_path, " on a bpf filesystem?)"));
      }
      // Another writer pinned it first: use theirs, after the checks below.
      ++syscalls_;
      fd = bpf_obj_get(path.c_str());
    }
  }
  if (fd < 0) return absl::ErrnoToStatus(-fd, absl::StrCat("open pinned map ", path));
  fds_[idx] = fd;

  bpf_map_info info;
  std::memset(&info, 0, sizeof(info));
  uint32_t len = sizeof(info);
  ++syscalls_;
  if (int err = bpf_obj_get_info_by_fd(fd, &info, &len); err < 0) {
    return absl::ErrnoToStatus(-err, absl::StrCat("bpf_obj_get_info_by_fd ", path));
  }
  std::string mismatch;
  if (info.type != BPF_MAP_TYPE_HASH) {
    absl::StrAppend(&mismatch, " type ", info.type, " (want ", BPF_MAP_TYPE_HASH, " hash)");
  }
  if (info.key_size != spec.key_size) {
    absl::StrAppend(&mismatch, " key size ", info.key_size, " (want ", spec.key_size, ")");
  }
  if (info.value_size != spec.value_size) {
    absl::StrAppend(&mismatch, " value size ", info.value_size, " (want ", spec.value_size, ")");
  }
  if (info.max_entries != max_entries) {
    absl::StrAppend(&mismatch, " max_entries ", info.max_entries, " (want ", max_entries, ")");
  }
  if (!mismatch.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("map ", spec.name, " pinned at ", path, " has a different layout:", mismatch,
                     "; refusing to write to it (remove the pin or change the sizes)"));
  }
  batch_[idx] = options_.use_batch_ops;
  return absl::OkStatus();
}

int LibbpfMapBackend::ParallelBatch(uint32_t count,
                                    const std::function<int(uint32_t, uint32_t*)>& op,
                                    uint32_t* processed) {
  uint32_t threads = options_.write_threads;
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  if (count < kParallelBatchMin) threads = 1;
  threads = std::min(threads, count / (kParallelBatchMin / 2) + 1);
  const uint32_t chunk = (count + threads - 1) / threads;
  std::vector<int> errs(threads, 0);
  std::vector<uint32_t> done(threads, 0);
  auto run = [&](uint32_t t) {
    const uint32_t off = t * chunk;
    uint32_t n = std::min(chunk, count - off);
    errs[t] = op(off, &n);
    done[t] = n;
  };
  std::vector<std::thread> workers;
  for (uint32_t t = 1; t < threads; ++t) workers.emplace_back(run, t);
  run(0);
  for (std::thread& w : workers) w.join();
  syscalls_ += threads;
  *processed = 0;
  for (uint32_t d : done) *processed += d;
  for (int e : errs) {
    if (e != 0) return e;
  }
  return 0;
}

absl::Status LibbpfMapBackend::Update(MapId map, const void* keys, const void* values,
                                      uint32_t count) {
  if (count == 0) return absl::OkStatus();
  const int idx = static_cast<int>(map);
  const MapSpec& spec = GetMapSpec(map);
  const int fd = fds_[idx];
  if (batch_[idx]) {
    const char* kb = static_cast<const char*>(keys);
    const char* vb = static_cast<const char*>(values);
    uint32_t n = 0;
    int err = ParallelBatch(
        count,
        [&](uint32_t off, uint32_t* cnt) {
          LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
          return bpf_map_update_batch(fd, kb + off * spec.key_size, vb + off * spec.value_size, cnt,
                                      &opts);
        },
        &n);
    if (err == 0) return absl::OkStatus();
    const bool unsupported = (-err == EINVAL || -err == ENOTSUPP || -err == EOPNOTSUPP) && n == 0;
    if (!unsupported) return Errno(map, "update (batch)", -err);
    batch_[idx] = false;  // this kernel has no batch ops for the map
  }
  const char* k = static_cast<const char*>(keys);
  const char* v = static_cast<const char*>(values);
  for (uint32_t i = 0; i < count; ++i) {
    ++syscalls_;
    int err = bpf_map_update_elem(fd, k + i * spec.key_size, v + i * spec.value_size, BPF_ANY);
    if (err < 0) return Errno(map, "update", -err);
  }
  return absl::OkStatus();
}

absl::Status LibbpfMapBackend::Delete(MapId map, const void* keys, uint32_t count,
                                      bool ignore_missing) {
  if (count == 0) return absl::OkStatus();
  const int idx = static_cast<int>(map);
  const MapSpec& spec = GetMapSpec(map);
  const int fd = fds_[idx];
  // A batch delete stops at the first missing key, so rollbacks (which may
  // delete keys that were never written) go element by element.
  if (batch_[idx] && !ignore_missing) {
    const char* kb = static_cast<const char*>(keys);
    uint32_t n = 0;
    int err = ParallelBatch(
        count,
        [&](uint32_t off, uint32_t* cnt) {
          LIBBPF_OPTS(bpf_map_batch_opts, opts);
          return bpf_map_delete_batch(fd, kb + off * spec.key_size, cnt, &opts);
        },
        &n);
    if (err == 0) return absl::OkStatus();
    const bool unsupported = (-err == EINVAL || -err == ENOTSUPP || -err == EOPNOTSUPP) && n == 0;
    if (!unsupported) return Errno(map, "delete (batch)", -err);
    batch_[idx] = false;
  }
  const char* k = static_cast<const char*>(keys);
  for (uint32_t i = 0; i < count; ++i) {
    ++syscalls_;
    int err = bpf_map_delete_elem(fd, k + i * spec.key_size);
    if (err < 0 && !(ignore_missing && -err == ENOENT)) return Errno(map, "delete", -err);
  }
  return absl::OkStatus();
}

absl::Status LibbpfMapBackend::Dump(MapId map, std::vector<uint8_t>* keys,
                                    std::vector<uint8_t>* values) {
  const int idx = static_cast<int>(map);
  const MapSpec& spec = GetMapSpec(map);
  const int fd = fds_[idx];
  if (batch_[idx]) {
    // Hash maps return whole buckets; 4096 entries is far above any bucket.
    constexpr uint32_t kChunk = 4096;
    std::vector<uint8_t> kbuf(kChunk * spec.key_size), vbuf(kChunk * spec.value_size);
    uint32_t in_batch = 0, out_batch = 0;
    bool first = true;
    const size_t keys_start = keys->size(), values_start = values->size();
    for (;;) {
      uint32_t n = kChunk;
      LIBBPF_OPTS(bpf_map_batch_opts, opts);
      ++syscalls_;
      int err = bpf_map_lookup_batch(fd, first ? nullptr : &in_batch, &out_batch, kbuf.data(),
                                     vbuf.data(), &n, &opts);
      if (err < 0 && -err != ENOENT) {
        if (first && (-err == EINVAL || -err == ENOTSUPP || -err == EOPNOTSUPP)) {
          batch_[idx] = false;
          keys->resize(keys_start);
          values->resize(values_start);
          break;
        }
        return Errno(map, "lookup (batch)", -err);
      }
      keys->insert(keys->end(), kbuf.begin(), kbuf.begin() + n * spec.key_size);
      values->insert(values->end(), vbuf.begin(), vbuf.begin() + n * spec.value_size);
      if (err < 0) return absl::OkStatus();  // ENOENT: no more buckets
      in_batch = out_batch;
      first = false;
    }
  }
  std::vector<uint8_t> cur(spec.key_size), next(spec.key_size), value(spec.value_size);
  bool first = true;
  for (;;) {
    ++syscalls_;
    int err = bpf_map_get_next_key(fd, first ? nullptr : cur.data(), next.data());
    if (err < 0) {
      if (-err == ENOENT) return absl::OkStatus();
      return Errno(map, "get_next_key", -err);
    }
    first = false;
    ++syscalls_;
    err = bpf_map_lookup_elem(fd, next.data(), value.data());
    if (err == 0) {
      keys->insert(keys->end(), next.begin(), next.end());
      values->insert(values->end(), value.begin(), value.end());
    } else if (-err != ENOENT) {
      return Errno(map, "lookup", -err);
    }
    cur.swap(next);
  }
}

absl::Status LibbpfMapBackend::Unpin() {
  absl::Status result;
  for (MapId m : kAllMaps) {
    const std::string path = PinPathOf(m);
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      result.Update(absl::ErrnoToStatus(errno, absl::StrCat("unlink ", path)));
    }
  }
  return result;
}

}  // namespace gwapi::lb
