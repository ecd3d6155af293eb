/*
 * gwapi — the Kubernetes Gateway API as an embeddable library.
 *
 * This header is the whole public interface and its specification. It
 * compiles as C11 and as C++17.
 *
 * Conventions
 *  - Every fallible call returns a gwapi_status (the numbers of
 *    absl::StatusCode) and takes an optional `gwapi_error **err`. On failure,
 *    when err is not NULL, *err receives an error the caller frees with
 *    gwapi_error_free(). There is no thread-local error state.
 *  - `**out` parameters hand ownership to the caller; getters lend memory
 *    that stays valid as long as the object it was read from.
 *  - Strings passed in are (pointer, length) pairs and are copied before the
 *    call returns. Strings handed out are gwapi_str views, NUL-terminated as
 *    well for convenience.
 *  - Options structs start with `size_t sz` (set it to sizeof the struct you
 *    compiled against); the library reads only the first sz bytes, so the
 *    structs grow by appending fields. A NULL options pointer means defaults.
 *  - Every *_free(NULL) is a no-op.
 *  - Validation findings are data, not errors: applying an object the API
 *    server would reject returns GWAPI_OK with the object marked rejected and
 *    its field errors listed. Only undecodable input or misuse is an error.
 *
 * Thread-safety: a gwapi_engine is single-writer; calls on one engine must
 * not overlap. Distinct engines are independent. Result objects are
 * immutable and may be read from any thread.
 */
#ifndef GWAPI_GWAPI_H_
#define GWAPI_GWAPI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the exported functions; everything else in the library is hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define GWAPI_API __attribute__((visibility("default")))
#else
#define GWAPI_API
#endif

#define GWAPI_VERSION_MAJOR 0
#define GWAPI_VERSION_MINOR 2
#define GWAPI_VERSION_PATCH 0
#define GWAPI_VERSION_STRING "0.2.0"
/* The ABI generation: bumped when a symbol's meaning changes (never silently). */
#define GWAPI_ABI_VERSION 1

/* "0.1.0": the version of the loaded library (may differ from the header's). */
GWAPI_API const char *gwapi_version(void);
/* GWAPI_ABI_VERSION of the loaded library. */
GWAPI_API uint32_t gwapi_abi_version(void);

/* Status codes: the numbers of absl::StatusCode (and of gRPC). */
typedef enum gwapi_status {
  GWAPI_OK = 0,
  GWAPI_CANCELLED = 1,
  GWAPI_UNKNOWN = 2,
  GWAPI_INVALID_ARGUMENT = 3,
  GWAPI_DEADLINE_EXCEEDED = 4,
  GWAPI_NOT_FOUND = 5,
  GWAPI_ALREADY_EXISTS = 6,
  GWAPI_PERMISSION_DENIED = 7,
  GWAPI_RESOURCE_EXHAUSTED = 8,
  GWAPI_FAILED_PRECONDITION = 9,
  GWAPI_ABORTED = 10,
  GWAPI_OUT_OF_RANGE = 11,
  GWAPI_UNIMPLEMENTED = 12,
  GWAPI_INTERNAL = 13,
  GWAPI_UNAVAILABLE = 14,
  GWAPI_DATA_LOSS = 15,
  GWAPI_UNAUTHENTICATED = 16
} gwapi_status;

/* "OK", "INVALID_ARGUMENT", ...; a static string ("UNKNOWN_STATUS" for
 * numbers outside the enum). */
GWAPI_API const char *gwapi_status_name(gwapi_status status);

/* A string the library lends: ptr is NUL-terminated, len excludes the NUL. */
typedef struct gwapi_str {
  const char *ptr;
  size_t len;
} gwapi_str;

/* An error, owned by the caller. */
typedef struct gwapi_error {
  gwapi_status code;
  /* What went wrong, one line. */
  const char *message;
  /* Where, when known: "document 2, line 7, column 3", a field path, or "". */
  const char *location;
  /* The system errno behind the error, or 0. */
  int sys_errno;
} gwapi_error;

GWAPI_API void gwapi_error_free(gwapi_error *err);

/* ------------------------------------------------------------------------ */
/* Engine                                                                   */

typedef struct gwapi_engine gwapi_engine;

/* Engine options; zero means the documented default. */
typedef struct gwapi_engine_opts {
  size_t sz;
  /* GatewayClass controllerName the engine acts for; NUL-terminated, may be
   * NULL. Default "gwapi.dev/gateway-controller". */
  const char *controller_name;
  /* Decode limits (see DecodeLimits in the docs). */
  uint64_t max_input_bytes;  /* default 256 MiB */
  uint64_t max_string_bytes; /* default 1 MiB */
  uint32_t max_depth;        /* default 64 */
  uint64_t max_objects;      /* default 1,000,000 per apply */
  uint64_t max_alias_nodes;  /* default 100,000 (YAML alias expansion) */
  /* The time status conditions are stamped with (lastTransitionTime), in
   * seconds since the Unix epoch; 0 means the real clock. Tests set it to
   * get byte-identical output. */
  int64_t fixed_time_unix;
} gwapi_engine_opts;

GWAPI_API gwapi_status gwapi_engine_new(const gwapi_engine_opts *opts, gwapi_engine **out,
                              gwapi_error **err);
GWAPI_API void gwapi_engine_free(gwapi_engine *engine);

/* What happened to one object offered to the engine. */
typedef enum gwapi_outcome {
  /* Stored (created or updated). */
  GWAPI_OUTCOME_ACCEPTED = 0,
  /* Failed validation; the store keeps the previous version, if any. */
  GWAPI_OUTCOME_REJECTED = 1,
  /* A kind gwapi does not model; see the note. */
  GWAPI_OUTCOME_IGNORED = 2,
  /* Identical to the stored object; nothing changed. */
  GWAPI_OUTCOME_UNCHANGED = 3
} gwapi_outcome;

/* One object in a result list. Every gwapi_str is lent by the list. */
typedef struct gwapi_object_info {
  size_t sz;
  gwapi_str api_version;
  gwapi_str kind;
  gwapi_str ns; /* "" for cluster-scoped kinds */
  gwapi_str name;
  gwapi_outcome outcome;
  int64_t generation;
  /* Where the object was in the input ("document 2 (line 14)"), "" for
   * listings. */
  gwapi_str source;
  /* Why the object was ignored, or "". */
  gwapi_str note;
  size_t error_count;
} gwapi_object_info;

/* One validation finding, as the API server reports it. */
typedef struct gwapi_field_error {
  size_t sz;
  gwapi_str field;      /* "spec.rules[0].matches[0].path.value" */
  gwapi_str type;       /* "Invalid value", "Required value", ... */
  gwapi_str value;      /* the offending value as JSON, or "" */
  gwapi_str detail;     /* the rule's message */
  gwapi_str constraint; /* which schema constraint fired */
  gwapi_str text;       /* the whole line: field: type: value: detail */
} gwapi_field_error;

/* A list of objects with their outcomes and field errors. Immutable. */
typedef struct gwapi_object_list gwapi_object_list;

GWAPI_API size_t gwapi_object_list_count(const gwapi_object_list *list);
/* Fills *info (info->sz must be set) for entry i. */
GWAPI_API gwapi_status gwapi_object_list_get(const gwapi_object_list *list, size_t i,
                                   gwapi_object_info *info);
/* Fills *fe (fe->sz must be set) for field error j of entry i. */
GWAPI_API gwapi_status gwapi_object_list_error(const gwapi_object_list *list, size_t i, size_t j,
                                     gwapi_field_error *fe);
/* The whole list as JSON: [{"apiVersion", "kind", "namespace", "name",
 * "outcome", "generation", "source", "note", "errors": [{"field", "type",
 * "value", "detail", "constraint", "text"}]}]. */
GWAPI_API gwapi_str gwapi_object_list_json(const gwapi_object_list *list);
GWAPI_API void gwapi_object_list_free(gwapi_object_list *list);

/* Decodes `data` (multi-document YAML, a JSON object or array, or a List;
 * any number of objects), validates every object as the API server would
 * (CRD schema and CEL rules, defaults applied) and stores the valid ones.
 * Each object is accepted or rejected on its own. Input that cannot be
 * decoded at all (malformed YAML/JSON, a limit exceeded) fails the whole call
 * with GWAPI_INVALID_ARGUMENT and changes nothing. On success *out (may be
 * NULL if not wanted) lists every object of the input with its outcome. */
GWAPI_API gwapi_status gwapi_engine_apply(gwapi_engine *engine, const char *data, size_t len,
                                gwapi_object_list **out, gwapi_error **err);

/* Identifies a stored object. group "" is the core group. */
typedef struct gwapi_object_key {
  size_t sz;
  const char *group;
  size_t group_len;
  const char *kind;
  size_t kind_len;
  const char *ns; /* "" or NULL for cluster-scoped kinds */
  size_t ns_len;
  const char *name;
  size_t name_len;
} gwapi_object_key;

/* Removes a stored object (and any rejection recorded for it).
 * GWAPI_NOT_FOUND when there is neither. */
GWAPI_API gwapi_status gwapi_engine_delete(gwapi_engine *engine, const gwapi_object_key *key,
                                 gwapi_error **err);

/* What to list. */
typedef enum gwapi_list_filter {
  GWAPI_LIST_STORED = 0,   /* accepted objects, as stored */
  GWAPI_LIST_REJECTED = 1, /* the latest rejected version of each object */
  GWAPI_LIST_ALL = 2
} gwapi_list_filter;

/* Lists objects sorted by group, kind, namespace, name. */
GWAPI_API gwapi_status gwapi_engine_list(const gwapi_engine *engine, gwapi_list_filter filter,
                               gwapi_object_list **out, gwapi_error **err);

/* The stored object (defaults applied) as JSON, in a buffer the caller
 * frees with gwapi_string_free(). GWAPI_NOT_FOUND if absent. */
GWAPI_API gwapi_status gwapi_engine_get_json(const gwapi_engine *engine, const gwapi_object_key *key,
                                   char **out, size_t *out_len, gwapi_error **err);

GWAPI_API void gwapi_string_free(char *s);

/* ------------------------------------------------------------------------ */
/* Status                                                                   */

/* The status the engine computes for every object it is responsible for
 * (GatewayClasses with its controller_name, their Gateways and ListenerSets,
 * the routes attached to them, BackendTLSPolicies), as one JSON array
 *   [{"apiVersion", "kind", "namespace", "name", "status": {...}}, ...]
 * sorted by group, kind, namespace, name. Each "status" stanza is what a
 * conformant controller writes, ready for a status-subresource PATCH. The
 * same stored objects always give byte-identical output, whatever the order
 * they arrived in. The caller frees *out with gwapi_string_free(). */
GWAPI_API gwapi_status gwapi_engine_status_json(gwapi_engine *engine, char **out, size_t *out_len,
                                      gwapi_error **err);

/* One object's status stanza ({"conditions": ...} etc.) as JSON.
 * GWAPI_NOT_FOUND when the object is not stored or the engine writes no
 * status for it (e.g. a route with no parent handled by this controller). */
GWAPI_API gwapi_status gwapi_engine_object_status_json(gwapi_engine *engine, const gwapi_object_key *key,
                                             char **out, size_t *out_len, gwapi_error **err);

/* The Gateway API features the engine claims (upstream feature names such as
 * "Gateway", "HTTPRoute", "GatewayPort8080"), as a JSON array of strings,
 * sorted. The caller frees *out with gwapi_string_free(). */
GWAPI_API gwapi_status gwapi_supported_features_json(char **out, size_t *out_len, gwapi_error **err);

/* ------------------------------------------------------------------------ */
/* Routing snapshots                                                        */

/* An immutable, compiled routing configuration: for every programmed
 * Gateway listener, the routes attached and accepted there. Reference
 * counted; it owns copies of everything it needs, so it outlives the engine
 * that made it. Thread-safety: any number of threads may match against one
 * snapshot at once; gwapi_snapshot_ref/free may be called from any thread. */
typedef struct gwapi_snapshot gwapi_snapshot;

/* Compiles the engine's current state (status is brought up to date first).
 * The caller owns one reference in *out. */
GWAPI_API gwapi_status gwapi_engine_snapshot(gwapi_engine *engine, gwapi_snapshot **out,
                                             gwapi_error **err);
/* Takes another reference; returns `snapshot`. */
GWAPI_API gwapi_snapshot *gwapi_snapshot_ref(gwapi_snapshot *snapshot);
/* Drops one reference; the last one frees the snapshot. */
GWAPI_API void gwapi_snapshot_free(gwapi_snapshot *snapshot);

/* The snapshot as a serialized gwapi.v1.Snapshot protobuf message
 * (lib/proto/gwapi/v1/snapshot.proto): the bytes the snapshot keeps, or was
 * loaded from. The caller frees *out with gwapi_string_free(); the bytes are
 * not NUL-terminated text. */
GWAPI_API gwapi_status gwapi_snapshot_serialize(const gwapi_snapshot *snapshot, char **out,
                                                size_t *out_len, gwapi_error **err);
/* A snapshot from serialized gwapi.v1.Snapshot bytes, in any process.
 * GWAPI_INVALID_ARGUMENT when the bytes do not parse or do not compile. */
GWAPI_API gwapi_status gwapi_snapshot_load(const char *data, size_t len, gwapi_snapshot **out,
                                           gwapi_error **err);

/* The index of Gateway namespace/name for gwapi_request.gateway, or -1. */
GWAPI_API int32_t gwapi_snapshot_find_gateway(const gwapi_snapshot *snapshot, const char *ns,
                                              size_t ns_len, const char *name, size_t name_len);

typedef enum gwapi_protocol {
  GWAPI_PROTOCOL_HTTP = 0,  /* HTTP/1.1 or h2c, cleartext */
  GWAPI_PROTOCOL_HTTPS = 1, /* HTTP over TLS terminated at the Gateway */
  GWAPI_PROTOCOL_GRPC = 2,  /* gRPC over cleartext HTTP/2 */
  GWAPI_PROTOCOL_GRPCS = 3, /* gRPC over TLS terminated at the Gateway */
  GWAPI_PROTOCOL_TLS = 4,   /* a TLS connection routed by SNI */
  GWAPI_PROTOCOL_TCP = 5,
  GWAPI_PROTOCOL_UDP = 6
} gwapi_protocol;

typedef struct gwapi_header {
  const char *name; /* any case */
  size_t name_len;
  const char *value;
  size_t value_len;
} gwapi_header;

/* One request arriving at a Gateway. Strings are borrowed for the call. */
typedef struct gwapi_request {
  size_t sz;
  int32_t gateway; /* from gwapi_snapshot_find_gateway() */
  uint32_t port;
  uint32_t protocol; /* gwapi_protocol */
  const char *host;  /* Host / :authority, any case, optional ":port" */
  size_t host_len;
  const char *method;
  size_t method_len;
  const char *path; /* path with optional "?query", as sent */
  size_t path_len;
  const char *sni; /* TLS server name; empty without TLS */
  size_t sni_len;
  const gwapi_header *headers;
  size_t header_count;
  /* Picks among weighted backends: the same hash gives the same backend. */
  uint64_t hash;
} gwapi_request;

/* The decision for one request: indexes into the snapshot, read with
 * gwapi_snapshot_route() and gwapi_snapshot_backend(). */
typedef struct gwapi_match_result {
  size_t sz;
  /* 0 when forwarded to `backend`; otherwise the status the Gateway answers
   * itself: 404 no route (gRPC: Unimplemented), 500 invalid backend, 3xx
   * redirect, 421 misdirected, 200/204 CORS preflight. */
  uint32_t status;
  /* Index of the listener in the snapshot's Gateway (its programmed
   * listeners, the Gateway's own then its ListenerSets': the order of
   * gwapi.v1.Gateway.listeners), -1 when none. */
  int32_t listener;
  int32_t route;    /* -1 when no route matched */
  int32_t rule;
  int32_t backend; /* index in the rule's backends, -1 when none */
} gwapi_match_result;

/* Decides `request`. Takes no lock and allocates nothing up to 64 headers
 * (beyond that, one array of header views); GWAPI_INVALID_ARGUMENT above
 * 1,048,576 headers or for an unknown protocol. The hot path. */
GWAPI_API gwapi_status gwapi_snapshot_match(const gwapi_snapshot *snapshot,
                                            const gwapi_request *request,
                                            gwapi_match_result *result);

/* A route of the snapshot; strings are lent by the snapshot. */
typedef struct gwapi_route_info {
  size_t sz;
  gwapi_str kind; /* "HTTPRoute", "GRPCRoute", ... */
  gwapi_str ns;
  gwapi_str name;
  size_t rule_count;
} gwapi_route_info;

GWAPI_API gwapi_status gwapi_snapshot_route(const gwapi_snapshot *snapshot, int32_t route,
                                            gwapi_route_info *out);

/* A backendRef of a rule; strings are lent by the snapshot. */
typedef struct gwapi_backend_info {
  size_t sz;
  gwapi_str ns;
  gwapi_str name;
  uint32_t port;
  uint32_t weight;
  int32_t valid; /* 0 when the reference does not resolve (answers 500) */
} gwapi_backend_info;

GWAPI_API gwapi_status gwapi_snapshot_backend(const gwapi_snapshot *snapshot, int32_t route,
                                              int32_t rule, int32_t backend,
                                              gwapi_backend_info *out);

/* The whole decision as JSON, filters applied: route, rule, backend, the
 * rewritten request the backend receives, response header edits, redirect
 * Location, mirrors, CORS answer, timeouts and retry policy (the format is
 * documented in docs/MATCHING.md). Allocates; for tools and tests: the
 * first call parses the snapshot's message and keeps it with the snapshot
 * (about six times its serialized size), which matching and the readers
 * above never need. Request
 * strings are echoed byte for byte: bytes that are not UTF-8 come back
 * unchanged, so the JSON is UTF-8 only when the request was. The caller
 * frees *out with gwapi_string_free(). */
GWAPI_API gwapi_status gwapi_snapshot_decide_json(const gwapi_snapshot *snapshot,
                                                  const gwapi_request *request, char **out,
                                                  size_t *out_len, gwapi_error **err);

/* ------------------------------------------------------------------------ */
/* eBPF load-balancer maps                                                  */

/* A writer of the Cilium-compatible LB maps (cilium_lb4_services_v2,
 * cilium_lb4_backends_v3, cilium_lb4_reverse_nat and the IPv6 ones), synced
 * from snapshots: Gateway addresses as L7 frontends to the node's proxy,
 * TCP/UDP listeners as L4 frontends, Services as ClusterIP frontends.
 * Thread-safety: calls on one gwapi_lb must not overlap. */
typedef struct gwapi_lb gwapi_lb;

typedef struct gwapi_lb_opts {
  size_t sz;
  /* Directory on a bpf filesystem with the map pins; NUL-terminated, may be
   * NULL for /sys/fs/bpf/tc/globals. Missing maps are created and pinned
   * (unless open_existing); pinned maps whose type or sizes differ are
   * refused. */
  const char *pin_path;
  /* Non-zero: an in-memory map set instead of the kernel (no root). */
  uint32_t in_memory;
  /* The node's L7 proxy port for Gateway frontends; 0 means 12141. */
  uint32_t l7_proxy_port;
  /* max_entries of each map; 0 means 65,536. */
  uint32_t max_entries;
  /* Non-zero: TCP and UDP frontends on one address and port are separate
   * entries (Cilium 1.17 --bpf-lb-proto-diff); 0 writes protocol 0 as
   * Cilium 1.16 does. */
  uint32_t protocol_differentiation;
  /* Non-zero: only open maps already pinned (GWAPI_NOT_FOUND otherwise),
   * for readers such as a listing; 0 creates and pins missing maps. */
  uint32_t open_existing;
} gwapi_lb_opts;

/* Opens the maps and restores backend IDs and rev-NAT indexes from what they
 * hold; writes nothing. */
GWAPI_API gwapi_status gwapi_lb_open(const gwapi_lb_opts *opts, gwapi_lb **out, gwapi_error **err);
GWAPI_API void gwapi_lb_free(gwapi_lb *lb);

/* Makes the maps hold the LB view of `snapshot`, writing only what changed,
 * make-before-break. On failure (a full map: RESOURCE_EXHAUSTED naming the
 * map; a failed syscall: its errno) every frontend is in its old or its new
 * state. When report is not NULL, *report receives
 *   {"frontendsChanged", "frontendsRemoved", "entriesWritten",
 *    "entriesDeleted", "notes": [...]}
 * which the caller frees with gwapi_string_free(). */
GWAPI_API gwapi_status gwapi_lb_sync(gwapi_lb *lb, const gwapi_snapshot *snapshot, char **report,
                                     size_t *report_len, gwapi_error **err);

/* Every services-map entry, sorted, as a JSON array of
 *   {"service": "172.17.0.64:80/ANY (0)", "backend": "0.0.0.0:0 (1) (0)
 *    [LoadBalancer, l7-load-balancer] (L7LB Proxy Port: 12141)",
 *    "slot": 0, "revNat": 1, ...}
 * rows (the columns of `cilium-dbg bpf lb list`). The caller frees *out
 * with gwapi_string_free(). */
GWAPI_API gwapi_status gwapi_lb_list_json(gwapi_lb *lb, char **out, size_t *out_len,
                                          gwapi_error **err);

#ifdef __cplusplus
}
#endif

#endif /* GWAPI_GWAPI_H_ */
