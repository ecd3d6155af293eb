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

// The status each condition had at the last resolution and when it last
// changed, keyed by "<object>|<scope>|<type>". A resolution reads the previous
// generation of entries and writes the next; Commit() swaps them, so entries
// of conditions that disappeared are forgotten.
class TransitionMemory {
 public:
  // Starts a resolution stamped with `now` (seconds since the epoch).
  void Begin(int64_t now_unix);
  // The RFC 3339 time to write for a condition now at `status`.
  std::string Stamp(const std::string& key, const std::string& status);
  void Commit();

 private:
  struct Entry {
    std::string status;
    std::string time;
  };
  absl::flat_hash_map<std::string, Entry> previous_;
  absl::flat_hash_map<std::string, Entry> next_;
  std::string now_;
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

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_CONDITIONS_H_
