#!/bin/sh
# interleave.sh: CLIPSeg forward, paintmask against ONNX Runtime, in interleaved rounds
# (ORT, ours, ORT, ours, …) so both sides see the same machine; prints every round's ratio
# and the median and spread (benchmark, not CI). Run run.sh once first: it builds the model,
# the ONNX export and node_modules in WORK_DIR.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: tests/bench/clipseg-onnx/interleave.sh [BUILD_DIR] [WORK_DIR] [ROUNDS] [RUNS]
#   PM_BENCH_ARGS   extra arguments for `paintmask bench` (e.g. "--precision f32")
#
# Each round is done twice: with the environment's OpenBLAS pin (OPENBLAS_CORETYPE, set to
# Haswell here when the environment has none) and with it removed
# (env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE), on those commands alone.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-$root/build}
work=${2:-/tmp/paintmask-clipseg-bench}
rounds=${3:-5}
runs=${4:-3}
shared=${PM_SHARED_DIR:-$root/../shared}
image=$shared/data/clipseg-fixture/images/cat.jpg
ids=49406,320,1125,539,320,2368,49407   # "a photo of a cat"
model=$work/full-f32
pin=${OPENBLAS_CORETYPE:-Haswell}
out=$work/interleave.tsv

for f in "$model/model.safetensors" "$work/full.onnx" "$here/node_modules/onnxruntime-node"; do
  [ -e "$f" ] || { echo "interleave.sh: $f is missing: run run.sh first" >&2; exit 1; }
done

ours () {
  "$@" "$build/src/paintmask" bench --engine clipseg --model-dir "$model" "$image" \
    --phrase "a photo of a cat" --runs "$runs" --threads 2 --json ${PM_BENCH_ARGS:-}
}
ort () {
  (cd "$here" && "$@" node bench.mjs "$work/full.onnx" 352 "$runs" "$ids")
}
field () {
  /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"
}

printf 'round\tpin\tort_ms\tours_ms\tratio\tcache_hit_ms\tload_ms\tpack_ms\n' > "$out"
r=1
while [ "$r" -le "$rounds" ]; do
  for mode in pinned unpinned; do
    if [ "$mode" = pinned ]; then
      set -- env OPENBLAS_CORETYPE="$pin"
    else
      set -- env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
    fi
    o=$(ort "$@" | field forward_ms)
    j=$(ours "$@")
    f=$(echo "$j" | field forward_ms)
    h=$(echo "$j" | field cache_hit_ms)
    l=$(echo "$j" | field load_ms)
    p=$(echo "$j" | field pack_ms)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$mode" "$o" "$f" \
      "$(/usr/bin/python3 -c "print('%.3f' % ($f / $o))")" "$h" "$l" "$p" >> "$out"
    tail -1 "$out"
  done
  r=$((r + 1))
done

/usr/bin/python3 - "$out" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
for mode in ('pinned', 'unpinned'):
    rs = [r for r in rows if r['pin'] == mode]
    ratio = [float(r['ratio']) for r in rs]
    ours = [float(r['ours_ms']) for r in rs]
    ort = [float(r['ort_ms']) for r in rs]
    hit = [float(r['cache_hit_ms']) for r in rs]
    print('%-8s ratio median %.3f (spread %.3f-%.3f, %d rounds); ours median %.1f ms, '
          'ORT median %.1f ms; second instruction median %.1f ms'
          % (mode, statistics.median(ratio), min(ratio), max(ratio), len(rs),
             statistics.median(ours), statistics.median(ort), statistics.median(hit)))
PY
