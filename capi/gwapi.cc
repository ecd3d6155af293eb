// The C ABI: extern "C" glue over lib/engine. No logic lives here beyond
// converting types, copying strings in, and catching every exception.
#include "gwapi/gwapi.h"

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
#include "lib/model/limits.h"
#include "lib/model/value.h"
#include "lib/resolve/features.h"
#include "lib/resolve/resolver.h"

struct gwapi_engine {
  std::unique_ptr<gwapi::engine::Engine> impl;
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
gwapi_status HandOut(const std::string& s, char** out, size_t* out_len) {
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
