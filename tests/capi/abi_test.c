/* Exercises the C ABI from C11, compiled against the public header alone with
 * -std=c11 -Wall -Wextra -pedantic -Werror and linked against libgwapi.so. */
#include <gwapi/gwapi.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                      \
    }                                                                  \
  } while (0)

static const char kSeed[] =
    "apiVersion: gateway.networking.k8s.io/v1\n"
    "kind: HTTPRoute\n"
    "metadata:\n"
    "  name: http\n"
    "  namespace: default\n"
    "spec:\n"
    "  hostnames: [httpbin.example.com]\n"
    "  rules:\n"
    "  - backendRefs:\n"
    "    - name: httpbin\n"
    "      port: 8000\n"
    "---\n"
    "apiVersion: gateway.networking.k8s.io/v1\n"
    "kind: HTTPRoute\n"
    "metadata:\n"
    "  name: bad\n"
    "spec:\n"
    "  hostnames: [Httpbin.example.com]\n"
    "---\n"
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: web\n";

static int str_eq(gwapi_str s, const char *want) {
  return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0 && s.ptr[s.len] == '\0';
}

static void test_version(void) {
  CHECK(strcmp(gwapi_version(), GWAPI_VERSION_STRING) == 0);
  CHECK(gwapi_abi_version() == GWAPI_ABI_VERSION);
  CHECK(strcmp(gwapi_status_name(GWAPI_OK), "OK") == 0);
  CHECK(strcmp(gwapi_status_name(GWAPI_INVALID_ARGUMENT), "INVALID_ARGUMENT") == 0);
  CHECK(strcmp(gwapi_status_name((gwapi_status)99), "UNKNOWN_STATUS") == 0);
}

static void test_free_null_is_noop(void) {
  gwapi_engine_free(NULL);
  gwapi_error_free(NULL);
  gwapi_object_list_free(NULL);
  gwapi_string_free(NULL);
  CHECK(gwapi_object_list_count(NULL) == 0);
}

static void test_apply_list_delete(void) {
  gwapi_engine *engine = NULL;
  gwapi_error *err = NULL;
  /* An options struct from an older, shorter header: only sz is read. */
  gwapi_engine_opts opts;
  memset(&opts, 0, sizeof(opts));
  opts.sz = sizeof(size_t);
  CHECK(gwapi_engine_new(&opts, &engine, &err) == GWAPI_OK);
  CHECK(engine != NULL);
  CHECK(err == NULL);

  gwapi_object_list *list = NULL;
  CHECK(gwapi_engine_apply(engine, kSeed, sizeof(kSeed) - 1, &list, &err) == GWAPI_OK);
  CHECK(gwapi_object_list_count(list) == 3);

  gwapi_object_info info;
  memset(&info, 0, sizeof(info));
  info.sz = sizeof(info);
  CHECK(gwapi_object_list_get(list, 0, &info) == GWAPI_OK);
  CHECK(info.outcome == GWAPI_OUTCOME_ACCEPTED);
  CHECK(str_eq(info.kind, "HTTPRoute"));
  CHECK(str_eq(info.ns, "default"));
  CHECK(str_eq(info.name, "http"));
  CHECK(info.generation == 1);
  CHECK(info.error_count == 0);

  CHECK(gwapi_object_list_get(list, 1, &info) == GWAPI_OK);
  CHECK(info.outcome == GWAPI_OUTCOME_REJECTED);
  CHECK(info.error_count >= 1);
  gwapi_field_error fe;
  memset(&fe, 0, sizeof(fe));
  fe.sz = sizeof(fe);
  CHECK(gwapi_object_list_error(list, 1, 0, &fe) == GWAPI_OK);
  CHECK(str_eq(fe.field, "spec.hostnames[0]"));
  CHECK(fe.text.len > fe.field.len);
  CHECK(gwapi_object_list_error(list, 1, info.error_count, &fe) == GWAPI_INVALID_ARGUMENT);

  CHECK(gwapi_object_list_get(list, 2, &info) == GWAPI_OK);
  CHECK(info.outcome == GWAPI_OUTCOME_IGNORED);
  CHECK(info.note.len > 0);
  CHECK(gwapi_object_list_get(list, 3, &info) == GWAPI_INVALID_ARGUMENT);

  gwapi_str json = gwapi_object_list_json(list);
  CHECK(json.len > 0 && json.ptr[0] == '[');
  gwapi_object_list_free(list);

  /* Applying the same object again changes nothing. */
  CHECK(gwapi_engine_apply(engine, kSeed, sizeof(kSeed) - 1, &list, NULL) == GWAPI_OK);
  CHECK(gwapi_object_list_get(list, 0, &info) == GWAPI_OK);
  CHECK(info.outcome == GWAPI_OUTCOME_UNCHANGED);
  gwapi_object_list_free(list);

  gwapi_object_key key;
  memset(&key, 0, sizeof(key));
  key.sz = sizeof(key);
  key.group = "gateway.networking.k8s.io";
  key.group_len = strlen(key.group);
  key.kind = "HTTPRoute";
  key.kind_len = strlen(key.kind);
  key.ns = "default";
  key.ns_len = strlen(key.ns);
  key.name = "http";
  key.name_len = strlen(key.name);

  char *body = NULL;
  size_t body_len = 0;
  CHECK(gwapi_engine_get_json(engine, &key, &body, &body_len, &err) == GWAPI_OK);
  /* CRD defaults were applied: backendRef weight 1, path match PathPrefix /. */
  CHECK(body != NULL && strstr(body, "\"weight\":1") != NULL);
  CHECK(body != NULL && strstr(body, "\"PathPrefix\"") != NULL);
  CHECK(body != NULL && strlen(body) == body_len);
  gwapi_string_free(body);

  CHECK(gwapi_engine_list(engine, GWAPI_LIST_STORED, &list, NULL) == GWAPI_OK);
  CHECK(gwapi_object_list_count(list) == 1);
  gwapi_object_list_free(list);
  CHECK(gwapi_engine_list(engine, GWAPI_LIST_REJECTED, &list, NULL) == GWAPI_OK);
  CHECK(gwapi_object_list_count(list) == 1);
  gwapi_object_list_free(list);

  CHECK(gwapi_engine_delete(engine, &key, &err) == GWAPI_OK);
  CHECK(gwapi_engine_delete(engine, &key, &err) == GWAPI_NOT_FOUND);
  CHECK(err != NULL && err->code == GWAPI_NOT_FOUND && strstr(err->message, "http") != NULL);
  gwapi_error_free(err);
  err = NULL;

  gwapi_engine_free(engine);
}

static void test_malformed_input_is_an_error_and_changes_nothing(void) {
  gwapi_engine *engine = NULL;
  gwapi_error *err = NULL;
  CHECK(gwapi_engine_new(NULL, &engine, NULL) == GWAPI_OK);
  static const char kBad[] = "kind: [unclosed\n";
  gwapi_object_list *list = NULL;
  CHECK(gwapi_engine_apply(engine, kBad, sizeof(kBad) - 1, &list, &err) ==
        GWAPI_INVALID_ARGUMENT);
  CHECK(list == NULL);
  CHECK(err != NULL && err->code == GWAPI_INVALID_ARGUMENT);
  CHECK(err != NULL && strlen(err->message) > 0 && strstr(err->location, "line") != NULL);
  gwapi_error_free(err);

  CHECK(gwapi_engine_list(engine, GWAPI_LIST_ALL, &list, NULL) == GWAPI_OK);
  CHECK(gwapi_object_list_count(list) == 0);
  gwapi_object_list_free(list);
  gwapi_engine_free(engine);
}

static void test_misuse_is_invalid_argument(void) {
  gwapi_error *err = NULL;
  CHECK(gwapi_engine_new(NULL, NULL, &err) == GWAPI_INVALID_ARGUMENT);
  gwapi_error_free(err);
  CHECK(gwapi_engine_apply(NULL, "", 0, NULL, NULL) == GWAPI_INVALID_ARGUMENT);
}

static const char kStatusScenario[] =
    "apiVersion: gateway.networking.k8s.io/v1\n"
    "kind: GatewayClass\n"
    "metadata: {name: c}\n"
    "spec: {controllerName: example.com/ctl}\n"
    "---\n"
    "apiVersion: cilium.io/v2alpha1\n"
    "kind: CiliumLoadBalancerIPPool\n"
    "metadata: {name: pool}\n"
    "spec: {blocks: [{cidr: 10.9.0.0/30}]}\n"
    "---\n"
    "apiVersion: gateway.networking.k8s.io/v1\n"
    "kind: Gateway\n"
    "metadata: {name: gw, namespace: ns}\n"
    "spec:\n"
    "  gatewayClassName: c\n"
    "  listeners: [{name: http, protocol: HTTP, port: 80}]\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Service\n"
    "metadata: {name: s, namespace: ns}\n"
    "spec: {ports: [{port: 80}]}\n";

static void test_status(void) {
  gwapi_engine_opts opts;
  memset(&opts, 0, sizeof(opts));
  opts.sz = sizeof(opts);
  opts.controller_name = "example.com/ctl";
  opts.fixed_time_unix = 1767225600; /* 2026-01-01T00:00:00Z */
  gwapi_engine *engine = NULL;
  CHECK(gwapi_engine_new(&opts, &engine, NULL) == GWAPI_OK);
  CHECK(gwapi_engine_apply(engine, kStatusScenario, sizeof(kStatusScenario) - 1, NULL, NULL) ==
        GWAPI_OK);

  char *all = NULL;
  size_t all_len = 0;
  CHECK(gwapi_engine_status_json(engine, &all, &all_len, NULL) == GWAPI_OK);
  CHECK(all != NULL && all_len == strlen(all) && all[0] == '[');
  CHECK(all != NULL && strstr(all, "\"kind\":\"GatewayClass\"") != NULL);
  CHECK(all != NULL && strstr(all, "2026-01-01T00:00:00Z") != NULL);
  /* Service status is not ours to write. */
  CHECK(all != NULL && strstr(all, "\"kind\":\"Service\"") == NULL);
  gwapi_string_free(all);

  gwapi_object_key key;
  memset(&key, 0, sizeof(key));
  key.sz = sizeof(key);
  key.group = "gateway.networking.k8s.io";
  key.group_len = strlen(key.group);
  key.kind = "Gateway";
  key.kind_len = 7;
  key.ns = "ns";
  key.ns_len = 2;
  key.name = "gw";
  key.name_len = 2;
  char *one = NULL;
  size_t one_len = 0;
  CHECK(gwapi_engine_object_status_json(engine, &key, &one, &one_len, NULL) == GWAPI_OK);
  CHECK(one != NULL && strncmp(one, "{\"addresses\":[{\"type\":\"IPAddress\",\"value\":\"10.9.0.0\"}]",
                               54) == 0);
  gwapi_string_free(one);

  /* Stored but no status written: NOT_FOUND, as for an absent object. */
  gwapi_error *err = NULL;
  key.group = "";
  key.group_len = 0;
  key.kind = "Service";
  key.kind_len = 7;
  key.name = "s";
  key.name_len = 1;
  CHECK(gwapi_engine_object_status_json(engine, &key, &one, NULL, &err) == GWAPI_NOT_FOUND);
  CHECK(one == NULL && err != NULL && err->code == GWAPI_NOT_FOUND);
  gwapi_error_free(err);
  key.name = "absent";
  key.name_len = 6;
  CHECK(gwapi_engine_object_status_json(engine, &key, &one, NULL, NULL) == GWAPI_NOT_FOUND);
  CHECK(gwapi_engine_status_json(NULL, &all, NULL, NULL) == GWAPI_INVALID_ARGUMENT);
  gwapi_engine_free(engine);

  char *features = NULL;
  size_t features_len = 0;
  CHECK(gwapi_supported_features_json(&features, &features_len, NULL) == GWAPI_OK);
  CHECK(features != NULL && features[0] == '[' && features[features_len - 1] == ']');
  CHECK(features != NULL && strstr(features, "\"Gateway\"") != NULL);
  gwapi_string_free(features);
  CHECK(gwapi_supported_features_json(NULL, NULL, NULL) == GWAPI_INVALID_ARGUMENT);
}


static const char kRoute[] =
    "apiVersion: gateway.networking.k8s.io/v1\n"
    "kind: HTTPRoute\n"
    "metadata: {name: r, namespace: ns}\n"
    "spec:\n"
    "  parentRefs: [{name: gw}]\n"
    "  hostnames: [app.example.com]\n"
    "  rules:\n"
    "  - matches: [{path: {type: PathPrefix, value: /api}}]\n"
    "    backendRefs: [{name: s, port: 80}]\n";

static gwapi_request make_request(int32_t gateway, const char *host, const char *path,
                                  const gwapi_header *headers, size_t header_count) {
  gwapi_request r;
  memset(&r, 0, sizeof(r));
  r.sz = sizeof(r);
  r.gateway = gateway;
  r.port = 80;
  r.protocol = GWAPI_PROTOCOL_HTTP;
  r.host = host;
  r.host_len = strlen(host);
  r.method = "GET";
  r.method_len = 3;
  r.path = path;
  r.path_len = strlen(path);
  r.headers = headers;
  r.header_count = header_count;
  return r;
}

static void test_snapshot(void) {
  gwapi_engine_opts opts;
  memset(&opts, 0, sizeof(opts));
  opts.sz = sizeof(opts);
  opts.controller_name = "example.com/ctl";
  gwapi_engine *engine = NULL;
  CHECK(gwapi_engine_new(&opts, &engine, NULL) == GWAPI_OK);
  CHECK(gwapi_engine_apply(engine, kStatusScenario, sizeof(kStatusScenario) - 1, NULL, NULL) ==
        GWAPI_OK);
  CHECK(gwapi_engine_apply(engine, kRoute, sizeof(kRoute) - 1, NULL, NULL) == GWAPI_OK);
  gwapi_snapshot *snap = NULL;
  CHECK(gwapi_engine_snapshot(engine, &snap, NULL) == GWAPI_OK && snap != NULL);
  /* The snapshot outlives the engine. */
  gwapi_engine_free(engine);

  int32_t gw = gwapi_snapshot_find_gateway(snap, "ns", 2, "gw", 2);
  CHECK(gw >= 0);
  CHECK(gwapi_snapshot_find_gateway(snap, "ns", 2, "other", 5) == -1);

  gwapi_header headers[1] = {{"X-Trace", 7, "1", 1}};
  gwapi_request req = make_request(gw, "App.Example.com:80", "/api/v1?x=1", headers, 1);
  gwapi_match_result res;
  memset(&res, 0, sizeof(res));
  res.sz = sizeof(res);
  CHECK(gwapi_snapshot_match(snap, &req, &res) == GWAPI_OK);
  CHECK(res.status == 0 && res.route >= 0 && res.rule == 0 && res.backend == 0);

  gwapi_route_info route;
  memset(&route, 0, sizeof(route));
  route.sz = sizeof(route);
  CHECK(gwapi_snapshot_route(snap, res.route, &route) == GWAPI_OK);
  CHECK(str_eq(route.kind, "HTTPRoute") && str_eq(route.ns, "ns") && str_eq(route.name, "r"));
  CHECK(route.rule_count == 1);
  gwapi_backend_info backend;
  memset(&backend, 0, sizeof(backend));
  backend.sz = sizeof(backend);
  CHECK(gwapi_snapshot_backend(snap, res.route, res.rule, res.backend, &backend) == GWAPI_OK);
  CHECK(str_eq(backend.name, "s") && backend.port == 80 && backend.weight == 1 && backend.valid);
  CHECK(gwapi_snapshot_backend(snap, res.route, 5, 0, &backend) == GWAPI_OUT_OF_RANGE);

  /* A struct from an older caller (sz covering status only) gets just that. */
  gwapi_match_result small;
  memset(&small, 0xAB, sizeof(small));
  small.sz = offsetof(gwapi_match_result, listener);
  CHECK(gwapi_snapshot_match(snap, &req, &small) == GWAPI_OK);
  CHECK(small.status == 0 && small.route == (int32_t)0xABABABAB);

  gwapi_request miss = make_request(gw, "app.example.com", "/apix", NULL, 0);
  CHECK(gwapi_snapshot_match(snap, &miss, &res) == GWAPI_OK && res.status == 404 && res.route == -1);

  char *json = NULL;
  size_t json_len = 0;
  CHECK(gwapi_snapshot_decide_json(snap, &req, &json, &json_len, NULL) == GWAPI_OK);
  CHECK(json != NULL && strstr(json, "\"name\":\"r\"") != NULL);
  CHECK(json != NULL && strstr(json, "[\"X-Trace\",\"1\"]") != NULL);
  gwapi_string_free(json);

  /* Serialized, loaded elsewhere, decides the same. */
  char *bytes = NULL;
  size_t bytes_len = 0;
  CHECK(gwapi_snapshot_serialize(snap, &bytes, &bytes_len, NULL) == GWAPI_OK && bytes_len > 0);
  gwapi_snapshot *loaded = NULL;
  CHECK(gwapi_snapshot_load(bytes, bytes_len, &loaded, NULL) == GWAPI_OK);
  gwapi_string_free(bytes);
  gwapi_match_result again;
  memset(&again, 0, sizeof(again));
  again.sz = sizeof(again);
  CHECK(gwapi_snapshot_match(loaded, &req, &again) == GWAPI_OK);
  CHECK(again.status == 0 && again.route == 0 && again.backend == 0);
  gwapi_error *err = NULL;
  gwapi_snapshot *bad = NULL;
  CHECK(gwapi_snapshot_load("\xff\xff\xff", 3, &bad, &err) == GWAPI_INVALID_ARGUMENT);
  CHECK(bad == NULL && err != NULL);
  gwapi_error_free(err);

  /* References: the last free releases. */
  CHECK(gwapi_snapshot_ref(loaded) == loaded);
  gwapi_snapshot_free(loaded);
  CHECK(gwapi_snapshot_match(loaded, &req, &again) == GWAPI_OK);
  gwapi_snapshot_free(loaded);
  gwapi_snapshot_free(snap);
  gwapi_snapshot_free(NULL);

  req.protocol = 99;
  CHECK(gwapi_snapshot_match(NULL, &req, &res) == GWAPI_INVALID_ARGUMENT);
  /* An absurd header count is refused, never an allocation that overflows. */
  gwapi_snapshot *again_snap = NULL;
  CHECK(gwapi_snapshot_load("", 0, &again_snap, NULL) == GWAPI_OK);
  gwapi_request huge = make_request(0, "a", "/", headers, 1);
  huge.header_count = (size_t)-1 / 8;
  CHECK(gwapi_snapshot_match(again_snap, &huge, &res) == GWAPI_INVALID_ARGUMENT);
  gwapi_snapshot_free(again_snap);
}

int main(void) {
  test_version();
  test_free_null_is_noop();
  test_apply_list_delete();
  test_malformed_input_is_an_error_and_changes_nothing();
  test_misuse_is_invalid_argument();
  test_status();
  test_snapshot();
  if (failures == 0) printf("abi_test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
