#!/usr/bin/env bash
# run.sh: `paintmask batch --one-edit` against one edit per label, on the remote engine with the
# fake editor (benchmark, not CI): wall time per image and requests the server saw.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: tests/bench/one-edit/run.sh [BUILD_DIR] [PHOTOS] [ROUNDS] [GENERATION_MS] [PROFILE]
#
# The photos are the first PHOTOS of ../shared/data/eval-public, each with two objects for
# the fake editor to paint: its true mask and that mask mirrored left-right (minus the
# first), written by a fixture generator. Each job on the queued profiles (comfyui, fal)
# takes GENERATION_MS, standing in for a generative model's time; the openai-compatible
# profile answers at once, which leaves only Paintmask's own work. The two modes alternate
# within each round (ABBA), each on a fresh project database, so both see the same load.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-$root/build}
nphotos=${2:-6}
rounds=${3:-2}
gen_ms=${4:-1500}
profile=${5:-comfyui}
shared=${PM_SHARED_DIR:-$root/../shared}
bin=$build/src/paintmask
fake=$build/tests/pm-fake-editor
work=$(mktemp -d /tmp/paintmask-one-edit.XXXXXX)
trap 'exec {fe_in}>&- 2>/dev/null || true; rm -rf "$work"' EXIT

# Fixture: photos and the fake editor's index (two rows, two objects, per photo).
/usr/bin/python3 - "$shared/data/eval-public" "$work" "$nphotos" <<'EOF'
import csv, os, shutil, sys
import numpy as np
from PIL import Image
src, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(f"{work}/photos")
rows, seen = [], set()
with open(f"{src}/index.tsv") as f:
    for r in csv.DictReader(f, delimiter="\t"):
        if r["image"] in seen or len(seen) == n:
            continue
        seen.add(r["image"])
        shutil.copy(f"{src}/{r['image']}", f"{work}/photos/{r['image']}")
        a = np.array(Image.open(f"{src}/{r['mask']}").convert("L")) > 0
        b = a[:, ::-1] & ~a
        stem = os.path.splitext(r["image"])[0]
        Image.fromarray((a * 255).astype(np.uint8)).save(f"{work}/{stem}-1.png")
        Image.fromarray((b * 255).astype(np.uint8)).save(f"{work}/{stem}-2.png")
        rows += [(f"photos/{r['image']}", f"{stem}-1.png"), (f"photos/{r['image']}", f"{stem}-2.png")]
with open(f"{work}/index.tsv", "w") as f:
    f.write("image\tmask\n" + "".join(f"{i}\t{m}\n" for i, m in rows))
EOF

# The fake editor serves until its stdin closes; its first line is its base URL.
coproc FE { exec "$fake" --index "$work/index.tsv" --profile "$profile" --queue-delay-ms "$gen_ms"; }
exec {fe_in}>&"${FE[1]}"
read -r url <&"${FE[0]}"
root_url=${url%/v1}
requests() { curl -s "$root_url/requests" | tr -dc 0-9; }

run() {  # run MODE DB: prints seconds and generations
  local mode=$1 db=$2 r0 t0 t1 r1 extra=()
  [ "$mode" = one-edit ] && extra=(--one-edit)
  r0=$(requests); t0=$(date +%s.%N)
  "$bin" batch "$work/photos" --label "red thing" --label "blue thing" --engine remote \
    --remote-profile "$profile" --endpoint "$url" --db "$db" --jobs 1 "${extra[@]}" \
    >/dev/null 2>"$db.err" || { cat "$db.err"; exit 1; }
  t1=$(date +%s.%N); r1=$(requests)
  echo "$(echo "$t1 - $t0" | bc -l) $((r1 - r0))"
}

printf 'profile %s, %d photos x 2 labels, generation %d ms, %d rounds\n' "$profile" "$nphotos" \
  "$gen_ms" "$rounds"
for ((k = 1; k <= rounds; k++)); do
  if ((k % 2)); then order=(per-label one-edit); else order=(one-edit per-label); fi
  for mode in "${order[@]}"; do
    read -r s g < <(run "$mode" "$work/$mode-$k.paintmask")
    printf 'round %d %-9s %7.2f s  %.2f s/image  %d requests\n' "$k" "$mode" "$s" \
      "$(echo "$s / $nphotos" | bc -l)" "$g"
    echo "$mode $s $g" >>"$work/results"
  done
done
awk -v n="$nphotos" '{ t[$1] += $2; g[$1] += $3; c[$1]++ }
  END { printf "mean per-label %.2f s/image (%.1f requests/image), one-edit %.2f s/image (%.1f/image): one-edit takes %.2f x the time of per-label\n",
        t["per-label"] / c["per-label"] / n, g["per-label"] / c["per-label"] / n,
        t["one-edit"] / c["one-edit"] / n, g["one-edit"] / c["one-edit"] / n,
        t["one-edit"] / t["per-label"] }' "$work/results"
