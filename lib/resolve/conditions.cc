#include "lib/resolve/conditions.h"

#include <ctime>

#include "absl/hash/hash.h"
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
  ++epoch_;
  touched_.clear();
  forgotten_.clear();
  partial_ = false;
  now_unix_ = now_unix;
  last_ = nullptr;
  if (formatted_.size() > 64) formatted_.clear();
}

void TransitionMemory::BeginPartial(int64_t now_unix) {
  Begin(now_unix);
  partial_ = true;
}

uint64_t TransitionMemory::Fingerprint(const model::ObjectKey& object) {
  return absl::Hash<model::ObjectKey>()(object);
}

void TransitionMemory::Forget(const model::ObjectKey& object) {
  forgotten_.push_back(Fingerprint(object));
}

const std::string& TransitionMemory::Format(int64_t unix_seconds) {
  auto [it, inserted] = formatted_.try_emplace(unix_seconds);
  if (inserted) it->second = FormatRfc3339(unix_seconds);
  return it->second;
}

TransitionMemory::Slot* TransitionMemory::Enter(uint64_t object) {
  if (last_ != nullptr && object == last_object_) return last_;
  auto [it, inserted] = slots_.try_emplace(object);
  Slot* s = &it->second;
  if (s->epoch != epoch_) {
    // First condition of this object in this resolution: every entry it
    // has is from before.
    s->epoch = epoch_;
    s->old = static_cast<uint32_t>(s->entries.size());
    if (partial_) touched_.push_back(object);
  }
  last_ = s;
  last_object_ = object;
  cursor_ = 0;
  return s;
}

int64_t TransitionMemory::StampTime(const model::ObjectKey& object, absl::string_view scope,
                                    absl::string_view type, absl::string_view status) {
  return StampTime(Fingerprint(object), absl::Hash<absl::string_view>()(scope), type, status);
}

int64_t TransitionMemory::StampTime(uint64_t object, uint64_t scope_id, absl::string_view type,
                                    absl::string_view status) {
  Slot* s = Enter(object);
  uint64_t id = absl::Hash<std::pair<uint64_t, absl::string_view>>()({scope_id, type});
  uint8_t st = status == "True" ? 1 : status == "False" ? 2 : 0;
  int64_t time = now_unix_;
  // Entries come back in the order they were written, so the search starts
  // where the last one was found.
  const size_t old = s->old;
  for (size_t n = 0; n < old; ++n) {
    size_t i = (cursor_ + n) % old;
    const Entry& e = s->entries[i];
    if (e.id != id) continue;
    if (e.status == st) time = e.time;
    cursor_ = i + 1;
    break;
  }
  s->entries.push_back(Entry{id, time, st});
  return time;
}

const std::string& TransitionMemory::Stamp(const model::ObjectKey& object, absl::string_view scope,
                                           absl::string_view type, absl::string_view status) {
  return Format(StampTime(object, scope, type, status));
}

void TransitionMemory::Commit() {
  auto drop_old = [](Slot& s) {
    s.entries.erase(s.entries.begin(), s.entries.begin() + s.old);
    s.old = 0;
  };
  if (!partial_) {
    for (auto it = slots_.begin(); it != slots_.end();) {
      if (it->second.epoch != epoch_) {
        slots_.erase(it++);
      } else {
        drop_old(it->second);
        ++it;
      }
    }
  } else {
    for (uint64_t k : forgotten_) {
      auto it = slots_.find(k);
      if (it != slots_.end() && it->second.epoch != epoch_) slots_.erase(it);
    }
    for (uint64_t k : touched_) {
      auto it = slots_.find(k);
      if (it != slots_.end()) drop_old(it->second);
    }
  }
  touched_.clear();
  forgotten_.clear();
  last_ = nullptr;
}

const std::string& TimeFormatter::Format(int64_t unix_seconds) {
  if (!has_last_ || last_ != unix_seconds) {
    last_text_ = FormatRfc3339(unix_seconds);
    last_ = unix_seconds;
    has_last_ = true;
  }
  return last_text_;
}

model::Value RenderConditions(const std::vector<Condition>& conditions, int64_t generation,
                              const model::ObjectKey& object, absl::string_view scope,
                              TransitionMemory* memory) {
  using model::Value;
  Value::Array out;
  out.reserve(conditions.size());
  for (const Condition& c : conditions) {
    out.push_back(
        Obj(M("type", Value::String(c.type)), M("status", Value::String(c.status)),
            M("observedGeneration", Value::Int(generation)),
            M("lastTransitionTime", Value::String(memory->Stamp(object, scope, c.type, c.status))),
            M("reason", Value::String(c.reason)), M("message", Value::String(c.message))));
  }
  return Value::MakeArray(std::move(out));
}

model::Value RenderConditions(std::vector<Condition>&& conditions, int64_t generation,
                              const model::ObjectKey& object, absl::string_view scope,
                              TransitionMemory* memory) {
  using model::Value;
  Value::Array out;
  out.reserve(conditions.size());
  for (Condition& c : conditions) {
    std::string time = memory->Stamp(object, scope, c.type, c.status);
    out.push_back(Obj(M("type", Value::String(std::move(c.type))),
                      M("status", Value::String(std::move(c.status))),
                      M("observedGeneration", Value::Int(generation)),
                      M("lastTransitionTime", Value::String(std::move(time))),
                      M("reason", Value::String(std::move(c.reason))),
                      M("message", Value::String(std::move(c.message)))));
  }
  return Value::MakeArray(std::move(out));
}

}  // namespace gwapi::resolve
