// Status conditions: what the resolver decides (type, status, reason,
// message) and how it is written out as a metav1.Condition, with the
// lastTransitionTime carried over from the previous resolution while the
// status stays the same.
// Thread-safety: TransitionMemory is owned by one Engine and used by one
// resolution at a time.
#ifndef GWAPI_LIB_RESOLVE_CONDITIONS_H_
#define GWAPI_LIB_RESOLVE_CONDITIONS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "lib/model/object.h"
#include "lib/model/value.h"

namespace gwapi::resolve {

struct Condition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
};

inline Condition True(std::string type, std::string reason, std::string message) {
  return Condition{std::move(type), "True", std::move(reason), std::move(message)};
}
inline Condition False(std::string type, std::string reason, std::string message) {
  return Condition{std::move(type), "False", std::move(reason), std::move(message)};
}

// An object member built by moving, not copying: Value::MakeObject({...})
// takes an initializer_list, whose elements can only be copied, so every
// nested status stanza was copied once per level (BM_Status_Full profile:
// Value copies were a quarter of the resolution).
inline model::Value::Member M(std::string key, model::Value v) {
  return model::Value::Member(std::move(key), std::move(v));
}
template <typename... Members>
model::Value Obj(Members&&... members) {
  model::Value::Object o;
  o.reserve(sizeof...(Members));
  (o.push_back(std::forward<Members>(members)), ...);
  return model::Value::MakeObject(std::move(o));
}

// The status each condition had at the last resolution and when it last
// changed, per object and per (scope, type) within it. A resolution reads
// the previous entries and writes the next ones; Commit() makes the next
// entries current. After a full resolution (Begin) the entries of objects
// and conditions that were not rendered are forgotten; after a partial one
// (BeginPartial) only the objects rendered, and those passed to Forget(),
// are replaced.
// Entries are updated in place (an object's new entries are appended after
// its old ones, which are dropped at Commit), so a resolution whose
// statuses do not change allocates nothing here (BM_Status_Full: this map
// was rebuilt, one string per object and per condition, on every
// resolution). Objects and conditions are identified by 64-bit hashes
// (Fingerprint(); scope and type), not by their text: comparing keys
// touched four strings per route, mostly cache misses at 10,000 routes.
// Two objects, or two conditions of one object, whose hashes collide
// (odds about 2^-64 per pair) would share a lastTransitionTime.
class TransitionMemory {
 public:
  // Identifies an object; stable for the life of the process.
  static uint64_t Fingerprint(const model::ObjectKey& object);

  // Starts a full resolution stamped with `now` (seconds since the epoch).
  void Begin(int64_t now_unix);
  // Starts a resolution that renders only some objects.
  void BeginPartial(int64_t now_unix);
  // Drops the object's entries at Commit() unless it is rendered again.
  void Forget(const model::ObjectKey& object);
  // The time (seconds since the epoch) to write for a condition of
  // `object` now at `status` ("True", "False", "Unknown").
  int64_t StampTime(const model::ObjectKey& object, absl::string_view scope, absl::string_view type,
                    absl::string_view status);
  // The same with the object as its Fingerprint() and the scope as a
  // number the caller derives from it (every caller using one scheme for
  // one object's conditions).
  int64_t StampTime(uint64_t object, uint64_t scope_id, absl::string_view type,
                    absl::string_view status);
  // The same, as RFC 3339 text.
  const std::string& Stamp(const model::ObjectKey& object, absl::string_view scope,
                           absl::string_view type, absl::string_view status);
  void Commit();

  // Objects remembered (for tests and memory accounting).
  size_t size() const { return slots_.size(); }

 private:
  struct Entry {
    uint64_t id = 0;  // hash of scope and type
    int64_t time = 0;
    uint8_t status = 0;  // 0 Unknown, 1 True, 2 False
  };
  struct Slot {
    // Entries before this resolution first, then this resolution's (from
    // `old` on) once the object was rendered in epoch `epoch`. A route
    // with one parent has two conditions, so two generations of them fit
    // in the slot itself (one cache miss per route, not two, at 100,000
    // routes).
    absl::InlinedVector<Entry, 4> entries;
    uint32_t old = 0;
    uint64_t epoch = 0;
  };
  const std::string& Format(int64_t unix_seconds);
  Slot* Enter(uint64_t object);

  absl::flat_hash_map<uint64_t, Slot> slots_;
  uint64_t epoch_ = 0;
  bool partial_ = false;
  int64_t now_unix_ = 0;
  // Objects rendered or forgotten by a partial resolution.
  std::vector<uint64_t> touched_;
  std::vector<uint64_t> forgotten_;
  // The object of the last stamp, so the conditions of one object cost one
  // hash lookup; `last_` is valid until the next insertion, which only
  // Enter() makes.
  Slot* last_ = nullptr;
  uint64_t last_object_ = 0;
  size_t cursor_ = 0;  // where the next previous entry is likely to be
  // Formatted times: a resolution stamps few distinct times.
  absl::flat_hash_map<int64_t, std::string> formatted_;
};

// RFC 3339 text of the times of one rendering, the last one cached: few
// distinct times occur. Thread-safety: one rendering, one thread.
class TimeFormatter {
 public:
  const std::string& Format(int64_t unix_seconds);

 private:
  int64_t last_ = 0;
  bool has_last_ = false;
  std::string last_text_;
};

// RFC 3339 in UTC with seconds: "2026-01-02T03:04:05Z".
std::string FormatRfc3339(int64_t unix_seconds);

// Writes conditions as metav1.Condition objects, keys in the order the Go
// struct marshals them: type, status, observedGeneration, lastTransitionTime,
// reason, message. `scope` identifies the condition list within its object
// ("", "listeners/http", "parents/Gateway ns/name").
model::Value RenderConditions(const std::vector<Condition>& conditions, int64_t generation,
                              const model::ObjectKey& object, absl::string_view scope,
                              TransitionMemory* memory);
// The same, moving reasons and messages out of `conditions`: one string
// copy less per condition (BM_Status_Full: two conditions per route parent).
model::Value RenderConditions(std::vector<Condition>&& conditions, int64_t generation,
                              const model::ObjectKey& object, absl::string_view scope,
                              TransitionMemory* memory);

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_CONDITIONS_H_
