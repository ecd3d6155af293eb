// The public header compiles as C++17 under -pedantic -Werror and its
// constants are usable in constant expressions.
#include <gwapi/gwapi.h>

static_assert(GWAPI_OK == 0, "status numbers are absl::StatusCode's");
static_assert(GWAPI_UNAUTHENTICATED == 16, "status numbers are absl::StatusCode's");
static_assert(GWAPI_ABI_VERSION >= 1, "ABI version is positive");

int main() {
  gwapi_engine_opts opts{};
  opts.sz = sizeof(opts);
  return opts.controller_name == nullptr ? 0 : 1;
}
