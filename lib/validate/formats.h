// The string formats the API server checks in CRD schemas (kube-openapi's
// strfmt registry) and the Go text forms its messages use. Internal to
// lib/validate; pure functions, thread-safe.
#ifndef GWAPI_LIB_VALIDATE_FORMATS_H_
#define GWAPI_LIB_VALIDATE_FORMATS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace gwapi::validate::internal {

// Go's net.ParseIP (no zones, no leading zeros in IPv4 fields).
bool ParseIP(absl::string_view s);
// kube-openapi's "ipv4" / "ipv6": ParseIP succeeds and the text has a '.' /
// a ':' (so "::ffff:1.2.3.4" is both, as upstream).
bool IsIPv4Format(absl::string_view s);
bool IsIPv6Format(absl::string_view s);
// Go's net.ParseCIDR.
bool IsCidrFormat(absl::string_view s);
// kube-openapi's "date-time": RFC 3339 with a valid date and time.
bool IsDateTimeFormat(absl::string_view s);
// kube-openapi's "byte": standard base64 with padding (CR/LF ignored).
bool IsBase64Format(absl::string_view s);

// Go's utf8.RuneCountInString for valid UTF-8 (decoders validate it).
int64_t RuneCount(absl::string_view s);

// Go's strconv.Quote, as %q prints strings in API server messages.
std::string GoQuote(absl::string_view s);
// Go's %v of a float64 that holds a schema bound (1, 65535, 1e+06, 0.5).
std::string GoFloat(double d);

}  // namespace gwapi::validate::internal

#endif  // GWAPI_LIB_VALIDATE_FORMATS_H_
