#!/usr/bin/env bash
# Installs what the tests need, builds Paintmask twice (a normal build with warnings as
# errors, and one with AddressSanitizer + UndefinedBehaviorSanitizer, leak detection on),
# runs the whole test suite in both, and ends with one line: "N passed, N failed, N skipped".
#
# Counts are per test case: each GTest subtest of a TAP test program ("ok 3 /core/…",
# "not ok …", "ok 4 /… # SKIP …"), and each other test as one. A program that crashes or
# times out after its last subtest counts one more failure. With CI=true (CI has ../shared,
# python3 and Xvfb) anything skipped fails the run.
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash build-aux/install-deps.sh --tests || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

export OPENBLAS_NUM_THREADS=1
passed=0
failed=0
skipped=0

# Reads meson's testlog.json and prints "PASSED FAILED SKIPPED" (per test case, see above).
count_cases() {
  awk '
    {
      result = ""
      if (match ($0, /"result": "[A-Z]+"/))
        result = substr ($0, RSTART + 11, RLENGTH - 12)
      out = ""
      if (match ($0, /"stdout": "([^"\\]|\\.)*"/))
        out = substr ($0, RSTART + 11, RLENGTH - 12)
      n = split (out, lines, /\\n/)
      ok = 0; bad = 0; skip = 0; tap = 0
      for (i = 1; i <= n; i++)
        {
          line = lines[i]
          if (line ~ /^not ok [0-9]/)
            { bad++; tap = 1 }
          else if (line ~ /^ok [0-9]/)
            {
              tap = 1
              if (line ~ /# [Ss][Kk][Ii][Pp]/) skip++; else ok++
            }
          else if (line ~ /^1\.\.0 # [Ss][Kk][Ii][Pp]/)
            { skip++; tap = 1 }
        }
      if (!tap)
        {
          if (result == "OK") ok++
          else if (result == "SKIP") skip++
          else if (result != "") bad++
        }
      else if (result != "OK" && result != "SKIP" && bad == 0)
        bad++   # died after its last subtest (a crash, a leak report, a timeout)
      P += ok; F += bad; S += skip
    }
    END { printf "%d %d %d\n", P, F, S }
  ' "$1"
}

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
  rm -f "$dir/meson-logs/testlog.json"
  meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier "$multiplier" \
    ${PM_TEST_ARGS:-}
  local log="$dir/meson-logs/testlog.json"
  if [ -f "$log" ]; then
    local ok bad skip
    read -r ok bad skip < <(count_cases "$log")
    echo "$label: $ok passed, $bad failed, $skip skipped"
    if [ "$skip" -gt 0 ]; then
      echo "$label: skipped:"
      grep -oE '(ok [0-9]+ [^"\\]*# SKIP[^"\\]*|1\.\.0 # SKIP[^"\\]*)' "$log" | sed 's/^/  /'
    fi
    passed=$((passed + ok))
    failed=$((failed + bad))
    skipped=$((skipped + skip))
  else
    failed=$((failed + 1))
  fi
}

run_suite build "default build" 1
if [ "${PM_SKIP_ASAN:-0}" != 1 ]; then
  # Leaks are errors. Only the GTK test program turns detection off, in its own test
  # environment (tests/app/meson.build says why).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suite build-asan "sanitizer build" 4 -Db_sanitize=address,undefined \
    -Db_lundef=false
fi

echo "$passed passed, $failed failed, $skipped skipped"
if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
  echo "CI: nothing may skip here (CI has ../shared, python3 and Xvfb)"
  exit 1
fi
[ "$failed" -eq 0 ]
