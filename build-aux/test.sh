#!/usr/bin/env bash
# Installs what the tests need, builds Paintmask twice (a normal build with warnings as
# errors, and one with AddressSanitizer + UndefinedBehaviorSanitizer), runs the whole
# test suite in both, and ends with one line: "N passed, N failed".
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash build-aux/install-deps.sh --tests || { echo "0 passed, 1 failed"; exit 1; }

export OPENBLAS_NUM_THREADS=1
passed=0
failed=0

run_suite() {
  local dir=$1; shift
  local label=$1; shift
  local multiplier=$1; shift
  echo "== $label: configure and build ($dir)"
  if [ ! -f "$dir/build.ninja" ]; then
    if ! meson setup "$dir" --werror "$@"; then
      failed=$((failed + 1)); echo "$label: configure failed"; return
    fi
  else
    meson configure "$dir" --werror "$@" >/dev/null || true
  fi
  if ! ninja -C "$dir"; then
    failed=$((failed + 1)); echo "$label: build failed"; return
  fi
  echo "== $label: test"
  meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier "$multiplier" \
    ${PM_TEST_ARGS:-}
  local log="$dir/meson-logs/testlog.json"
  if [ -f "$log" ]; then
    local ok bad
    ok=$(grep -c '"result": "OK"' "$log" || true)
    bad=$(grep -cE '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
    passed=$((passed + ok))
    failed=$((failed + bad))
  else
    failed=$((failed + 1))
  fi
}

run_suite build "default build" 1
if [ "${PM_SKIP_ASAN:-0}" != 1 ]; then
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suite build-asan "sanitizer build" 4 -Db_sanitize=address,undefined \
    -Db_lundef=false
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
