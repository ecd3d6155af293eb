#include "lib/resolve/views.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/hash/hash.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/model/kinds.h"
#include "re2/re2.h"

namespace gwapi::resolve {
namespace {

using model::Value;

const Value& Empty() {
  static const Value* v = new Value();
  return *v;
}

const Value& At(const Value* v, absl::string_view key) {
  if (v == nullptr) return Empty();
  const Value* f = v->Find(key);
  return f == nullptr ? Empty() : *f;
}

std::string Str(const Value& v, absl::string_view key, absl::string_view def = "") {
  const Value* f = v.Find(key);
  if (f == nullptr || !f->is_string()) return std::string(def);
  return f->string_value();
}

std::optional<int64_t> Int(const Value& v, absl::string_view key) {
  const Value* f = v.Find(key);
  if (f == nullptr || !f->is_int()) return std::nullopt;
  return f->int_value();
}

// The string at key as a view into v, or `def`.
absl::string_view View(const Value& v, absl::string_view key, absl::string_view def = "") {
  const Value* f = v.Find(key);
  if (f == nullptr || !f->is_string()) return def;
  return f->string_value();
}

const Value::Array& Arr(const Value& v, absl::string_view key) {
  static const Value::Array* empty = new Value::Array();
  const Value* f = v.Find(key);
  if (f == nullptr || !f->is_array()) return *empty;
  return f->array();
}

ObjectRef ReadObjectRef(const Value& v, absl::string_view owner_ns, absl::string_view def_kind) {
  ObjectRef r;
  r.group = Str(v, "group");
  r.kind = Str(v, "kind", def_kind);
  r.name = Str(v, "name");
  r.ns = Str(v, "namespace", owner_ns);
  r.cross_namespace = r.ns != owner_ns;
  return r;
}

ParentRefView ReadParentRef(const Value& v, absl::string_view owner_ns) {
  ParentRefView p;
  p.group = Str(v, "group", model::kGatewayGroup);
  p.kind = Str(v, "kind", "Gateway");
  p.namespace_set = v.Find("namespace") != nullptr;
  p.ns = Str(v, "namespace", owner_ns);
  p.name = Str(v, "name");
  if (const Value* s = v.Find("sectionName"); s != nullptr && s->is_string()) {
    p.section_name = s->string_value();
  }
  p.port = Int(v, "port");
  return p;
}

RouteParentRef ReadRouteParentRef(const Value& v, absl::string_view owner_ns) {
  RouteParentRef p;
  p.group = View(v, "group", model::kGatewayGroup);
  p.kind = View(v, "kind", "Gateway");
  p.namespace_set = v.Find("namespace") != nullptr;
  p.ns = View(v, "namespace", owner_ns);
  p.name = View(v, "name");
  if (const Value* s = v.Find("sectionName"); s != nullptr && s->is_string()) {
    p.section_name = s->string_value();
  }
  p.port = Int(v, "port");
  p.gateway_group = p.group == model::kGatewayGroup;
  p.parent_kind = p.kind == "Gateway"       ? RouteParentRef::Kind::kGateway
                  : p.kind == "ListenerSet" ? RouteParentRef::Kind::kListenerSet
                                            : RouteParentRef::Kind::kOther;
  return p;
}

BackendRefView ReadBackend(const Value& b, absl::string_view ns, int32_t rule, int32_t backend,
                           bool mirror) {
  BackendRefView r;
  r.group = View(b, "group");
  r.kind = View(b, "kind", "Service");
  r.name = View(b, "name");
  r.ns = View(b, "namespace", ns);
  r.cross_namespace = r.ns != ns;
  r.core_service = r.group.empty() && r.kind == "Service";
  r.port = Int(b, "port");
  r.rule = rule;
  r.backend = backend;
  r.mirror = mirror;
  return r;
}

}  // namespace

std::string LabelSelector::UnknownOperator() const {
  for (const Requirement& r : match_expressions) {
    if (r.op != "In" && r.op != "NotIn" && r.op != "Exists" && r.op != "DoesNotExist") {
      return r.op.empty() ? std::string("(empty)") : r.op;
    }
  }
  return "";
}

bool LabelSelector::Matches(const model::StringPairs& labels) const {
  auto find = [&](const std::string& key) -> const std::string* {
    auto it = std::lower_bound(labels.begin(), labels.end(), key,
                               [](const auto& p, const std::string& k) { return p.first < k; });
    if (it == labels.end() || it->first != key) return nullptr;
    return &it->second;
  };
  for (const auto& [k, v] : match_labels) {
    const std::string* got = find(k);
    if (got == nullptr || *got != v) return false;
  }
  for (const Requirement& r : match_expressions) {
    const std::string* got = find(r.key);
    bool in = got != nullptr && std::find(r.values.begin(), r.values.end(), *got) != r.values.end();
    if (r.op == "In") {
      if (!in) return false;
    } else if (r.op == "NotIn") {
      if (in) return false;
    } else if (r.op == "Exists") {
      if (got == nullptr) return false;
    } else if (r.op == "DoesNotExist") {
      if (got != nullptr) return false;
    } else {
      return false;  // unknown operator: matches nothing
    }
  }
  return true;
}

LabelSelector ReadSelector(const Value& v) {
  LabelSelector s;
  if (const Value* ml = v.Find("matchLabels"); ml != nullptr && ml->is_object()) {
    for (const Value::Member& m : ml->object()) {
      if (m.second.is_string()) s.match_labels.emplace_back(m.first, m.second.string_value());
    }
    std::sort(s.match_labels.begin(), s.match_labels.end());
  }
  for (const Value& e : Arr(v, "matchExpressions")) {
    LabelSelector::Requirement r;
    r.key = Str(e, "key");
    r.op = Str(e, "operator");
    for (const Value& x : Arr(e, "values")) {
      if (x.is_string()) r.values.push_back(x.string_value());
    }
    s.match_expressions.push_back(std::move(r));
  }
  return s;
}

ListenerView ReadListener(const Value& v, absl::string_view owner_ns) {
  ListenerView l;
  l.name = Str(v, "name");
  l.protocol = Str(v, "protocol");
  l.port = Int(v, "port").value_or(0);
  if (const Value* h = v.Find("hostname"); h != nullptr && h->is_string()) {
    l.hostname = h->string_value();
  }
  if (const Value* tls = v.Find("tls"); tls != nullptr && tls->is_object()) {
    l.tls_mode = Str(*tls, "mode", "Terminate");
    for (const Value& r : Arr(*tls, "certificateRefs")) {
      l.certificate_refs.push_back(ReadObjectRef(r, owner_ns, "Secret"));
    }
  }
  const Value& ar = At(&v, "allowedRoutes");
  const Value& nss = At(&ar, "namespaces");
  l.from = Str(nss, "from", "Same");
  if (const Value* sel = nss.Find("selector"); sel != nullptr && sel->is_object()) {
    l.selector = ReadSelector(*sel);
  }
  if (const Value* kinds = ar.Find("kinds"); kinds != nullptr && kinds->is_array()) {
    l.kinds_set = true;
    for (const Value& k : kinds->array()) {
      l.kinds.push_back(GroupKind{Str(k, "group", model::kGatewayGroup), Str(k, "kind")});
    }
  }
  return l;
}

GatewayView ReadGateway(const model::Object& o) {
  GatewayView g;
  g.obj = &o;
  const Value& spec = At(&o.body, "spec");
  g.class_name = Str(spec, "gatewayClassName");
  for (const Value& l : Arr(spec, "listeners")) g.listeners.push_back(ReadListener(l, o.key.ns));
  for (const Value& a : Arr(spec, "addresses")) {
    g.addresses.push_back(GatewayView::Address{Str(a, "type", "IPAddress"), Str(a, "value")});
  }
  const Value& al = At(&At(&spec, "allowedListeners"), "namespaces");
  g.allowed_listeners_from = Str(al, "from", "None");
  if (const Value* sel = al.Find("selector"); sel != nullptr && sel->is_object()) {
    g.allowed_listeners_selector = ReadSelector(*sel);
  }
  const Value& il = At(&At(&spec, "infrastructure"), "labels");
  if (il.is_object()) {
    for (const Value::Member& m : il.object()) {
      if (m.second.is_string())
        g.infrastructure_labels.emplace_back(m.first, m.second.string_value());
    }
    std::sort(g.infrastructure_labels.begin(), g.infrastructure_labels.end());
  }
  if (const Value* pr = spec.FindPath({"infrastructure", "parametersRef"});
      pr != nullptr && pr->is_object()) {
    g.parameters_ref = ReadObjectRef(*pr, o.key.ns, "");
  }
  const Value& tls = At(&spec, "tls");
  if (const Value* cc = tls.FindPath({"backend", "clientCertificateRef"});
      cc != nullptr && cc->is_object()) {
    g.backend_client_certificate = ReadObjectRef(*cc, o.key.ns, "Secret");
  }
  auto read_validation = [&](const Value& v) {
    GatewayView::FrontendValidation fv;
    for (const Value& r : Arr(v, "caCertificateRefs")) {
      fv.ca_refs.push_back(ReadObjectRef(r, o.key.ns, "ConfigMap"));
    }
    fv.mode = Str(v, "mode", "AllowValidOnly");
    return fv;
  };
  const Value& frontend = At(&tls, "frontend");
  if (const Value* d = frontend.FindPath({"default", "validation"});
      d != nullptr && d->is_object()) {
    g.frontend_default = read_validation(*d);
  }
  for (const Value& pp : Arr(frontend, "perPort")) {
    const Value* v = pp.FindPath({"tls", "validation"});
    std::optional<int64_t> port = Int(pp, "port");
    if (v != nullptr && v->is_object() && port) {
      g.frontend_per_port.emplace_back(*port, read_validation(*v));
    }
  }
  return g;
}

const GatewayView::FrontendValidation* GatewayView::FrontendFor(int64_t port) const {
  for (const auto& [p, fv] : frontend_per_port) {
    if (p == port) return &fv;
  }
  return frontend_default ? &*frontend_default : nullptr;
}

ListenerSetView ReadListenerSet(const model::Object& o) {
  ListenerSetView s;
  s.obj = &o;
  const Value& spec = At(&o.body, "spec");
  s.parent = ReadParentRef(At(&spec, "parentRef"), o.key.ns);
  for (const Value& l : Arr(spec, "listeners")) s.listeners.push_back(ReadListener(l, o.key.ns));
  return s;
}

namespace {

// Copies the text a route view points to into one block it owns.
void Localize(RouteView* r) {
  size_t size = r->kind.size() + r->ns.size();
  auto count = [&](absl::string_view s) { size += s.size(); };
  for (const RouteParentRef& p : r->parent_refs) {
    count(p.kind);
    count(p.ns);
    count(p.name);
    if (p.section_name) count(*p.section_name);
  }
  for (absl::string_view h : r->hostnames) count(h);
  for (const BackendRefView& b : r->backends) {
    count(b.group);
    count(b.kind);
    count(b.ns);
    count(b.name);
  }
  r->text = std::make_unique<char[]>(size == 0 ? 1 : size);
  char* next = r->text.get();
  auto copy = [&](absl::string_view* s) {
    if (s->empty()) return;
    std::memcpy(next, s->data(), s->size());
    *s = absl::string_view(next, s->size());
    next += s->size();
  };
  copy(&r->kind);
  copy(&r->ns);
  for (RouteParentRef& p : r->parent_refs) {
    // The group is only compared (gateway_group) and written out; it stays
    // where it is.
    copy(&p.kind);
    copy(&p.ns);
    copy(&p.name);
    if (p.section_name) copy(&*p.section_name);
  }
  for (absl::string_view& h : r->hostnames) copy(&h);
  for (BackendRefView& b : r->backends) {
    copy(&b.group);
    copy(&b.kind);
    copy(&b.ns);
    copy(&b.name);
    b.nn_hash = NsNameHash(b.ns, b.name);
  }
  for (RouteParentRef& p : r->parent_refs) p.nn_hash = NsNameHash(p.ns, p.name);
}

}  // namespace

namespace {

// Why RE2 rejects `pattern` at `where`, or "".
std::string CheckRegex(absl::string_view pattern, absl::string_view where) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (re.ok()) return "";
  return absl::StrCat(where, ": the regular expression \"", pattern,
                      "\" is not one RE2 accepts (", re.error(), ")");
}

// The first regular expression of an HTTPRoute or GRPCRoute rule that RE2
// rejects, as a message, or "". Checked here, once per stored route (views
// are reused between resolutions), so it is never a surprise at match time.
std::string RejectedRegex(absl::string_view kind, const Value& rule, int32_t index) {
  bool http = kind == "HTTPRoute";
  if (!http && kind != "GRPCRoute") return "";
  const Value::Array& matches = Arr(rule, "matches");
  for (size_t j = 0; j < matches.size(); ++j) {
    std::string at = absl::StrCat("rules[", index, "].matches[", j, "]");
    const Value& m = matches[j];
    if (http) {
      const Value& path = At(&m, "path");
      if (Str(path, "type") == "RegularExpression") {
        if (std::string why = CheckRegex(Str(path, "value"), at + ".path"); !why.empty()) return why;
      }
    } else {
      const Value& method = At(&m, "method");
      if (Str(method, "type") == "RegularExpression") {
        for (absl::string_view f : {"service", "method"}) {
          std::string why = CheckRegex(Str(method, f), absl::StrCat(at, ".method.", f));
          if (!why.empty()) return why;
        }
      }
    }
    for (absl::string_view list : {"headers", "queryParams"}) {
      const Value::Array& items = Arr(m, list);
      for (size_t k = 0; k < items.size(); ++k) {
        if (Str(items[k], "type") != "RegularExpression") continue;
        std::string why =
            CheckRegex(Str(items[k], "value"), absl::StrCat(at, ".", list, "[", k, "]"));
        if (!why.empty()) return why;
      }
    }
  }
  return "";
}

}  // namespace

RouteView ReadRoute(const model::Object& o) {
  RouteView r;
  r.obj = &o;
  r.kind = o.key.kind;
  r.ns = o.key.ns;
  const Value& spec = At(&o.body, "spec");
  const Value::Array& parents = Arr(spec, "parentRefs");
  r.parent_refs.reserve(parents.size());
  for (const Value& p : parents) r.parent_refs.push_back(ReadRouteParentRef(p, o.key.ns));
  for (const Value& h : Arr(spec, "hostnames")) {
    if (h.is_string()) r.hostnames.push_back(h.string_value());
  }
  const Value::Array& rules = Arr(spec, "rules");
  r.rule_count = rules.size();
  for (size_t i = 0; i < rules.size(); ++i) {
    int32_t rule = static_cast<int32_t>(i);
    const Value::Array& brs = Arr(rules[i], "backendRefs");
    for (size_t j = 0; j < brs.size(); ++j) {
      r.backends.push_back(ReadBackend(brs[j], o.key.ns, rule, static_cast<int32_t>(j), false));
    }
    // RequestMirror filters name backends too, at rule and backend level.
    auto mirrors = [&](const Value& filters, int32_t backend) {
      if (!filters.is_array()) return;
      for (const Value& f : filters.array()) {
        if (Str(f, "type") != "RequestMirror") continue;
        const Value& b = At(&At(&f, "requestMirror"), "backendRef");
        if (!b.is_object()) continue;
        r.backends.push_back(ReadBackend(b, o.key.ns, rule, backend, true));
      }
    };
    mirrors(At(&rules[i], "filters"), -1);
    for (size_t j = 0; j < brs.size(); ++j) {
      mirrors(At(&brs[j], "filters"), static_cast<int32_t>(j));
    }
    if (std::string why = RejectedRegex(o.key.kind, rules[i], rule); !why.empty()) {
      r.invalid_rules.push_back({rule, std::move(why)});
    }
  }
  Localize(&r);
  return r;
}

uint64_t NsNameHash(absl::string_view ns, absl::string_view name) {
  return absl::Hash<std::pair<absl::string_view, absl::string_view>>()({ns, name});
}

std::string BackendRefView::Where() const {
  std::string out = absl::StrCat("rules[", rule, "]");
  if (backend >= 0) absl::StrAppend(&out, " backendRefs[", backend, "]");
  if (mirror) absl::StrAppend(&out, " requestMirror backendRef");
  return out;
}

ReferenceGrantView ReadReferenceGrant(const model::Object& o) {
  ReferenceGrantView g;
  g.obj = &o;
  const Value& spec = At(&o.body, "spec");
  for (const Value& f : Arr(spec, "from")) {
    g.from.push_back({Str(f, "group"), Str(f, "kind"), Str(f, "namespace")});
  }
  for (const Value& t : Arr(spec, "to")) {
    ReferenceGrantView::To to{Str(t, "group"), Str(t, "kind"), std::nullopt};
    if (const Value* n = t.Find("name"); n != nullptr && n->is_string())
      to.name = n->string_value();
    g.to.push_back(std::move(to));
  }
  return g;
}

ServiceView ReadService(const model::Object& o) {
  ServiceView s;
  s.obj = &o;
  for (const Value& p : Arr(At(&o.body, "spec"), "ports")) {
    s.ports.push_back({Str(p, "name"), Int(p, "port").value_or(0), Str(p, "appProtocol"),
                       Str(p, "protocol", "TCP")});
  }
  return s;
}

bool ParseIp(absl::string_view text, unsigned __int128* out, bool* v6) {
  std::string t(text);
  unsigned char buf[16];
  if (inet_pton(AF_INET, t.c_str(), buf) == 1) {
    *out = (static_cast<unsigned __int128>(buf[0]) << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3];
    *v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, t.c_str(), buf) == 1) {
    unsigned __int128 x = 0;
    for (unsigned char c : buf) x = (x << 8) | c;
    *out = x;
    *v6 = true;
    return true;
  }
  return false;
}

std::string FormatIp(unsigned __int128 ip, bool v6) {
  char text[INET6_ADDRSTRLEN];
  unsigned char buf[16];
  if (!v6) {
    for (int i = 0; i < 4; ++i) buf[i] = static_cast<unsigned char>(ip >> (8 * (3 - i)));
    inet_ntop(AF_INET, buf, text, sizeof(text));
  } else {
    for (int i = 0; i < 16; ++i) buf[i] = static_cast<unsigned char>(ip >> (8 * (15 - i)));
    inet_ntop(AF_INET6, buf, text, sizeof(text));
  }
  return text;
}

PoolView ReadPool(const model::Object& o) {
  PoolView p;
  p.obj = &o;
  const Value& spec = At(&o.body, "spec");
  if (const Value* d = spec.Find("disabled"); d != nullptr && d->is_bool())
    p.disabled = d->bool_value();
  if (const Value* s = spec.Find("serviceSelector"); s != nullptr && s->is_object()) {
    p.service_selector = ReadSelector(*s);
  }
  for (const Value& b : Arr(spec, "blocks")) {
    PoolView::Range r;
    std::string cidr = Str(b, "cidr");
    if (!cidr.empty()) {
      std::vector<std::string> parts = absl::StrSplit(cidr, '/');
      int bits = 0;
      if (parts.size() != 2 || !ParseIp(parts[0], &r.first, &r.v6) ||
          !absl::SimpleAtoi(parts[1], &bits)) {
        continue;
      }
      int width = r.v6 ? 128 : 32;
      if (bits < 0 || bits > width) continue;
      int host = width - bits;
      unsigned __int128 mask = host >= 128 ? ~static_cast<unsigned __int128>(0)
                                           : (static_cast<unsigned __int128>(1) << host) - 1;
      r.first &= ~mask;
      if (!r.v6) r.first &= 0xffffffffu;
      r.last = r.first | mask;
    } else {
      bool v6b = false;
      if (!ParseIp(Str(b, "start"), &r.first, &r.v6)) continue;
      std::string stop = Str(b, "stop");
      if (stop.empty()) {
        r.last = r.first;
      } else if (!ParseIp(stop, &r.last, &v6b) || v6b != r.v6 || r.last < r.first) {
        continue;
      }
    }
    p.ranges.push_back(r);
  }
  return p;
}

BackendTlsPolicyView ReadBackendTlsPolicy(const model::Object& o) {
  BackendTlsPolicyView p;
  p.obj = &o;
  const Value& spec = At(&o.body, "spec");
  for (const Value& t : Arr(spec, "targetRefs")) {
    BackendTlsPolicyView::Target tg{Str(t, "group"), Str(t, "kind"), Str(t, "name"), std::nullopt};
    if (const Value* s = t.Find("sectionName"); s != nullptr && s->is_string()) {
      tg.section_name = s->string_value();
    }
    p.targets.push_back(std::move(tg));
  }
  const Value& val = At(&spec, "validation");
  for (const Value& r : Arr(val, "caCertificateRefs")) {
    p.ca_refs.push_back(ReadObjectRef(r, o.key.ns, "ConfigMap"));
  }
  p.well_known = Str(val, "wellKnownCACertificates");
  p.hostname = Str(val, "hostname");
  for (const Value& san : Arr(val, "subjectAltNames")) {
    std::string type = Str(san, "type");
    p.subject_alt_names.emplace_back(type, Str(san, type == "URI" ? "uri" : "hostname"));
  }
  return p;
}

}  // namespace gwapi::resolve
