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
  forgotten_.clear();
  partial_ = false;
  now_unix_ = now_unix;
  last_object_.clear();
  last_previous_ = nullptr;
  last_next_ = nullptr;
  if (formatted_.size() > 64) formatted_.clear();
}

void TransitionMemory::BeginPartial(int64_t now_unix) {
  Begin(now_unix);
  partial_ = true;
}

void TransitionMemory::Forget(absl::string_view object) { forgotten_.emplace_back(object); }

const std::string& TransitionMemory::Format(int64_t unix_seconds) {
  auto [it, inserted] = formatted_.try_emplace(unix_seconds);
  if (inserted) it->second = FormatRfc3339(unix_seconds);
  return it->second;
}

std::string TransitionMemory::Stamp(absl::string_view object, absl::string_view scope,
                                    absl::string_view type, absl::string_view status) {
  if (last_next_ == nullptr || object != last_object_) {
    last_object_.assign(object.data(), object.size());
    auto prev = previous_.find(object);
    last_previous_ = prev == previous_.end() ? nullptr : &prev->second;
    last_next_ = &next_[object];
    cursor_ = 0;
  }
  std::string scope_type = absl::StrCat(scope, "|", type);
  bool is_true = status == "True", is_false = status == "False";
  int64_t time = now_unix_;
  if (last_previous_ != nullptr) {
    // Entries come back in the order they were written, so the search
    // starts where the last one was found.
    const Entries& p = *last_previous_;
    for (size_t n = 0; n < p.size(); ++n) {
      size_t i = (cursor_ + n) % p.size();
      if (p[i].scope_type != scope_type) continue;
      if (p[i].is_true == is_true && p[i].is_false == is_false) time = p[i].time;
      cursor_ = i + 1;
      break;
    }
  }
  last_next_->push_back(Entry{std::move(scope_type), time, is_true, is_false});
  return Format(time);
}

void TransitionMemory::Commit() {
  if (!partial_) {
    previous_.swap(next_);
  } else {
    for (const std::string& o : forgotten_) previous_.erase(o);
    for (auto& [object, entries] : next_) previous_[object] = std::move(entries);
  }
  next_.clear();
  forgotten_.clear();
  last_object_.clear();
  last_previous_ = nullptr;
  last_next_ = nullptr;
}

model::Value RenderConditions(const std::vector<Condition>& conditions, int64_t generation,
                              absl::string_view object, absl::string_view scope,
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
                              absl::string_view object, absl::string_view scope,
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
