#!/bin/sh
# run.sh: compare `paintmask bench --engine clipseg` with ONNX Runtime on a full-size
# random-weight CLIPSeg (benchmark, not CI). Needs /usr/bin/python3 with numpy, torch, PIL,
# and node + npm.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: tests/bench/clipseg-onnx/run.sh [BUILD_DIR] [WORK_DIR] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-$root/build}
work=${2:-/tmp/paintmask-clipseg-bench}
runs=${3:-5}
shared=${PM_SHARED_DIR:-$root/../shared}
fixture=$shared/data/clipseg-fixture
image=$fixture/images/cat.jpg
ids=49406,320,1125,539,320,2368,49407   # "a photo of a cat"

mkdir -p "$work"
model=$work/full-f32
if [ ! -f "$model/model.safetensors" ]; then
  /usr/bin/python3 "$root/tests/fixtures/make-full-model.py" "$fixture/full-config" "$model" --dtype F32
  cp "$shared/data/clip-tokenizer/vocab.json" "$shared/data/clip-tokenizer/merges.txt" "$model/"
fi
if [ ! -f "$work/full.onnx" ]; then
  /usr/bin/python3 "$here/export.py" "$model" "$work/full.onnx" --image "$image" --ids "$ids" \
    --ref "$work/torch-logits.npy" 2>/dev/null
fi
if [ ! -d "$here/node_modules/onnxruntime-node" ]; then
  # The CPU binaries ship in the package; the postinstall only fetches optional GPU files.
  (cd "$here" && npm install --no-audit --no-fund --ignore-scripts)
fi

# Correctness on the full-size model: our logits against the PyTorch reference.
"$build/src/paintmask" model logits --model-dir "$model" "$image" "a photo of a cat" \
  -o "$work/ours-logits.npy"
/usr/bin/python3 -c "
import numpy as np
a = np.load('$work/ours-logits.npy'); b = np.load('$work/torch-logits.npy')
print('logits max |ours - torch| = %.3g (max |torch| %.3g)' % (abs(a - b).max(), abs(b).max()))"

ours=$("$build/src/paintmask" bench --engine clipseg --model-dir "$model" "$image" \
        --phrase "a photo of a cat" --runs "$runs" --threads 2 --json)
ort=$(cd "$here" && node bench.mjs "$work/full.onnx" 352 "$runs" "$ids")
echo "$ours" > "$work/ours.json"
echo "$ort" > "$work/ort.json"
/usr/bin/python3 - "$work/ours.json" "$work/ort.json" "$model/model.safetensors" <<'PY'
import json, os, sys
ours = json.load(open(sys.argv[1])); ort = json.load(open(sys.argv[2]))
f32_mb = ours['weights_f32_mb']
print('ONNX Runtime %s, CPU, 2 threads' % ort['ort_version'])
print('forward     ours %8.1f ms   ORT %8.1f ms   ratio %.2f (target <= 0.8)'
      % (ours['forward_ms'], ort['forward_ms'], ours['forward_ms'] / ort['forward_ms']))
print('cache hit   ours %8.1f ms   (target <= 30 ms)' % ours['cache_hit_ms'])
print('load        ours %8.1f ms   ORT %8.1f ms   (target <= 100 ms)'
      % (ours['load_ms'], ort['load_ms']))
print('packing     ours %8.1f ms   (%s, %s kernels; a thread the load starts)'
      % (ours['pack_ms'], ours['precision'], ours['isa']))
print('peak RSS    ours %8.1f MB   ORT %8.1f MB   limit 1.3 x %.1f + 200 = %.1f MB'
      % (ours['peak_rss_mb'], ort['peak_rss_mb'], f32_mb, 1.3 * f32_mb + 200))
print('stages (ms):', ', '.join('%s %.1f' % kv for kv in ours['stages_ms'].items()))
PY
