// The whole decision for one request as JSON, filters applied: what tools,
// bindings and tests read (docs/MATCHING.md documents the format). Not the
// hot path: it allocates.
// Thread-safety: a pure function of its arguments.
#ifndef GWAPI_LIB_ROUTE_DECISION_JSON_H_
#define GWAPI_LIB_ROUTE_DECISION_JSON_H_

#include <string>

#include "lib/route/snapshot.h"

namespace gwapi::route {

// Matches `request` and renders the decision:
//   {"status": 0, "gateway": "ns/name", "listener": "http",
//    "route": {"kind", "namespace", "name"}, "rule": 0, "ruleName": "",
//    "backend": {...}, "backends": [{...}],   // the rule's backendRefs
//    "location": "...",                       // redirects only
//    "request": {"method", "host", "path", "headers": [[name, value]]},
//    "responseHeaders": [["set"|"add"|"remove", name, value]],
//    "mirrors": [{"backend": {...}, "percent": 50}],
//    "timeouts": {"requestMs", "backendRequestMs"},
//    "retry": {"codes", "attempts", "backoffMs"}, "tlsMode": "Terminate"}
// A backend is {"kind", "namespace", "name", "port", "weight", "valid",
// "appProtocol", "tlsSni", "clusterIps"}. Members that do not apply are omitted.
std::string DecisionJson(const Snapshot& snapshot, const Request& request);

}  // namespace gwapi::route

#endif  // GWAPI_LIB_ROUTE_DECISION_JSON_H_
