// Decode and validate throughput: how close gwapi's JSON / YAML intake
// comes to the raw parsers it is built on.
//
// Input: the HTTPRoutes of bench/workload.h at N = 1,000 and 10,000, as one
// `kubectl get -o json` List and as a multi-document YAML stream. Baselines
// in the same binary: simdjson's DOM parse (the JSON ceiling) and libyaml's
// event parse (the YAML ceiling). Every benchmark reports bytes/s and
// objects/s (items_per_second = HTTPRoutes per second).
//
// Freeing what an iteration produced (Value trees, engines) is not timed: a
// caller keeps what it decodes. Before timing, each size's whole workload
// (every kind) is applied through the Engine as JSON and as YAML and must be
// accepted in full; a rejected object is a generator bug and fails every
// benchmark of that size.
#include <yaml.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bench/workload.h"
#include "benchmark/benchmark.h"
#include "lib/engine/engine.h"
#include "lib/model/decode.h"
#include "lib/model/json.h"
#include "lib/model/limits.h"
#include "lib/model/yaml.h"
#include "lib/validate/validator.h"
#include "simdjson.h"

namespace gwapi::bench {
namespace {

constexpr uint64_t kSeed = 1;

struct Fixture {
  size_t items = 0;  // HTTPRoutes in the input
  std::string json;  // the HTTPRoutes as a List
  std::string yaml;  // the same objects as a YAML stream
  simdjson::padded_string padded;
  std::string error;  // non-empty: the workload is broken; skip
};

// Applies every object of the workload through a fresh engine; "" when all
// are accepted, else what went wrong (the first few rejections).
std::string CheckAccepted(absl::string_view format, const std::string& input, size_t expected) {
  auto engine = engine::Engine::Create(engine::EngineOptions{});
  if (!engine.ok()) return engine.status().ToString();
  auto results = (*engine)->Apply(input);
  if (!results.ok()) return absl::StrCat(format, ": ", results.status().ToString());
  std::string err;
  size_t bad = 0;
  for (const engine::ObjectResult& r : *results) {
    if (r.outcome == engine::Outcome::kAccepted) continue;
    if (++bad <= 5) {
      absl::StrAppend(&err, "\n  ", r.key.ToString(), " (", r.source, "): ",
                      engine::OutcomeName(r.outcome), " ", r.note);
      for (const validate::FieldError& e : r.errors) absl::StrAppend(&err, "\n    ", e.ToString());
    }
  }
  if (results->size() != expected) {
    absl::StrAppend(&err, "\n  ", results->size(), " results for ", expected, " objects");
  }
  if (bad > 0 || results->size() != expected) {
    return absl::StrCat("generator bug (", format, "): ", bad, " of ", expected,
                        " objects not accepted:", err);
  }
  return "";
}

const Fixture& GetFixture(int routes) {
  static auto* cache = new std::map<int, std::unique_ptr<Fixture>>();
  auto& slot = (*cache)[routes];
  if (slot != nullptr) return *slot;
  slot = std::make_unique<Fixture>();
  Fixture& f = *slot;

  WorkloadOptions options;
  options.seed = kSeed;
  options.http_routes = routes;
  Workload w = GenerateWorkload(options);
  const size_t total = w.objects.size();
  f.error = CheckAccepted("JSON", ToJsonList(w.objects), total);
  if (f.error.empty()) f.error = CheckAccepted("YAML", ToYamlStream(w.objects), total);

  std::vector<model::Value> http_routes = w.OfKind("HTTPRoute");
  f.items = http_routes.size();
  f.json = ToJsonList(http_routes);
  f.yaml = ToYamlStream(http_routes);
  f.padded = simdjson::padded_string(f.json);

  // Both texts must decode to the objects they were written from.
  if (f.error.empty()) {
    model::DecodeLimits limits;
    auto from_json = model::DecodeObjects(f.json, limits, model::InputFormat::kJson);
    auto from_yaml = model::DecodeObjects(f.yaml, limits, model::InputFormat::kYaml);
    if (!from_json.ok() || !from_yaml.ok() || from_json->size() != f.items ||
        from_yaml->size() != f.items) {
      f.error = "generator bug: the JSON or YAML text does not decode to the workload";
    } else {
      for (size_t i = 0; i < f.items && f.error.empty(); ++i) {
        if ((*from_json)[i].value != http_routes[i] || (*from_yaml)[i].value != http_routes[i]) {
          f.error = absl::StrCat("generator bug: item ", i, " differs between Value, JSON, YAML");
        }
      }
    }
  }
  // Skipping `status` must give the same objects, minus their status.
  if (f.error.empty()) {
    model::JsonParseOptions skip;
    skip.skip_top_level_status = true;
    auto full = model::ParseJson(f.json, model::DecodeLimits{});
    auto skipped = model::ParseJson(f.json, model::DecodeLimits{}, skip);
    if (!full.ok() || !skipped.ok() || full->FindMutable("items") == nullptr ||
        !full->FindMutable("items")->is_array()) {
      f.error = "the JSON List does not parse";
    } else {
      for (model::Value& item : full->FindMutable("items")->mutable_array()) item.Erase("status");
      if (*full != *skipped) f.error = "skip_top_level_status differs from erasing status";
    }
  }
  if (!f.error.empty()) std::fprintf(stderr, "%s\n", f.error.c_str());
  return f;
}

void Report(benchmark::State& state, size_t bytes, size_t items) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items));
  state.counters["input_MB"] = static_cast<double>(bytes) / 1e6;
}

// Destroys `v` with the clock stopped.
template <typename T>
void FreeUntimed(benchmark::State& state, T& v) {
  state.PauseTiming();
  { T gone = std::move(v); }
  state.ResumeTiming();
}

// The JSON ceiling: simdjson's DOM parse of the same bytes, one parser
// reused (its buffers are allocated in the first iteration).
void BM_Simdjson_RawParse(benchmark::State& state) {
  const Fixture& f = GetFixture(static_cast<int>(state.range(0)));
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(f.padded).get(root) != simdjson::SUCCESS) {
      return state.SkipWithError("simdjson parse failed");
    }
    benchmark::DoNotOptimize(root);
  }
  Report(state, f.json.size(), f.items);
}

// The YAML ceiling: libyaml's event stream, no tree built.
void BM_Libyaml_RawParse(benchmark::State& state) {
  const Fixture& f = GetFixture(static_cast<int>(state.range(0)));
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  for (auto _ : state) {
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(f.yaml.data()),
                                 f.yaml.size());
    size_t events = 0;
    bool done = false;
    while (!done) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser, &event)) {
        yaml_parser_delete(&parser);
        return state.SkipWithError("libyaml parse failed");
      }
      done = event.type == YAML_STREAM_END_EVENT;
      yaml_event_delete(&event);
      ++events;
    }
    yaml_parser_delete(&parser);
    benchmark::DoNotOptimize(events);
  }
  Report(state, f.yaml.size(), f.items);
}

// model::ParseJson only: simdjson plus building the Value tree. ParseJson
// keeps its simdjson parser between calls (per thread), as
// BM_Simdjson_RawParse does.
void BM_Decode_JsonToValue(benchmark::State& state) {
  const Fixture& f = GetFixture(static_cast<int>(state.range(0)));
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  model::DecodeLimits limits;
  for (auto _ : state) {
    absl::StatusOr<model::Value> v = model::ParseJson(f.json, limits);
    if (!v.ok()) return state.SkipWithError(v.status().ToString().c_str());
    benchmark::DoNotOptimize(*v);
    FreeUntimed(state, v);
  }
  Report(state, f.json.size(), f.items);
}

// model::ParseJson leaving out each item's `status`, as a caller that
// validates (and so drops status) may ask it to.
void BM_Decode_JsonToValue_SkipStatus(benchmark::State& state) {
  const Fixture& f = GetFixture(static_cast<int>(state.range(0)));
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  model::DecodeLimits limits;
  model::JsonParseOptions options;
  options.skip_top_level_status = true;
  for (auto _ : state) {
    absl::StatusOr<model::Value> v = model::ParseJson(f.json, limits, options);
    if (!v.ok()) return state.SkipWithError(v.status().ToString().c_str());
    benchmark::DoNotOptimize(*v);
    FreeUntimed(state, v);
  }
  Report(state, f.json.size(), f.items);
}

// model::ParseYaml only: libyaml plus building the Value trees.
void BM_Decode_YamlToValue(benchmark::State& state) {
  const Fixture& f = GetFixture(static_cast<int>(state.range(0)));
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  model::DecodeLimits limits;
  for (auto _ : state) {
    auto docs = model::ParseYaml(f.yaml, limits);
    if (!docs.ok()) return state.SkipWithError(docs.status().ToString().c_str());
    benchmark::DoNotOptimize(*docs);
    FreeUntimed(state, docs);
  }
  Report(state, f.yaml.size(), f.items);
}

// Decode, split the List, then default and validate every item: an apply
// without the store.
void DecodeValidate(benchmark::State& state, const std::string& input,
                    model::InputFormat format) {
  const Fixture& f = GetFixture(static_cast<int>(state.range(0)));
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  const validate::SchemaSet& schemas = validate::SchemaSet::Builtin();
  model::DecodeLimits limits;
  for (auto _ : state) {
    auto items = model::DecodeObjects(input, limits, format);
    if (!items.ok()) return state.SkipWithError(items.status().ToString().c_str());
    size_t rejected = 0;
    for (model::DecodedItem& item : *items) {
      rejected += !schemas.DefaultAndValidate(item.value, nullptr).empty();
    }
    if (rejected != 0) return state.SkipWithError("objects rejected (generator bug)");
    benchmark::DoNotOptimize(*items);
    FreeUntimed(state, items);
  }
  Report(state, input.size(), f.items);
}

void BM_DecodeValidate_JsonList(benchmark::State& state) {
  DecodeValidate(state, GetFixture(static_cast<int>(state.range(0))).json,
                 model::InputFormat::kJson);
}

void BM_DecodeValidate_Yaml(benchmark::State& state) {
  DecodeValidate(state, GetFixture(static_cast<int>(state.range(0))).yaml,
                 model::InputFormat::kYaml);
}

// The whole of Engine::Apply into a fresh engine: decode, validate, store.
void BM_EngineApply_JsonList(benchmark::State& state) {
  const Fixture& f = GetFixture(static_cast<int>(state.range(0)));
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = engine::Engine::Create(engine::EngineOptions{});
    if (!engine.ok()) return state.SkipWithError(engine.status().ToString().c_str());
    state.ResumeTiming();
    auto results = (*engine)->Apply(f.json);
    if (!results.ok()) return state.SkipWithError(results.status().ToString().c_str());
    benchmark::DoNotOptimize(*results);
    state.PauseTiming();
    if ((*engine)->store().size() != f.items) {
      return state.SkipWithError("objects not stored (generator bug)");
    }
    results = std::vector<engine::ObjectResult>();
    engine = absl::StatusOr<std::unique_ptr<engine::Engine>>(nullptr);
    state.ResumeTiming();
  }
  Report(state, f.json.size(), f.items);
}

#define GWAPI_SIZES ->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)
BENCHMARK(BM_Simdjson_RawParse) GWAPI_SIZES;
BENCHMARK(BM_Decode_JsonToValue) GWAPI_SIZES;
BENCHMARK(BM_Decode_JsonToValue_SkipStatus) GWAPI_SIZES;
BENCHMARK(BM_DecodeValidate_JsonList) GWAPI_SIZES;
BENCHMARK(BM_EngineApply_JsonList) GWAPI_SIZES;
BENCHMARK(BM_Libyaml_RawParse) GWAPI_SIZES;
BENCHMARK(BM_Decode_YamlToValue) GWAPI_SIZES;
BENCHMARK(BM_DecodeValidate_Yaml) GWAPI_SIZES;
#undef GWAPI_SIZES

}  // namespace
}  // namespace gwapi::bench

// BENCHMARK_MAIN plus the workload's identity in the report's context.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("workload",
                              absl::StrCat("bench/workload.h v", gwapi::bench::kWorkloadVersion,
                                           " seed ", gwapi::bench::kSeed, ", HTTPRoutes only"));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
