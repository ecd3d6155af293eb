// The C ABI: extern "C" glue over lib/engine. No logic lives here beyond
// converting types, copying strings in, and catching every exception.
#include "gwapi/gwapi.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/engine/engine.h"
#include "lib/engine/lb_sync.h"
#include "lib/model/limits.h"
#include "lib/model/value.h"
#include "lib/proto/names.h"
#include "lib/resolve/features.h"
#include "lib/resolve/resolver.h"
#include "lib/route/decision_json.h"
#include "lib/route/snapshot.h"

struct gwapi_engine {
  std::unique_ptr<gwapi::engine::Engine> impl;
};

struct gwapi_lb {
  std::unique_ptr<gwapi::engine::LbSync> impl;
};

// One C handle shared by every holder of a reference (gwapi_snapshot_ref).
struct gwapi_snapshot {
  std::shared_ptr<const gwapi::route::Snapshot> impl;
  std::atomic<uint32_t> refs{1};
};

// Entries own their strings; the gwapi_str views handed out point into them.
struct gwapi_object_list {
  std::vector<gwapi::engine::ObjectResult> items;
  std::vector<std::vector<std::string>> error_texts;  // FieldError::ToString per item
  std::string json;
};

namespace {

char* DupString(absl::string_view s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

gwapi_str Lend(const std::string& s) { return gwapi_str{s.c_str(), s.size()}; }

gwapi_status SetError(gwapi_error** err, gwapi_status code, absl::string_view message,
                      absl::string_view location = "", int sys_errno = 0) {
  if (err == nullptr) return code;
  auto* e = static_cast<gwapi_error*>(std::calloc(1, sizeof(gwapi_error)));
  if (e == nullptr) return code;
  e->code = code;
  e->message = DupString(message);
  e->location = DupString(location);
  e->sys_errno = sys_errno;
  *err = e;
  return code;
}

gwapi_status FromStatus(const absl::Status& s, gwapi_error** err) {
  if (s.ok()) return GWAPI_OK;
  return SetError(err, static_cast<gwapi_status>(s.code()), s.message(),
                  gwapi::model::GetLocation(s));
}

// Runs body, mapping any exception to a status: none may cross the ABI.
template <typename F>
gwapi_status Guard(gwapi_error** err, F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return SetError(err, GWAPI_RESOURCE_EXHAUSTED, "out of memory", "", ENOMEM);
  } catch (const std::exception& e) {
    return SetError(err, GWAPI_INTERNAL, absl::StrCat("internal error: ", e.what()));
  } catch (...) {
    return SetError(err, GWAPI_INTERNAL, "internal error");
  }
}

// Copies up to sz bytes of a caller's options struct over the defaults.
template <typename T>
T ReadOpts(const T* in) {
  T out;
  std::memset(&out, 0, sizeof(out));
  if (in != nullptr) {
    size_t n = in->sz < sizeof(T) ? in->sz : sizeof(T);
    std::memcpy(&out, in, n);
  }
  out.sz = sizeof(T);
  return out;
}

absl::string_view View(const char* p, size_t n) {
  return p == nullptr ? absl::string_view() : absl::string_view(p, n);
}

gwapi::model::ObjectKey ReadKey(const gwapi_object_key* in) {
  gwapi_object_key k = ReadOpts(in);
  return gwapi::model::ObjectKey{std::string(View(k.group, k.group_len)),
                                 std::string(View(k.kind, k.kind_len)),
                                 std::string(View(k.ns, k.ns_len)),
                                 std::string(View(k.name, k.name_len))};
}

// Copies `s` into a malloc'ed buffer the caller frees with gwapi_string_free.
gwapi_status HandOut(absl::string_view s, char** out, size_t* out_len) {
  *out = DupString(s);
  if (*out == nullptr) throw std::bad_alloc();
  if (out_len != nullptr) *out_len = s.size();
  return GWAPI_OK;
}

// The stored object `k` names, or nullptr with a NOT_FOUND error set.
const gwapi::model::Object* FindStored(const gwapi_engine* engine,
                                       const gwapi::model::ObjectKey& k, gwapi_error** err) {
  const gwapi::model::Object* obj = engine->impl->Get(k);
  if (obj == nullptr) SetError(err, GWAPI_NOT_FOUND, absl::StrCat(k.ToString(), " not found"));
  return obj;
}

std::unique_ptr<gwapi_object_list> MakeList(std::vector<gwapi::engine::ObjectResult> items) {
  using gwapi::model::AppendJsonString;
  auto list = std::make_unique<gwapi_object_list>();
  list->items = std::move(items);
  std::string& j = list->json;
  j.push_back('[');
  for (size_t i = 0; i < list->items.size(); ++i) {
    const gwapi::engine::ObjectResult& r = list->items[i];
    std::vector<std::string> texts;
    if (i > 0) j.push_back(',');
    j.append("{\"apiVersion\":");
    AppendJsonString(r.api_version, &j);
    j.append(",\"kind\":");
    AppendJsonString(r.key.kind, &j);
    j.append(",\"namespace\":");
    AppendJsonString(r.key.ns, &j);
    j.append(",\"name\":");
    AppendJsonString(r.key.name, &j);
    j.append(",\"outcome\":");
    AppendJsonString(gwapi::engine::OutcomeName(r.outcome), &j);
    absl::StrAppend(&j, ",\"generation\":", r.generation, ",\"source\":");
    AppendJsonString(r.source, &j);
    j.append(",\"note\":");
    AppendJsonString(r.note, &j);
    j.append(",\"errors\":[");
    for (size_t k = 0; k < r.errors.size(); ++k) {
      const gwapi::validate::FieldError& e = r.errors[k];
      texts.push_back(e.ToString());
      if (k > 0) j.push_back(',');
      j.append("{\"field\":");
      AppendJsonString(e.field, &j);
      j.append(",\"type\":");
      AppendJsonString(e.type, &j);
      j.append(",\"value\":");
      AppendJsonString(e.value, &j);
      j.append(",\"detail\":");
      AppendJsonString(e.detail, &j);
      j.append(",\"constraint\":");
      AppendJsonString(e.constraint, &j);
      j.append(",\"text\":");
      AppendJsonString(texts.back(), &j);
      j.push_back('}');
    }
    j.append("]}");
    list->error_texts.push_back(std::move(texts));
  }
  j.push_back(']');
  return list;
}

gwapi_str LendView(absl::string_view s) { return gwapi_str{s.data(), s.size()}; }

// The C request as the matcher's. Views borrow the caller's memory; the
// header views are written to `headers`, which must hold header_count.
gwapi::route::Request ReadRequest(const gwapi_request& q, gwapi::route::Header* headers) {
  gwapi::route::Request r;
  r.gateway = q.gateway;
  r.port = q.port;
  r.protocol = static_cast<gwapi::route::RequestProtocol>(q.protocol);
  r.host = View(q.host, q.host_len);
  r.method = View(q.method, q.method_len);
  r.path = View(q.path, q.path_len);
  r.sni = View(q.sni, q.sni_len);
  r.hash = q.hash;
  size_t n = q.headers != nullptr ? q.header_count : 0;
  for (size_t i = 0; i < n; ++i) {
    headers[i] = {View(q.headers[i].name, q.headers[i].name_len),
                  View(q.headers[i].value, q.headers[i].value_len)};
  }
  r.headers = absl::MakeConstSpan(headers, n);
  return r;
}

// Copies `value` into a caller's struct whose first field is `size_t sz`,
// up to the caller's sz: an older caller gets the fields it knows.
template <typename T>
void WriteSized(const T& value, T* out) {
  size_t n = out->sz < sizeof(T) ? out->sz : sizeof(T);
  if (n > sizeof(size_t)) {
    std::memcpy(reinterpret_cast<char*>(out) + sizeof(size_t),
                reinterpret_cast<const char*>(&value) + sizeof(size_t), n - sizeof(size_t));
  }
}

bool KnownProtocol(const gwapi_request& q) { return q.protocol <= GWAPI_PROTOCOL_UDP; }

// Header views live on the stack up to this many headers (the hot path
// allocates nothing); beyond it, on the heap, up to kMaxHeaders (a bound
// far above what any proxy accepts, so the allocation cannot overflow).
constexpr size_t kStackHeaders = 64;
constexpr size_t kMaxHeaders = size_t{1} << 20;

}  // namespace

extern "C" {

const char* gwapi_version(void) { return GWAPI_VERSION_STRING; }

uint32_t gwapi_abi_version(void) { return GWAPI_ABI_VERSION; }

const char* gwapi_status_name(gwapi_status status) {
  static const char* const kNames[] = {
      "OK",        "CANCELLED",         "UNKNOWN",      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  int i = static_cast<int>(status);
  if (i < 0 || i >= static_cast<int>(sizeof(kNames) / sizeof(kNames[0]))) {
    return "UNKNOWN_STATUS";
  }
  return kNames[i];
}

void gwapi_error_free(gwapi_error* err) {
  if (err == nullptr) return;
  std::free(const_cast<char*>(err->message));
  std::free(const_cast<char*>(err->location));
  std::free(err);
}

void gwapi_string_free(char* s) { std::free(s); }

gwapi_status gwapi_engine_new(const gwapi_engine_opts* opts, gwapi_engine** out,
                              gwapi_error** err) {
  if (out == nullptr) return SetError(err, GWAPI_INVALID_ARGUMENT, "out must not be NULL");
  *out = nullptr;
  return Guard(err, [&]() -> gwapi_status {
    gwapi_engine_opts o = ReadOpts(opts);
    gwapi::engine::EngineOptions options;
    if (o.controller_name != nullptr) options.controller_name = o.controller_name;
    if (o.max_input_bytes != 0) options.limits.max_input_bytes = o.max_input_bytes;
    if (o.max_string_bytes != 0) options.limits.max_string_bytes = o.max_string_bytes;
    if (o.max_depth != 0) options.limits.max_depth = o.max_depth;
    if (o.max_objects != 0) options.limits.max_objects = o.max_objects;
    if (o.max_alias_nodes != 0) options.limits.max_alias_nodes = o.max_alias_nodes;
    options.fixed_time_unix = o.fixed_time_unix;
    auto engine = gwapi::engine::Engine::Create(std::move(options));
    if (!engine.ok()) return FromStatus(engine.status(), err);
    *out = new gwapi_engine{std::move(engine).value()};
    return GWAPI_OK;
  });
}

void gwapi_engine_free(gwapi_engine* engine) { delete engine; }

gwapi_status gwapi_engine_apply(gwapi_engine* engine, const char* data, size_t len,
                                gwapi_object_list** out, gwapi_error** err) {
  if (out != nullptr) *out = nullptr;
  if (engine == nullptr) return SetError(err, GWAPI_INVALID_ARGUMENT, "engine must not be NULL");
  if (data == nullptr && len != 0) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "data must not be NULL");
  }
  return Guard(err, [&]() -> gwapi_status {
    auto results = engine->impl->Apply(View(data, len));
    if (!results.ok()) return FromStatus(results.status(), err);
    if (out != nullptr) *out = MakeList(std::move(results).value()).release();
    return GWAPI_OK;
  });
}

gwapi_status gwapi_engine_delete(gwapi_engine* engine, const gwapi_object_key* key,
                                 gwapi_error** err) {
  if (engine == nullptr || key == nullptr) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "engine and key must not be NULL");
  }
  return Guard(err, [&]() -> gwapi_status {
    return FromStatus(engine->impl->Delete(ReadKey(key)), err);
  });
}

gwapi_status gwapi_engine_list(const gwapi_engine* engine, gwapi_list_filter filter,
                               gwapi_object_list** out, gwapi_error** err) {
  if (out == nullptr || engine == nullptr) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "engine and out must not be NULL");
  }
  *out = nullptr;
  gwapi::engine::ListFilter f;
  switch (filter) {
    case GWAPI_LIST_STORED:
      f = gwapi::engine::ListFilter::kStored;
      break;
    case GWAPI_LIST_REJECTED:
      f = gwapi::engine::ListFilter::kRejected;
      break;
    case GWAPI_LIST_ALL:
      f = gwapi::engine::ListFilter::kAll;
      break;
    default:
      return SetError(err, GWAPI_INVALID_ARGUMENT, "unknown list filter");
  }
  return Guard(err, [&]() -> gwapi_status {
    *out = MakeList(engine->impl->List(f)).release();
    return GWAPI_OK;
  });
}

gwapi_status gwapi_engine_get_json(const gwapi_engine* engine, const gwapi_object_key* key,
                                   char** out, size_t* out_len, gwapi_error** err) {
  if (engine == nullptr || key == nullptr || out == nullptr) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "engine, key and out must not be NULL");
  }
  *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
  return Guard(err, [&]() -> gwapi_status {
    const gwapi::model::Object* obj = FindStored(engine, ReadKey(key), err);
    if (obj == nullptr) return GWAPI_NOT_FOUND;
    return HandOut(obj->body.ToJson(), out, out_len);
  });
}

size_t gwapi_object_list_count(const gwapi_object_list* list) {
  return list == nullptr ? 0 : list->items.size();
}

gwapi_status gwapi_object_list_get(const gwapi_object_list* list, size_t i,
                                   gwapi_object_info* info) {
  if (list == nullptr || info == nullptr || i >= list->items.size()) {
    return GWAPI_INVALID_ARGUMENT;
  }
  const gwapi::engine::ObjectResult& r = list->items[i];
  gwapi_object_info o;
  std::memset(&o, 0, sizeof(o));
  o.sz = sizeof(o);
  o.api_version = Lend(r.api_version);
  o.kind = Lend(r.key.kind);
  o.ns = Lend(r.key.ns);
  o.name = Lend(r.key.name);
  o.outcome = static_cast<gwapi_outcome>(r.outcome);
  o.generation = r.generation;
  o.source = Lend(r.source);
  o.note = Lend(r.note);
  o.error_count = r.errors.size();
  size_t n = info->sz < sizeof(o) ? info->sz : sizeof(o);
  size_t caller_sz = info->sz;
  std::memcpy(info, &o, n);
  info->sz = caller_sz;
  return GWAPI_OK;
}

gwapi_status gwapi_object_list_error(const gwapi_object_list* list, size_t i, size_t j,
                                     gwapi_field_error* fe) {
  if (list == nullptr || fe == nullptr || i >= list->items.size() ||
      j >= list->items[i].errors.size()) {
    return GWAPI_INVALID_ARGUMENT;
  }
  const gwapi::validate::FieldError& e = list->items[i].errors[j];
  gwapi_field_error o;
  std::memset(&o, 0, sizeof(o));
  o.field = Lend(e.field);
  o.type = Lend(e.type);
  o.value = Lend(e.value);
  o.detail = Lend(e.detail);
  o.constraint = Lend(e.constraint);
  o.text = Lend(list->error_texts[i][j]);
  size_t n = fe->sz < sizeof(o) ? fe->sz : sizeof(o);
  size_t caller_sz = fe->sz;
  std::memcpy(fe, &o, n);
  fe->sz = caller_sz;
  return GWAPI_OK;
}

gwapi_str gwapi_object_list_json(const gwapi_object_list* list) {
  if (list == nullptr) return gwapi_str{"", 0};
  return Lend(list->json);
}

void gwapi_object_list_free(gwapi_object_list* list) { delete list; }

gwapi_status gwapi_engine_status_json(gwapi_engine* engine, char** out, size_t* out_len,
                                      gwapi_error** err) {
  if (engine == nullptr || out == nullptr) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "engine and out must not be NULL");
  }
  *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
  return Guard(err, [&]() -> gwapi_status {
    std::string json = engine->impl->Status().ToJson(engine->impl->store());
    return HandOut(json, out, out_len);
  });
}

gwapi_status gwapi_engine_object_status_json(gwapi_engine* engine, const gwapi_object_key* key,
                                             char** out, size_t* out_len, gwapi_error** err) {
  if (engine == nullptr || key == nullptr || out == nullptr) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "engine, key and out must not be NULL");
  }
  *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
  return Guard(err, [&]() -> gwapi_status {
    gwapi::model::ObjectKey k = ReadKey(key);
    if (FindStored(engine, k, err) == nullptr) return GWAPI_NOT_FOUND;
    const gwapi::model::Value* status = engine->impl->Status().Find(k);
    if (status == nullptr) {
      return SetError(err, GWAPI_NOT_FOUND,
                      absl::StrCat("no status is written for ", k.ToString(),
                                   ": it is not handled by controller ",
                                   engine->impl->options().controller_name));
    }
    return HandOut(status->ToJson(), out, out_len);
  });
}

gwapi_status gwapi_supported_features_json(char** out, size_t* out_len, gwapi_error** err) {
  if (out == nullptr) return SetError(err, GWAPI_INVALID_ARGUMENT, "out must not be NULL");
  *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
  return Guard(err, [&]() -> gwapi_status {
    std::string json = "[";
    bool first = true;
    for (absl::string_view f : gwapi::resolve::SupportedFeatures()) {
      if (!first) json.push_back(',');
      first = false;
      gwapi::model::AppendJsonString(f, &json);
    }
    json.push_back(']');
    return HandOut(json, out, out_len);
  });
}

}  // extern "C"

extern "C" {

gwapi_status gwapi_engine_snapshot(gwapi_engine* engine, gwapi_snapshot** out, gwapi_error** err) {
  if (out == nullptr || engine == nullptr) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "engine and out must not be NULL");
  }
  *out = nullptr;
  return Guard(err, [&]() -> gwapi_status {
    auto snap = engine->impl->Snapshot();
    if (!snap.ok()) return FromStatus(snap.status(), err);
    *out = new gwapi_snapshot{std::move(snap).value()};
    return GWAPI_OK;
  });
}

gwapi_snapshot* gwapi_snapshot_ref(gwapi_snapshot* snapshot) {
  if (snapshot != nullptr) snapshot->refs.fetch_add(1, std::memory_order_relaxed);
  return snapshot;
}

void gwapi_snapshot_free(gwapi_snapshot* snapshot) {
  if (snapshot == nullptr) return;
  if (snapshot->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete snapshot;
}

gwapi_status gwapi_snapshot_serialize(const gwapi_snapshot* snapshot, char** out, size_t* out_len,
                                      gwapi_error** err) {
  if (out_len != nullptr) *out_len = 0;
  if (out == nullptr || snapshot == nullptr) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "snapshot and out must not be NULL");
  }
  *out = nullptr;
  return Guard(err, [&]() -> gwapi_status {
    return HandOut(snapshot->impl->Serialized(), out, out_len);
  });
}

gwapi_status gwapi_snapshot_load(const char* data, size_t len, gwapi_snapshot** out,
                                 gwapi_error** err) {
  if (out == nullptr || (data == nullptr && len != 0)) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "out must not be NULL, nor data with a length");
  }
  *out = nullptr;
  return Guard(err, [&]() -> gwapi_status {
    if (len > static_cast<size_t>(INT32_MAX)) {  // protobuf's limit, checked before any copy
      return SetError(err, GWAPI_INVALID_ARGUMENT,
                      "the bytes are not a serialized gwapi.v1.Snapshot message");
    }
    auto snap = gwapi::route::Snapshot::Load(len == 0 ? std::string() : std::string(data, len));
    if (!snap.ok()) return FromStatus(snap.status(), err);
    *out = new gwapi_snapshot{std::move(snap).value()};
    return GWAPI_OK;
  });
}

int32_t gwapi_snapshot_find_gateway(const gwapi_snapshot* snapshot, const char* ns, size_t ns_len,
                                    const char* name, size_t name_len) {
  if (snapshot == nullptr) return -1;
  return snapshot->impl->FindGateway(View(ns, ns_len), View(name, name_len));
}

gwapi_status gwapi_snapshot_match(const gwapi_snapshot* snapshot, const gwapi_request* request,
                                  gwapi_match_result* result) {
  if (snapshot == nullptr || request == nullptr || result == nullptr) return GWAPI_INVALID_ARGUMENT;
  gwapi_request q = ReadOpts(request);
  if (!KnownProtocol(q)) return GWAPI_INVALID_ARGUMENT;
  if (q.headers == nullptr) q.header_count = 0;
  if (q.header_count > kMaxHeaders) return GWAPI_INVALID_ARGUMENT;
  gwapi::route::Header stack[kStackHeaders];
  std::unique_ptr<gwapi::route::Header[]> heap;
  gwapi::route::Header* headers = stack;
  if (q.header_count > kStackHeaders) {
    heap.reset(new (std::nothrow) gwapi::route::Header[q.header_count]);
    if (heap == nullptr) return GWAPI_RESOURCE_EXHAUSTED;
    headers = heap.get();
  }
  gwapi::route::MatchResult m;
  snapshot->impl->Match(ReadRequest(q, headers), &m);
  gwapi_match_result res;
  std::memset(&res, 0, sizeof(res));
  res.status = m.status;
  res.listener = m.listener;
  res.route = m.route;
  res.rule = m.rule;
  res.backend = m.backend;
  WriteSized(res, result);
  return GWAPI_OK;
}

gwapi_status gwapi_snapshot_route(const gwapi_snapshot* snapshot, int32_t route,
                                  gwapi_route_info* out) {
  if (snapshot == nullptr || out == nullptr) return GWAPI_INVALID_ARGUMENT;
  gwapi::route::RouteInfo r;
  if (!snapshot->impl->RouteAt(route, &r)) return GWAPI_OUT_OF_RANGE;
  gwapi_route_info info;
  std::memset(&info, 0, sizeof(info));
  info.kind = LendView(gwapi::proto::RouteKindName(r.kind));  // static text
  info.ns = LendView(r.ns);
  info.name = LendView(r.name);
  info.rule_count = static_cast<size_t>(r.rule_count);
  WriteSized(info, out);
  return GWAPI_OK;
}

gwapi_status gwapi_snapshot_backend(const gwapi_snapshot* snapshot, int32_t route, int32_t rule,
                                    int32_t backend, gwapi_backend_info* out) {
  if (snapshot == nullptr || out == nullptr) return GWAPI_INVALID_ARGUMENT;
  gwapi::route::BackendInfo b;
  if (!snapshot->impl->BackendAt(route, rule, backend, &b)) return GWAPI_OUT_OF_RANGE;
  gwapi_backend_info info;
  std::memset(&info, 0, sizeof(info));
  info.ns = LendView(b.ns);
  info.name = LendView(b.name);
  info.port = b.port;
  info.weight = b.weight;
  info.valid = b.valid ? 1 : 0;
  WriteSized(info, out);
  return GWAPI_OK;
}

gwapi_status gwapi_snapshot_decide_json(const gwapi_snapshot* snapshot, const gwapi_request* request,
                                        char** out, size_t* out_len, gwapi_error** err) {
  if (snapshot == nullptr || request == nullptr || out == nullptr) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "snapshot, request and out must not be NULL");
  }
  *out = nullptr;
  gwapi_request q = ReadOpts(request);
  if (!KnownProtocol(q)) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "request.protocol is not a gwapi_protocol");
  }
  if (q.headers != nullptr && q.header_count > kMaxHeaders) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "request.header_count is over 1,048,576");
  }
  return Guard(err, [&]() -> gwapi_status {
    std::vector<gwapi::route::Header> headers(q.headers != nullptr ? q.header_count : 0);
    gwapi::route::Request r = ReadRequest(q, headers.data());
    return HandOut(gwapi::route::DecisionJson(*snapshot->impl, r), out, out_len);
  });
}

}  // extern "C"

extern "C" {

gwapi_status gwapi_lb_open(const gwapi_lb_opts* opts, gwapi_lb** out, gwapi_error** err) {
  if (out == nullptr) return SetError(err, GWAPI_INVALID_ARGUMENT, "out must not be NULL");
  *out = nullptr;
  return Guard(err, [&]() -> gwapi_status {
    gwapi_lb_opts o = ReadOpts(opts);
    gwapi::engine::LbSyncOptions options;
    if (o.pin_path != nullptr) options.pin_path = o.pin_path;
    options.in_memory = o.in_memory != 0;
    options.create_missing = o.open_existing == 0;
    options.max_entries = o.max_entries;
    if (o.l7_proxy_port > 65535) {
      return SetError(err, GWAPI_INVALID_ARGUMENT, "l7_proxy_port must be at most 65535");
    }
    if (o.l7_proxy_port != 0) options.view.l7_proxy_port = static_cast<uint16_t>(o.l7_proxy_port);
    options.view.protocol_differentiation = o.protocol_differentiation != 0;
    auto lb = gwapi::engine::LbSync::Create(options);
    if (!lb.ok()) return FromStatus(lb.status(), err);
    *out = new gwapi_lb{std::move(lb).value()};
    return GWAPI_OK;
  });
}

void gwapi_lb_free(gwapi_lb* lb) { delete lb; }

gwapi_status gwapi_lb_sync(gwapi_lb* lb, const gwapi_snapshot* snapshot, char** report,
                           size_t* report_len, gwapi_error** err) {
  if (report != nullptr) *report = nullptr;
  if (report_len != nullptr) *report_len = 0;
  if (lb == nullptr || snapshot == nullptr) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "lb and snapshot must not be NULL");
  }
  return Guard(err, [&]() -> gwapi_status {
    auto r = lb->impl->Sync(*snapshot->impl);
    if (!r.ok()) return FromStatus(r.status(), err);
    if (report == nullptr) return GWAPI_OK;
    std::string j = absl::StrCat("{\"frontendsChanged\":", r->stats.frontends_changed,
                                 ",\"frontendsRemoved\":", r->stats.frontends_removed,
                                 ",\"entriesWritten\":", r->stats.entries_written,
                                 ",\"entriesDeleted\":", r->stats.entries_deleted, ",\"notes\":[");
    for (size_t i = 0; i < r->notes.size(); ++i) {
      if (i > 0) j.push_back(',');
      gwapi::model::AppendJsonString(r->notes[i], &j);
    }
    j += "]}";
    return HandOut(j, report, report_len);
  });
}

gwapi_status gwapi_lb_list_json(gwapi_lb* lb, char** out, size_t* out_len, gwapi_error** err) {
  if (out != nullptr) *out = nullptr;
  if (lb == nullptr || out == nullptr) {
    return SetError(err, GWAPI_INVALID_ARGUMENT, "lb and out must not be NULL");
  }
  return Guard(err, [&]() -> gwapi_status {
    auto rows = lb->impl->List();
    if (!rows.ok()) return FromStatus(rows.status(), err);
    std::string j = "[";
    for (size_t i = 0; i < rows->size(); ++i) {
      const gwapi::lb::ListRow& r = (*rows)[i];
      if (i > 0) j.push_back(',');
      j += "{\"service\":";
      gwapi::model::AppendJsonString(r.ServiceText(), &j);
      j += ",\"backend\":";
      gwapi::model::AppendJsonString(r.BackendText(), &j);
      absl::StrAppend(&j, ",\"slot\":", r.slot, ",\"revNat\":", r.rev_nat, ",\"count\":", r.count,
                      ",\"l7ProxyPort\":", r.l7_proxy_port, ",\"backendId\":", r.backend_id);
      j += ",\"flags\":";
      gwapi::model::AppendJsonString(r.flags, &j);
      j.push_back('}');
    }
    j.push_back(']');
    return HandOut(j, out, out_len);
  });
}

}  // extern "C"
