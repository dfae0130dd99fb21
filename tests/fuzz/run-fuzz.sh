#!/usr/bin/env bash
# Builds the fuzz harnesses with clang + libFuzzer + ASan/UBSan (build-fuzz/) and runs them.
#
#   bash tests/fuzz/run-fuzz.sh NAME [RUNS] [libFuzzer flags…]   one harness, RUNS executions
#   bash tests/fuzz/run-fuzz.sh all [RUNS]                        each harness in turn
#
# New inputs go to build-fuzz/corpus/NAME (the committed seeds in tests/fuzz/corpus/NAME are
# only read); crashes to build-fuzz/crashes/NAME/. Leak detection is on. RUNS defaults to
# 1,000,000. The last line of each run ("Done N runs in S second(s)") is the record.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
name=${1:?usage: run-fuzz.sh NAME|all [RUNS] [flags…]}
runs=${2:-1000000}
shift $(( $# >= 2 ? 2 : 1 ))

if ! command -v clang >/dev/null; then
  echo "run-fuzz.sh: clang is needed (build-aux/install-deps.sh --fuzz)" >&2
  exit 1
fi
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzzing=true -Dgui=false -Dtests=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz $(for h in tests/fuzz/fuzz-*.c; do b=$(basename "$h" .c); echo "tests/fuzz/$b"; done) >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export OPENBLAS_NUM_THREADS=1

run_one() {
  local n=$1; shift
  mkdir -p "build-fuzz/corpus/$n" "build-fuzz/crashes/$n"
  local dict=()
  [ -f "tests/fuzz/dict/$n.dict" ] && dict=(-dict="tests/fuzz/dict/$n.dict")
  echo "== fuzz-$n: $runs runs"
  "build-fuzz/tests/fuzz/fuzz-$n" -runs="$runs" -rss_limit_mb=2048 -max_len=65536 \
    -timeout=20 -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$n/" \
    "${dict[@]}" "$@" "build-fuzz/corpus/$n" "tests/fuzz/corpus/$n"
}

if [ "$name" = all ]; then
  for h in tests/fuzz/fuzz-*.c; do
    b=$(basename "$h" .c)
    run_one "${b#fuzz-}" "$@"
  done
else
  run_one "$name" "$@"
fi
