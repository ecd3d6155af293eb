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
#include "absl/strings/string_view.h"
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
// changed, per object and per "<scope>|<type>" within it. A resolution reads
// the previous entries and writes the next ones; Commit() makes the next
// entries current. After a full resolution (Begin) the entries of objects
// and conditions that were not rendered are forgotten; after a partial one
// (BeginPartial) only the objects rendered, and those passed to Forget(),
// are replaced.
class TransitionMemory {
 public:
  // Starts a full resolution stamped with `now` (seconds since the epoch).
  void Begin(int64_t now_unix);
  // Starts a resolution that renders only some objects.
  void BeginPartial(int64_t now_unix);
  // Drops the object's entries at Commit() unless it is rendered again.
  void Forget(absl::string_view object);
  // The RFC 3339 time to write for a condition now at `status`.
  std::string Stamp(absl::string_view object, absl::string_view scope, absl::string_view type,
                    absl::string_view status);
  void Commit();

  // Objects remembered (for tests and memory accounting).
  size_t size() const { return previous_.size(); }

 private:
  // One condition of one object. Times are kept as seconds and formatted
  // on output: a string per condition was 32 bytes of heap per route parent.
  struct Entry {
    std::string scope_type;  // "<scope>|<type>"
    int64_t time = 0;
    bool is_true = false;
    bool is_false = false;
  };
  using Entries = std::vector<Entry>;
  const std::string& Format(int64_t unix_seconds);

  absl::flat_hash_map<std::string, Entries> previous_;
  absl::flat_hash_map<std::string, Entries> next_;
  std::vector<std::string> forgotten_;
  bool partial_ = false;
  int64_t now_unix_ = 0;
  // The object of the last Stamp() and its entries, so the conditions of
  // one object cost one hash lookup.
  std::string last_object_;
  const Entries* last_previous_ = nullptr;
  Entries* last_next_ = nullptr;
  size_t cursor_ = 0;  // where the next previous entry is likely to be
  // Formatted times: a resolution stamps few distinct times.
  absl::flat_hash_map<int64_t, std::string> formatted_;
};

// RFC 3339 in UTC with seconds: "2026-01-02T03:04:05Z".
std::string FormatRfc3339(int64_t unix_seconds);

// Writes conditions as metav1.Condition objects, keys in the order the Go
// struct marshals them: type, status, observedGeneration, lastTransitionTime,
// reason, message. `scope` identifies the condition list within its object
// ("", "listeners/http", "parents/Gateway ns/name").
model::Value RenderConditions(const std::vector<Condition>& conditions, int64_t generation,
                              absl::string_view object, absl::string_view scope,
                              TransitionMemory* memory);
// The same, moving reasons and messages out of `conditions`: one string
// copy less per condition (BM_Status_Full: two conditions per route parent).
model::Value RenderConditions(std::vector<Condition>&& conditions, int64_t generation,
                              absl::string_view object, absl::string_view scope,
                              TransitionMemory* memory);

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_CONDITIONS_H_
