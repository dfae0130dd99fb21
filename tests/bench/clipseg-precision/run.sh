#!/bin/sh
# clipseg-precision/run.sh: how far the fast precision (bf16 products, f32 accumulation)
# moves CLIPSeg's masks on the evaluation photos, against exact f32, with one model.
#
# usage: tests/bench/clipseg-precision/run.sh MODEL_DIR [PAINTMASK] [EVAL_DIR]
#   (defaults: build/src/paintmask, ../shared/data/eval-public)
#
# For every photo and phrase of EVAL_DIR/index.tsv it writes the logits of both precisions
# (`paintmask model logits --precision f32|bf16`) and compares them: max |Δ|, and the IoU of
# the masks the two make when cut at the same threshold, for thresholds at the 50th, 80th
# and 95th percentile of the f32 logits (the part of the photo the mask then covers: 50 %,
# 20 %, 5 %). With the real weights, cut at 0 as the engine does; with random weights
# (all we have here) the logits sit in a narrow band below 0, so the percentiles stand in
# for the engine's boundary: the figure is then a proxy, and a strict one, since the band is
# far narrower than the real model's logits while bf16's error is the same size.
set -eu
model=${1:?usage: run.sh MODEL_DIR [PAINTMASK] [EVAL_DIR]}
bin=${2:-build/src/paintmask}
eval_dir=${3:-../shared/data/eval-public}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

row=0
tail -n +2 "$eval_dir/index.tsv" | while IFS="$(printf '\t')" read -r image mask noun phrase rest; do
  row=$((row + 1))
  base=$row-${image%.*}   # a photo may come with more than one phrase
  for p in f32 bf16; do
    OPENBLAS_NUM_THREADS=1 "$bin" model logits -m "$model" --precision "$p" \
      "$eval_dir/$image" "$phrase" -o "$tmp/$base-$p.npy" >/dev/null
  done
  echo "$base"
done > "$tmp/list"

/usr/bin/python3 - "$tmp" <<'PY'
import sys, numpy as np
tmp = sys.argv[1]
names = open(f"{tmp}/list").read().split()
rows, worst = [], {}
print(f"{'row-photo':27s} {'max|Δ|':>9s} {'range':>8s}  IoU@p50  IoU@p80  IoU@p95  IoU@0")
for n in names:
    a = np.load(f"{tmp}/{n}-f32.npy").ravel()
    b = np.load(f"{tmp}/{n}-bf16.npy").ravel()
    ious = []
    for q in (50, 80, 95):
        t = np.percentile(a, q)
        ma, mb = a > t, b > t
        ious.append((ma & mb).sum() / max(1, (ma | mb).sum()))
    z = ((a > 0) & (b > 0)).sum() / max(1, ((a > 0) | (b > 0)).sum()) if ((a > 0) | (b > 0)).any() else 1.0
    d = float(np.abs(a - b).max())
    rows.append((d, *ious))
    print(f"{n:27s} {d:9.2e} {a.max() - a.min():8.4f}  " + "  ".join(f"{v:7.4f}" for v in ious) + f"  {z:6.4f}")
r = np.array(rows)
print(f"{len(rows)} phrases: max |Δ| {r[:, 0].max():.2e}; IoU min/mean at p50 {r[:, 1].min():.4f}/{r[:, 1].mean():.4f},"
      f" p80 {r[:, 2].min():.4f}/{r[:, 2].mean():.4f}, p95 {r[:, 3].min():.4f}/{r[:, 3].mean():.4f}")
PY
