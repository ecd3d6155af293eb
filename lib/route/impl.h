// The compiled form behind route::Snapshot. Private to lib/route.
//
// Layout (one flat array per kind of thing, indexes instead of pointers, so
// that a snapshot of 10,000 routes is a handful of allocations):
//   gateway -> port -> listener family (HTTP, HTTPS, TLS, TCP, UDP)
//     -> listener chosen by hostname (exact, then longest wildcard, then "")
//     -> route table chosen by hostname, same order, falling back to the
//        next less specific table when a table has no matching rule
//     -> within a table: Exact paths (hash), regex paths (sorted list), then
//        PathPrefix nodes (hashed by their segments, probed longest first).
// Hostnames, exact paths and prefix nodes all live in one FlatIndex.
// Every string_view points into `index_text` or `strings`, which the
// SnapshotImpl owns; nothing points into the message it was compiled from.
#ifndef GWAPI_LIB_ROUTE_IMPL_H_
#define GWAPI_LIB_ROUTE_IMPL_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/arena.h"
#include "gwapi/v1/snapshot.pb.h"
#include "lib/route/snapshot.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace gwapi::route {

inline constexpr uint32_t kNone = ~uint32_t{0};

// The most segments a PathPrefix can have: a CRD path value has at most
// 1,024 characters, so at most 512 segments. Deeper values (possible only
// in a hand-made message) are reported in diagnostics and never match.
inline constexpr size_t kMaxPrefixDepth = 512;

struct PathHashes;  // match.cc
struct HostName;    // text.h

// A half-open range of indexes into one of SnapshotImpl's arrays.
struct Range {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// A header or query-parameter condition of a match.
struct Cond {
  absl::string_view name;
  absl::string_view value;
  const RE2* re = nullptr;  // RegularExpression when set
};

// One HTTPRoute match (route, rule, match index) as a candidate of a table.
// It carries the result of the common case (a rule that always forwards to
// the same backend) so that a match reads no RuleInfo.
struct Candidate {
  uint32_t rule_id = 0;  // index in SnapshotImpl::rules
  uint32_t route = 0;
  // The method, up to 8 bytes packed little-endian; method_len 0 = any.
  uint64_t method = 0;
  uint32_t cond_begin = 0;  // headers, then query params, in `conds`
  uint16_t rule = 0;
  int16_t match = -1;
  // >= 0: the rule always forwards to this backend (no redirect or CORS,
  // one valid backend with a weight above 0); -1: decide through RuleInfo.
  int16_t fixed_backend = -1;
  uint8_t num_headers = 0;  // the CRD allows 16
  uint8_t num_query = 0;    // the CRD allows 16
  uint8_t method_len = 0;
  const RE2* path_re = nullptr;  // regex path candidates only
};
// 40 bytes: the candidates are the largest part of the index
// (BM_Match_Compile_*: index_bytes_per_route).
static_assert(sizeof(Candidate) == 40, "keep Candidate small");

// One GRPCRoute match as a candidate of a table.
struct GrpcCandidate {
  uint32_t rule_id = 0;
  int32_t match = -1;
  absl::string_view service;  // exact; "" = any
  absl::string_view method;
  const RE2* service_re = nullptr;  // RegularExpression type
  const RE2* method_re = nullptr;
  uint32_t cond_begin = 0;
  uint16_t num_headers = 0;
};

// The rules that apply to one (listener, route family, hostname).
struct Table {
  Range root;              // PathPrefix "/" candidates, best first
  uint16_t max_depth = 0;  // deepest PathPrefix node, in segments
  bool has_exact = false;
  Range regex;  // regex path candidates in `cands`, best first
  // Quick reject over all of `regex` (nullptr when not built or when
  // RE2::Set::Compile failed: then every regex candidate is tried).
  std::unique_ptr<RE2::Set> regex_set;
  Range grpc;  // in `grpc_cands`, best first
  Range l4;    // TLS/TCP/UDP: rule ids in `l4_rules`, best first
};

// Hostname -> value for one owner (a port's listeners of one family, or a
// listener's tables of one route family): exact names and wildcard
// suffixes live in FlatIndex (IndexSlot::a is the value); `any` is for
// "no hostname".
struct HostSet {
  uint32_t owner = kNone;
  uint32_t any = kNone;
  uint32_t any_flags = 0;  // TableFlags of the `any` table
  bool has_exact = false;
  bool has_wildcard = false;
  bool empty() const { return !has_exact && !has_wildcard && any == kNone; }
};

// Per listener: the route tables of each family.
struct CompiledListener {
  HostSet http;  // HTTPRoute tables
  HostSet grpc;  // GRPCRoute tables
  HostSet l4;    // TLSRoute (by SNI), TCPRoute, UDPRoute tables
};

enum Family : uint8_t { kFamHttp, kFamHttps, kFamTls, kFamTcp, kFamUdp, kNumFamilies };

struct PortEntry {
  uint32_t port = 0;
  // Listener indexes (in the Gateway) per family, by hostname.
  HostSet listeners[kNumFamilies];
};

struct CompiledGateway {
  std::vector<PortEntry> ports;
  uint32_t listener_base = 0;  // this Gateway's first CompiledListener
};

// What a FlatIndex key hashes, so that equal strings of different kinds or
// owners never share a key.
enum KeyTag : uint64_t {
  kTagHostExact = 1,
  kTagHostWildcard = 2,
  kTagExactPath = 3,
  kTagPrefix = 4,
};

// The per-process hash seed (index.cc).
extern const uint64_t kHashSeed;

// The MurmurHash3 64-bit finalizer.
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// The n <= 8 bytes at p as a little-endian word, zero-extended, without a
// variable-length memcpy (a libc call): two overlapping 4-byte loads, or
// three single bytes.
inline uint64_t LoadUpTo8(const char* p, size_t n) {
  if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return a | (static_cast<uint64_t>(b) << (8 * (n - 4)));
  }
  if (n == 0) return 0;
  const auto byte = [&](size_t i) {
    return static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  };
  return byte(0) | byte(n >> 1) | byte(n - 1);
}

// Text hashing: one running state over the text's 8-byte words, finished
// with its length. For a request's path, the hash of every prefix that
// ends before a '/' (PathPrefix nodes) and of the whole path (Exact) comes
// out of a single pass (BM_Match_*: hashing each segment again, plus the
// whole path, was a sixth of a match). The compiler keys with HashText, the
// matcher also with PathHashes (match.cc), which must compute the same
// function.
inline uint64_t TextAbsorb(uint64_t state, uint64_t word) {
  state = (state ^ word) * 0x9fb21c651e98df25ULL;
  return state ^ (state >> 29);
}

// The finished hash of p[0, len), given `state` after its len / 8 whole
// words. The partial word (zero when len % 8 == 0) comes from the 8 bytes
// that end at len, shifted without a branch on len % 8, which is random
// from one prefix to the next (BM_Match_*: a mispredicted branch each).
inline uint64_t TextFinish(uint64_t state, const char* p, size_t len) {
  uint64_t tail;
  if (len >= 8) {
    std::memcpy(&tail, p + len - 8, 8);
    tail = (tail >> 1) >> (63 - 8 * (len & 7));
  } else {
    tail = LoadUpTo8(p, len);
  }
  return Mix64(TextAbsorb(state, tail) + len);
}

// The hash of a whole text: a host name, a path, a trimmed PathPrefix.
inline uint64_t HashText(absl::string_view text) {
  uint64_t state = kHashSeed;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    state = TextAbsorb(state, w);
  }
  return TextFinish(state, text.data(), text.size());
}

// What IndexKey mixes in for `tag` and `owner`: it only has to differ
// between (tag, owner) pairs, since the hash it is XORed with is already
// mixed, so a multiply stands in for a Mix64 (BM_Match_ManyHosts/10000:
// three to five salts per match).
inline uint64_t KeySalt(KeyTag tag, uint32_t owner) {
  return ((static_cast<uint64_t>(owner) + 1) * 0x9e3779b97f4a7c15ULL) ^
         (static_cast<uint64_t>(tag) * 0xc2b2ae3d27d4eb4fULL);
}

// The FlatIndex key of a finished `hash` under `salt`; never 0.
inline uint64_t SaltedKey(uint64_t hash, uint64_t salt) {
  const uint64_t key = hash ^ salt;
  return key == 0 ? 1 : key;
}

// The FlatIndex key of a finished `hash` for `tag` and `owner`.
inline uint64_t IndexKey(KeyTag tag, uint32_t owner, uint64_t hash) {
  return SaltedKey(hash, KeySalt(tag, owner));
}

// memcmp(a, b, n) == 0 without a libc call for n <= 16 (most hostnames
// and path segments): two overlapping loads per side (BM_Match_*).
inline bool SameBytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 8);
    std::memcpy(&b0, b, 8);
    std::memcpy(&a1, a + n - 8, 8);
    std::memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  if (n >= 4) {
    uint32_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 4);
    std::memcpy(&b0, b, 4);
    std::memcpy(&a1, a + n - 4, 4);
    std::memcpy(&b1, b + n - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// One FlatIndex entry. It carries what confirms a hit (owner and text) and
// what the matcher needs next (a, b), so that a lookup touches the slot and
// the text and nothing else.
struct IndexSlot {
  uint64_t key = 0;
  const char* text = nullptr;  // the hostname, exact path or prefix
  uint32_t text_len = 0;
  uint32_t owner = 0;  // HostSet owner, or table id for paths
  // Hosts: a = listener index or table id, b = TableFlags of that table.
  // Paths: the candidates [a, b) in `cands`, best first.
  uint32_t a = 0;
  uint32_t b = 0;
  bool Is(uint32_t o, absl::string_view t) const {
    return owner == o && text_len == t.size() &&
           SameBytes(text, t.data(), t.size());
  }
};
static_assert(sizeof(IndexSlot) == 32, "two slots per cache line");

// A table's shape, packed into its host slot so that the matcher reads the
// Table itself only for regex paths and the "/" fallback.
enum TableFlags : uint32_t {
  // Bit d-1 set: the table has PathPrefix nodes of d segments (d <= 15);
  // bit 15: it has deeper ones (then Table::max_depth says how deep). The
  // matcher probes only the depths that exist (BM_Match_ManyHosts_Miss).
  kTableDepthMask = 0xffff,
  kTableDeep = 1u << 15,
  kTableHasExact = 1u << 16,
  kTableHasRegex = 1u << 17,
  kTableHasRoot = 1u << 18,
};

// The allocator of FlatIndex's slots: an array of 8 MiB or more is aligned
// to 2 MiB and advised into transparent huge pages before it is touched.
// Probes land anywhere in it, and at 100,000 routes (16 MiB of slots) a
// probe with 4 KiB pages also missed the TLB (BM_Match_*/100000).
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n);
  void deallocate(T* p, size_t n);
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) {
    return true;
  }
};

// Open addressing from 64-bit keys to IndexSlots, linear probing, at most
// half full: a lookup usually reads one slot and then the slot's text, where
// the absl::flat_hash_map keyed by string views it replaced cost two to
// three cache misses more per lookup (BM_Match_ManyHosts/10000). Equal keys
// may repeat (hash collisions); IndexSlot::Is() confirms a hit.
// Thread-safety: immutable after Build(); lookups are safe from any thread.
class FlatIndex {
 public:
  void Build(std::vector<IndexSlot> entries);

  // Calls f(slot) for each slot with `key` until f returns true.
  template <typename F>
  bool ForEach(uint64_t key, F&& f) const {
    if (slots_.empty()) return false;
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      const IndexSlot& s = slots_[i];
      if (s.key == 0) return false;
      if (s.key == key && f(s)) return true;
    }
  }

  // Starts loading the slot `key` hashes to, so that several lookups whose
  // keys are known wait for memory together rather than one after another.
  void Prefetch(uint64_t key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[key & mask_]);
  }

  size_t bytes() const { return slots_.capacity() * sizeof(IndexSlot); }

 private:
  std::vector<IndexSlot, HugePageAllocator<IndexSlot>> slots_;
  size_t mask_ = 0;
};

// Strings a snapshot keeps, packed into blocks: a std::string each would
// cost its 32-byte header and an allocation. Views stay valid for the
// pool's lifetime. Not thread-safe while filling; read-only afterwards.
class TextPool {
 public:
  absl::string_view Add(absl::string_view text);
  size_t bytes() const { return reserved_; }

 private:
  static constexpr size_t kBlock = 16 << 10;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;       // bytes used in the last block
  size_t capacity_ = 0;   // size of the last block
  size_t reserved_ = 0;   // all blocks
};

// A rule as the matcher needs it once it is chosen.
struct RuleInfo {
  uint32_t route = 0;
  uint32_t rule = 0;
  // Backend count is end - begin; the cumulative weights are in
  // `cum_weights` from `begin`, unless inline_cum holds them.
  Range backends;
  uint64_t total_weight = 0;
  // The cumulative weights when the rule has at most four backends (the
  // CRD caps a weight at 1,000,000), so that the weighted choice reads no
  // other array (BM_Match_*: one cache miss less per match).
  uint32_t inline_cum[4] = {0, 0, 0, 0};
  // Index in SnapshotImpl::details of the rule's parsed message, kept only
  // for rules with filters, timeouts or retry (ApplyFilters reads them);
  // kNone for the others.
  uint32_t detail = kNone;
  uint16_t redirect_status = 0;  // 0 = no RequestRedirect filter
  bool cors = false;             // has a rule-level CORS filter
  bool all_valid = true;         // every backend resolves
};
static_assert(sizeof(RuleInfo) == 48, "detail fits in what was padding");

// Everything behind route::Snapshot: the message in wire form and the
// indexes compiled from it. Thread-safety: written only by Compile(), before
// the Snapshot is shared; every const method is then safe from any number of
// threads.
class SnapshotImpl {
 public:
  // The message, serialized: what Serialized() returns, what config() is
  // parsed from on demand, and where RouteAt()/BackendAt() read numbers. A
  // parsed copy would be most of the snapshot's memory
  // (BM_Match_Compile_*: message_bytes_per_route against
  // wire_bytes_per_route).
  std::string serialized;
  // Each route's bytes within `serialized`, in message order.
  std::vector<Range> route_bytes;
  // The names RouteAt() and BackendAt() lend, NUL-terminated (the C ABI
  // lends them as C strings; each namespace once, a backend name once per
  // route): offsets into `names` (see Name()), two per route (namespace,
  // name) and two per backend of each rule in rule order, from
  // backend_base[rule id].
  std::string names;
  std::vector<uint32_t> route_names;
  std::vector<uint32_t> backend_names;
  std::vector<uint32_t> backend_base;
  // config(), parsed on first use.
  mutable std::once_flag config_once;
  mutable std::unique_ptr<gwapi::v1::Snapshot> config;

  // Parsed copies of the rules ApplyFilters and RedirectLocation read
  // (RuleInfo::detail), on one arena.
  google::protobuf::Arena detail_arena;
  std::vector<const gwapi::v1::Rule*> details;

  std::vector<Diagnostic> diagnostics;

  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, int32_t>
      gateway_by_name;
  std::vector<CompiledGateway> gateways;
  std::vector<CompiledListener> listeners;
  std::vector<Table> tables;
  // Hostnames, exact paths and prefix nodes by IndexKey.
  FlatIndex index;
  // The texts the index slots confirm against, contiguous.
  std::string index_text;
  std::vector<Candidate> cands;
  std::vector<GrpcCandidate> grpc_cands;
  std::vector<Cond> conds;
  std::vector<uint32_t> l4_rules;
  std::vector<RuleInfo> rules;
  std::vector<uint32_t> rule_base;  // per route: its first RuleInfo
  std::vector<uint64_t> cum_weights;
  std::vector<std::unique_ptr<RE2>> regexes;
  // Copies of the strings conditions and gRPC matches compare against, and
  // lower-cased hostnames.
  TextPool strings;

  // Compiles `config`, whose serialized form is already in `serialized`.
  absl::Status Compile(const gwapi::v1::Snapshot& config);

  // One past the id of route `route`'s last rule (a valid route index).
  uint32_t RulesEnd(int32_t route) const;
  // The id of rule `rule` of route `route` (index in `rules`), or kNone.
  uint32_t RuleId(int32_t route, int32_t rule) const;
  // A name PoolName added: its length, then its bytes and a NUL. Names may
  // hold a NUL of their own (a message is not Kubernetes), so the length is
  // kept rather than found.
  absl::string_view Name(uint32_t offset) const {
    uint32_t len;
    std::memcpy(&len, names.data() + offset, sizeof(len));
    return absl::string_view(names.data() + offset + sizeof(len), len);
  }
  // The bytes of route `route`'s message, or false when out of range.
  bool RouteBytes(int32_t route, absl::string_view* out) const;
  // The bytes of rule `rule` of route `route`.
  bool RuleBytes(int32_t route, int32_t rule, absl::string_view* out) const;
  const gwapi::v1::Rule* Detail(int32_t route, int32_t rule) const;
  // Whether backend `backend` of the rule resolves (read from `serialized`;
  // only rules with an invalid backend ask).
  bool BackendValid(const RuleInfo& rule, int32_t backend) const;

  void Match(const Request& request, MatchResult* result) const;

 private:
  // Match helpers (match.cc).
  void MatchHttp(const Request& request, uint32_t listener,
                 absl::string_view host, bool host_is_name,
                 MatchResult* result) const;
  bool MatchGrpc(const Request& request, uint32_t listener,
                 absl::string_view host, bool host_is_name,
                 MatchResult* result) const;
  void MatchL4(const Request& request, uint32_t listener,
               absl::string_view name, bool is_name, MatchResult* result) const;
  const Candidate* MatchTable(uint32_t table_id, uint32_t flags,
                              const Request& request, absl::string_view path,
                              absl::string_view query,
                              PathHashes* hashes) const;
  uint32_t SelectListener(const HostSet& set, const HostName& host) const;
  template <typename F>
  bool ForEachHost(const HostSet& set, absl::string_view name, bool is_name,
                   F&& f) const;
  bool CondsMatch(const Request& request, absl::string_view query,
                  uint32_t begin, uint32_t num_headers,
                  uint32_t num_query) const;
  void Finish(const Request& request, uint32_t rule_id, int32_t match,
              MatchResult* result) const;
};

}  // namespace gwapi::route

#endif  // GWAPI_LIB_ROUTE_IMPL_H_
