// The LB maps as pinned kernel BPF maps, through libbpf.
#ifndef GWAPI_LIB_LB_LIBBPF_BACKEND_H_
#define GWAPI_LIB_LB_LIBBPF_BACKEND_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/lb/map_backend.h"

namespace gwapi::lb {

inline constexpr char kDefaultPinPath[] = "/sys/fs/bpf/tc/globals";

struct LibbpfMapOptions {
  // Directory on a bpf filesystem holding the pins, one file per map name.
  std::string pin_path = kDefaultPinPath;
  // max_entries to create with, and to require of maps already pinned.
  MapSizes sizes;
  // Create (BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC) and pin maps that are not
  // pinned yet; otherwise a missing pin is NotFound.
  bool create_missing = true;
  // Create maps preallocated (no BPF_F_NO_PREALLOC), like Cilium's
  // --preallocate-bpf-maps: memory for max_entries is taken up front and
  // inserts are about 3x cheaper. Cilium's default, and ours, is false.
  bool preallocate = false;
  // Use BPF_MAP_*_BATCH commands where the kernel offers them; false writes
  // element by element (the baseline the benchmark compares with).
  bool use_batch_ops = true;
  // Threads that split one large batch (at least kParallelBatchMin
  // elements) between them; 0 means min(4, CPUs). The kernel's hash map
  // locks per bucket, so inserts from several CPUs can run in parallel.
  // Steps still run one after another, so the write order is kept. The
  // default is 1: on the 2-CPU machine of BM_LbSync_Full, two threads were
  // not measurably faster (docs/PERFORMANCE.md).
  uint32_t write_threads = 1;
};

inline constexpr uint32_t kParallelBatchMin = 16384;

// The six maps of gwapi/lb_abi.h opened from (or created and pinned under)
// a pin path. Every pinned map's type, key size, value size and max_entries
// are checked when it is opened, and a mismatch is refused naming the map,
// before anything is written. Batch commands are used where the kernel
// accepts them and element-wise calls otherwise. Counts its own bpf()
// system calls.
// Thread-safety: not thread-safe.
class LibbpfMapBackend : public MapBackend {
 public:
  static absl::StatusOr<std::unique_ptr<LibbpfMapBackend>> Open(LibbpfMapOptions options);
  ~LibbpfMapBackend() override;  // closes the maps; the pins stay

  uint32_t MaxEntries(MapId map) const override { return options_.sizes.For(map); }
  absl::Status Update(MapId map, const void* keys, const void* values, uint32_t count) override;
  absl::Status Delete(MapId map, const void* keys, uint32_t count, bool ignore_missing) override;
  absl::Status Dump(MapId map, std::vector<uint8_t>* keys, std::vector<uint8_t>* values) override;

  // bpf() calls made since Open (or the last ResetSyscalls), including the
  // ones made by Open.
  uint64_t syscalls() const { return syscalls_; }
  void ResetSyscalls() { syscalls_ = 0; }
  // The pinned file of `map`.
  std::string PinPathOf(MapId map) const;
  // Removes the six pins (the maps live on while something holds them).
  absl::Status Unpin();

 private:
  explicit LibbpfMapBackend(LibbpfMapOptions options) : options_(std::move(options)) {}
  absl::Status OpenMap(MapId map);
  absl::Status Errno(MapId map, const char* op, int err) const;
  // Runs op(offset, &n) over [0, count) in chunks on up to write_threads
  // threads (op sets n to the elements it processed); returns the first
  // negative errno, 0 if none, and the total processed in `*processed`.
  int ParallelBatch(uint32_t count, const std::function<int(uint32_t, uint32_t*)>& op,
                    uint32_t* processed);

  LibbpfMapOptions options_;
  std::array<int, kNumMaps> fds_ = {-1, -1, -1, -1, -1, -1};
  std::array<bool, kNumMaps> batch_ = {};
  uint64_t syscalls_ = 0;
};

}  // namespace gwapi::lb

#endif  // GWAPI_LIB_LB_LIBBPF_BACKEND_H_
