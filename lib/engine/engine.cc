#include "lib/engine/engine.h"

#include <algorithm>
#include <ctime>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/compile/config.h"
#include "lib/model/decode.h"
#include "lib/model/kinds.h"

namespace gwapi::engine {

absl::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kAccepted:
      return "accepted";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kIgnored:
      return "ignored";
    case Outcome::kUnchanged:
      return "unchanged";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(EngineOptions options) {
  if (options.controller_name.empty()) {
    return absl::InvalidArgumentError("controller_name must not be empty");
  }
  std::unique_ptr<Engine> e(new Engine(std::move(options)));
  e->schemas_ = &validate::SchemaSet::Builtin();
  return e;
}

namespace {

validate::FieldError Required(absl::string_view field) {
  validate::FieldError e;
  e.field = std::string(field);
  e.type = "Required value";
  e.constraint = absl::StrCat(field, "#required");
  return e;
}

// Everything but metadata and status: what a change of generation tracks.
bool SameSpec(const model::Value& a, const model::Value& b) {
  for (const model::Value::Member& m : a.object()) {
    if (m.first == "metadata" || m.first == "status") continue;
    const model::Value* other = b.Find(m.first);
    if (other == nullptr || *other != m.second) return false;
  }
  for (const model::Value::Member& m : b.object()) {
    if (m.first == "metadata" || m.first == "status") continue;
    if (a.Find(m.first) == nullptr) return false;
  }
  return true;
}

}  // namespace

ObjectResult Engine::ApplyOne(model::Value value, std::string source) {
  ObjectResult r;
  r.source = std::move(source);
  if (!value.is_object()) {
    r.outcome = Outcome::kRejected;
    validate::FieldError e;
    e.type = "Invalid value";
    e.value = value.ToJson();
    e.detail = "a Kubernetes object must be a mapping";
    r.errors.push_back(std::move(e));
    return r;
  }
  model::Object obj;
  model::ReadObjectMeta(value, &obj.key, &obj.meta);
  r.key = obj.key;
  r.api_version = obj.meta.api_version;
  if (obj.meta.api_version.empty()) r.errors.push_back(Required("apiVersion"));
  if (obj.key.kind.empty()) r.errors.push_back(Required("kind"));
  if (!r.errors.empty()) {
    r.outcome = Outcome::kRejected;
    return r;
  }
  obj.info = model::FindKind(obj.key.group, obj.key.kind);
  if (obj.info == nullptr) {
    r.outcome = Outcome::kIgnored;
    r.note = absl::StrCat("gwapi does not model ", obj.meta.api_version, " ", obj.key.kind);
    return r;
  }
  // kubectl fills in the namespace of its context; "default" here.
  model::Value* md = value.FindMutable("metadata");
  if (obj.info->namespaced && obj.key.ns.empty() && md != nullptr && md->is_object()) {
    obj.key.ns = "default";
    md->Set("namespace", model::Value::String("default"));
    r.key.ns = "default";
  }
  if (!obj.info->namespaced) obj.key.ns.clear();

  const model::Object* old = store_.Get(obj.key);
  r.errors = schemas_->DefaultAndValidate(value, old != nullptr ? &old->body : nullptr);
  if (!r.errors.empty()) {
    r.outcome = Outcome::kRejected;
    rejected_[obj.key] = r;
    return r;
  }
  // Validation may have normalised metadata (e.g. dropped a cluster-scoped
  // object's namespace); read it again from what will be stored.
  model::ReadObjectMeta(value, &obj.key, &obj.meta);
  if (!obj.info->namespaced) obj.key.ns.clear();
  rejected_.erase(obj.key);

  // Generation as the API server keeps it, unless the input carries one
  // (objects read back with `kubectl get -o yaml`).
  if (obj.meta.generation <= 0) {
    if (old == nullptr) {
      obj.meta.generation = 1;
    } else {
      obj.meta.generation =
          SameSpec(old->body, value) ? old->meta.generation : old->meta.generation + 1;
    }
    value.FindMutable("metadata")->Set("generation", model::Value::Int(obj.meta.generation));
  }
  if (old != nullptr) {
    obj.meta.arrival = old->meta.arrival;
    if (obj.meta.creation_timestamp.empty() && !old->meta.creation_timestamp.empty()) {
      obj.meta.creation_timestamp = old->meta.creation_timestamp;
      value.FindMutable("metadata")
          ->Set("creationTimestamp", model::Value::String(obj.meta.creation_timestamp));
    }
    if (old->body == value) {
      r.outcome = Outcome::kUnchanged;
      r.generation = old->meta.generation;
      return r;
    }
  } else {
    obj.meta.arrival = next_arrival_++;
  }
  r.outcome = Outcome::kAccepted;
  r.generation = obj.meta.generation;
  obj.body = std::move(value);
  NoteChange(obj.key);
  store_.Put(std::make_shared<const model::Object>(std::move(obj)));
  return r;
}

absl::StatusOr<std::vector<ObjectResult>> Engine::Apply(absl::string_view input) {
  GWAPI_ASSIGN_OR_RETURN(std::vector<model::DecodedItem> items,
                         model::DecodeObjects(input, options_.limits, model::InputFormat::kAuto,
                                                /*drop_status=*/true));
  std::vector<ObjectResult> results;
  results.reserve(items.size());
  for (model::DecodedItem& item : items) {
    results.push_back(ApplyOne(std::move(item.value), std::move(item.source)));
  }
  return results;
}

absl::Status Engine::Delete(const model::ObjectKey& key) {
  bool stored = store_.Erase(key);
  if (stored) NoteChange(key);
  bool rejected = rejected_.erase(key) > 0;
  if (!stored && !rejected) {
    return absl::NotFoundError(absl::StrCat(key.ToString(), " not found"));
  }
  return absl::OkStatus();
}

std::vector<ObjectResult> Engine::List(ListFilter filter) const {
  std::vector<ObjectResult> out;
  if (filter != ListFilter::kRejected) {
    for (const auto& [key, obj] : store_.objects()) {
      ObjectResult r;
      r.key = key;
      r.api_version = obj->meta.api_version;
      r.outcome = Outcome::kAccepted;
      r.generation = obj->meta.generation;
      out.push_back(std::move(r));
    }
  }
  if (filter != ListFilter::kStored) {
    for (const auto& [key, r] : rejected_) out.push_back(r);
  }
  std::stable_sort(out.begin(), out.end(), [](const ObjectResult& a, const ObjectResult& b) {
    if (a.key == b.key) return a.outcome < b.outcome;
    return a.key < b.key;
  });
  return out;
}

void Engine::NoteChange(const model::ObjectKey& key) {
  if (pending_overflow_) return;
  if (pending_changes_.size() >= kMaxPendingChanges) {
    pending_overflow_ = true;
    pending_changes_.clear();
    return;
  }
  pending_changes_.push_back(key);
}

const resolve::StatusSet& Engine::Status() {
  if (!status_valid_ || status_revision_ != store_.revision()) {
    resolve::ResolveOptions opts;
    opts.controller_name = options_.controller_name;
    opts.now_unix = options_.fixed_time_unix != 0 ? options_.fixed_time_unix
                                                  : static_cast<int64_t>(std::time(nullptr));
    bool updated = status_valid_ && !pending_overflow_ &&
                   resolution_.Update(store_, opts, pending_changes_, &transitions_);
    if (!updated) resolution_.Full(store_, opts, &transitions_);
    pending_changes_.clear();
    pending_overflow_ = false;
    status_revision_ = store_.revision();
    status_valid_ = true;
  }
  return resolution_.status();
}

absl::StatusOr<std::shared_ptr<const route::Snapshot>> Engine::Snapshot() {
  Status();
  std::shared_ptr<const route::Snapshot> current = snapshot_.Get();
  if (current != nullptr && snapshot_revision_ == store_.revision()) return current;
  gwapi::v1::Snapshot config;
  compile::CompileConfig(resolution_.MakeRouting(), store_, store_.revision(), &config);
  GWAPI_ASSIGN_OR_RETURN(std::shared_ptr<const route::Snapshot> next,
                         route::Snapshot::Create(config));
  snapshot_.Publish(next);
  snapshot_revision_ = store_.revision();
  return next;
}

}  // namespace gwapi::engine
