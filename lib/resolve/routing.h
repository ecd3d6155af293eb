// What a resolution decided that traffic routing needs: per Gateway the
// programmed listeners, the routes attached to each with their effective
// hostnames, and for every backendRef of those routes whether it resolves.
// lib/route compiles it, with the routes' rules, into a gwapi.v1.Snapshot.
// Points into the store's objects: valid until the store changes.
// Thread-safety: plain data.
#ifndef GWAPI_LIB_RESOLVE_ROUTING_H_
#define GWAPI_LIB_RESOLVE_ROUTING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/model/object.h"

namespace gwapi::resolve {

// A Secret or ConfigMap holding certificates, by name: the snapshot
// carries references, never key material.
struct CertificateRef {
  std::string kind;  // Secret or ConfigMap
  std::string ns;
  std::string name;
};

struct RoutedBackend {
  // Where the backendRef is in the route (BackendRefView's indexes).
  int32_t rule = 0;
  int32_t backend = -1;  // index in the rule's backendRefs; -1 at rule level
  bool mirror = false;
  // Resolves to a Service port the route kind can send traffic to.
  bool valid = false;
  // The Service it names (valid backendRefs only).
  std::string service_ns;
  std::string service_name;
  std::string app_protocol;  // the Service port's appProtocol
  // A BackendTLSPolicy applies: the SNI to present, and how to validate
  // the backend's certificate (its usable caCertificateRefs, or the system
  // CAs; the subjectAltNames to accept instead of the SNI).
  bool tls = false;
  std::string tls_sni;
  std::vector<CertificateRef> tls_ca_certificates;
  bool tls_system_ca = false;
  std::vector<std::pair<std::string, std::string>> tls_subject_alt_names;
};

struct RoutedRoute {
  const model::Object* route = nullptr;
  // Every backendRef of the route, in this order per rule: its
  // backendRefs, then the rule's RequestMirror backendRefs, then each
  // backendRef's RequestMirror backendRefs (filter order throughout).
  std::vector<RoutedBackend> backends;
  // Rules dropped as invalid (for example a regex RE2 rejects), ascending.
  std::vector<int32_t> invalid_rules;
};

struct RoutedAttachment {
  int32_t route = 0;  // index in Routing::routes
  // The route's hostnames intersected with the listener's (lower case);
  // empty when neither restricts the host.
  std::vector<std::string> hostnames;
};

struct RoutedListener {
  std::string name;
  std::string listener_set;  // "namespace/name", "" for the Gateway's own
  int64_t port = 0;
  std::string protocol;  // HTTP, HTTPS, TLS, TCP, UDP
  std::string hostname;  // "" when unset
  std::string tls_mode;  // Terminate, Passthrough, "" without tls
  // Terminate: the certificateRefs, every one of them resolved (a listener
  // with an unusable one is not programmed, so not here).
  std::vector<CertificateRef> certificates;
  // HTTPS listeners of a Gateway with spec.tls.frontend validation for
  // their port: the usable caCertificateRefs and the mode
  // (AllowValidOnly, AllowInsecureFallback); empty mode when none applies.
  std::vector<CertificateRef> client_ca_certificates;
  std::string client_validation_mode;
  std::vector<RoutedAttachment> attachments;
};

struct RoutedGateway {
  const model::Object* gateway = nullptr;
  std::vector<std::string> addresses;  // status.addresses values
  std::vector<RoutedListener> listeners;
  // spec.tls.backend.clientCertificateRef, when it resolves: the
  // certificate the Gateway presents to backends that ask for one.
  std::optional<CertificateRef> backend_client_certificate;
};

struct Routing {
  std::vector<RoutedGateway> gateways;  // namespace/name order
  // Attached routes, oldest first, then namespace/name: index order is the
  // tie-break of the spec's precedence rules.
  std::vector<RoutedRoute> routes;
};

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_ROUTING_H_
