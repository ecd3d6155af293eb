#!/bin/sh
# The map ABI header compiles for the BPF target, as the datapath uses it.
set -eu
header="$1"
if ! command -v clang >/dev/null 2>&1; then
  echo "FAIL: clang not found (needed to compile for -target bpf)" >&2
  exit 1
fi
dir="${TEST_TMPDIR:-/tmp}/abi_bpf.$$"
mkdir -p "$dir/gwapi"
trap 'rm -rf "$dir"' EXIT
cp "$header" "$dir/gwapi/lb_abi.h"
cat > "$dir/t.c" <<'C'
#include "gwapi/lb_abi.h"
struct gwapi_lb4_key k4;
struct gwapi_lb6_key k6;
struct gwapi_lb_service v;
struct gwapi_lb4_backend b4;
struct gwapi_lb6_backend b6;
struct gwapi_lb4_reverse_nat r4;
struct gwapi_lb6_reverse_nat r6;
C
multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
clang -target bpf -O2 -g -Wall -Werror -I"$dir" -I"/usr/include/$multiarch" -c "$dir/t.c" -o "$dir/t.o"
echo "PASS"
