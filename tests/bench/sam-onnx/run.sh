#!/bin/sh
# run.sh: compare `paintmask bench --engine sam` with ONNX Runtime on a full-size random-weight
# SAM (SlimSAM-77 dimensions by default) in interleaved rounds (benchmark, not CI). Needs
# /usr/bin/python3 with numpy, PIL and torch (Debian python3-torch), node and npm.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: tests/bench/sam-onnx/run.sh [BUILD_DIR] [WORK_DIR] [ROUNDS] [DIMS]
#   DIMS: slimsam-77 (default) or sam-vit-base
# Environment: THREADS (default 2); PM_BENCH_ARGS, extra arguments for `paintmask bench`
#   (e.g. "--precision f32").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-$root/build}
work=${2:-/tmp/paintmask-sam-bench}
rounds=${3:-3}
dims=${4:-slimsam-77}
threads=${THREADS:-2}
shared=${PM_SHARED_DIR:-$root/../shared}
image=$shared/data/sam-fixture/images/cat.jpg

model=$work/$dims-f32
mkdir -p "$work"
if [ ! -f "$model/model.safetensors" ]; then
  /usr/bin/python3 "$root/tests/fixtures/make-sam-full-model.py" "$model" --dims "$dims" --dtype F32
fi
if [ ! -f "$model/encoder.onnx" ]; then
  /usr/bin/python3 "$here/export.py" "$model" "$model/encoder.onnx" 2>/dev/null
fi
if [ ! -d "$here/node_modules/onnxruntime-node" ]; then
  # The CPU binaries ship in the package; the postinstall only fetches optional GPU files.
  (cd "$here" && npm install --no-audit --no-fund --ignore-scripts)
fi

# One round: ours, then ORT, then ours without OpenBLAS's core/cache overrides (when set).
: > "$work/rounds.jsonl"
r=1
while [ "$r" -le "$rounds" ]; do
  ours=$("$build/src/paintmask" bench --engine sam --model-dir "$model" --threads "$threads" \
           --runs 1 --json ${PM_BENCH_ARGS:-} "$image")
  ort=$(cd "$here" && node bench.mjs "$model/encoder.onnx" 1 "$threads")
  unset_env=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$build/src/paintmask" bench \
                --engine sam --model-dir "$model" --threads "$threads" --runs 1 --json \
                ${PM_BENCH_ARGS:-} "$image")
  printf '{"round": %d, "ours": %s, "ort": %s, "ours_env_unset": %s}\n' "$r" \
    "$(echo "$ours" | tr -d '\n')" "$(echo "$ort" | tr -d '\n')" \
    "$(echo "$unset_env" | tr -d '\n')" >> "$work/rounds.jsonl"
  r=$((r + 1))
done

/usr/bin/python3 - "$work/rounds.jsonl" "$threads" <<'PY'
import json, os, statistics, sys
rounds = [json.loads(line) for line in open(sys.argv[1])]
threads = sys.argv[2]
def med(key, side='ours'):
    return statistics.median(r[side][key] for r in rounds)
ratios = [r['ours']['encode_ms'] / r['ort']['encode_ms'] for r in rounds]
ratios_unset = [r['ours_env_unset']['encode_ms'] / r['ort']['encode_ms'] for r in rounds]
o = rounds[0]['ours']
print('model %s (%.1f MB of float32 weights), image %dx%d, %s threads, %d interleaved rounds'
      % (o['model'], o['weights_f32_mb'], o['width'], o['height'], threads, len(rounds)))
print('ours: %s precision; ONNX Runtime %s (CPU EP); OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s'
      % (o.get('precision', '?'), rounds[0]['ort']['ort_version'], os.environ.get('OPENBLAS_CORETYPE', '(unset)'),
         os.environ.get('OPENBLAS_L2_SIZE', '(unset)')))
print('encode   ours %8.1f ms  ORT %8.1f ms  ratio per round %s, median %.2f, spread %.2f-%.2f'
      ' (targets <= 1.5, issue 17: <= 0.8)'
      % (med('encode_ms'), med('encode_ms', 'ort'), ' '.join('%.2f' % x for x in ratios),
         statistics.median(ratios), min(ratios), max(ratios)))
print('  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE: ours %8.1f ms, ratio per round %s, '
      'median %.2f, spread %.2f-%.2f'
      % (med('encode_ms', 'ours_env_unset'), ' '.join('%.2f' % x for x in ratios_unset),
         statistics.median(ratios_unset), min(ratios_unset), max(ratios_unset)))
ort_cpu = [r['ort']['encode_cpu_ms'] for r in rounds if 'encode_cpu_ms' in r['ort']]
print('encode CPU time (all threads) ours %.1f ms, ORT %s (ORT threads spin while waiting)'
      % (med('encode_cpu_ms'),
         '%.1f ms' % statistics.median(ort_cpu) if ort_cpu else 'not measured'))
print('prompt   ours %8.1f ms one click, %.1f ms with three masks, CPU %.1f ms (targets <= 30, issue 17: <= 20)'
      % (med('prompt_ms'), med('prompt_multimask_ms'), med('prompt_cpu_ms')))
print('load     ours %8.1f ms  ORT %8.1f ms  (targets <= 200 ms, issue 17: <= 100 ms)'
      % (med('load_ms'), med('load_ms', 'ort')))
print('peak RSS ours %8.1f MB  ORT %8.1f MB  limit %.1f + 300 = %.1f MB'
      % (med('peak_rss_mb'), med('peak_rss_mb', 'ort'), o['weights_f32_mb'],
         o['weights_f32_mb'] + 300))
print('load average at the end: %s' % open('/proc/loadavg').read().split()[0])
PY
