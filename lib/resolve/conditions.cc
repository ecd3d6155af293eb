#include "lib/resolve/conditions.h"

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gwapi::resolve {

std::string FormatRfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void TransitionMemory::Begin(int64_t now_unix) {
  next_.clear();
  now_ = FormatRfc3339(now_unix);
}

std::string TransitionMemory::Stamp(const std::string& key, const std::string& status) {
  auto it = previous_.find(key);
  std::string time =
      (it != previous_.end() && it->second.status == status) ? it->second.time : now_;
  next_[key] = Entry{status, time};
  return time;
}

void TransitionMemory::Commit() {
  previous_.swap(next_);
  next_.clear();
}

model::Value RenderConditions(const std::vector<Condition>& conditions, int64_t generation,
                              absl::string_view object, absl::string_view scope,
                              TransitionMemory* memory) {
  using model::Value;
  Value::Array out;
  out.reserve(conditions.size());
  for (const Condition& c : conditions) {
    std::string key = absl::StrCat(object, "|", scope, "|", c.type);
    out.push_back(Value::MakeObject({
        {"type", Value::String(c.type)},
        {"status", Value::String(c.status)},
        {"observedGeneration", Value::Int(generation)},
        {"lastTransitionTime", Value::String(memory->Stamp(key, c.status))},
        {"reason", Value::String(c.reason)},
        {"message", Value::String(c.message)},
    }));
  }
  return Value::MakeArray(std::move(out));
}

}  // namespace gwapi::resolve
