#!/usr/bin/env bash
# The symbols libgwapi.so.0 exports must be exactly those of the version
# script: nothing leaks (C++ internals, Abseil), nothing is missing.
set -euo pipefail
lib="$1"
map="$2"
want=$(grep -oE '^\s+gwapi_[a-z0-9_]+;' "$map" | tr -d ' ;' | sort)
got=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' \
      | grep -v '^GWAPI_' | sort)
if [ "$want" != "$got" ]; then
  echo "exported symbols differ from $map:"
  diff <(echo "$want") <(echo "$got") || true
  exit 1
fi
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
if [ "$soname" != "libgwapi.so.0" ]; then
  echo "SONAME is '$soname', want libgwapi.so.0"
  exit 1
fi
echo "exported_symbols_test: $(echo "$got" | wc -l) symbols match the version script"
