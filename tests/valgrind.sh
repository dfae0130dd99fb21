#!/usr/bin/env bash
# Runs the `paintmask` command-line paths under valgrind memcheck on tiny inputs: edit
# (builtin, CLIPSeg and remote against the tests' fake editor), derive, eval, segment (SAM), mask, model, history and batch.
# Prints one line per command (errors, bytes definitely lost) and a total; exits 1 unless
# every command has 0 errors and 0 bytes definitely lost.
#
#   bash tests/valgrind.sh [BUILD_DIR]        (default: build; a non-sanitizer build)
#   PM_VALGRIND_ONLY="segment batch" bash tests/valgrind.sh    (only those under valgrind)
#
# The models are the tiny CLIPSeg and SAM checkpoints of ../shared/data (PM_SHARED_DIR);
# the photos are 48 x 36 PNGs made here. Logs go to $PM_VALGRIND_LOGS (default: a
# temporary folder, kept when something fails). Not part of the default suite: it takes
# minutes, most of them in the model commands.
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd) || exit 1
bin=$build/src/paintmask
shared=${PM_SHARED_DIR:-$here/../shared}
clipseg=$shared/data/clipseg-fixture/tiny-f32
sam=$shared/data/sam-fixture/tiny-f32

command -v valgrind >/dev/null || { echo "valgrind is not installed (build-aux/install-deps.sh --tests)"; exit 1; }
[ -x "$bin" ] || { echo "$bin: not built (meson setup build && ninja -C build)"; exit 1; }
if nm -D "$bin" 2>/dev/null | grep -q __asan_init; then
  echo "$bin is a sanitizer build; valgrind needs a plain one"; exit 1
fi
for d in "$clipseg" "$sam"; do
  [ -f "$d/model.safetensors" ] || { echo "$d: model fixture missing (PM_SHARED_DIR)"; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/paintmask-valgrind-XXXXXX")
logs=${PM_VALGRIND_LOGS:-$work/logs}
mkdir -p "$logs" "$work/photos" "$work/out"
cd "$work"

# Two 48 x 36 photos (a red and a blue square on grey texture) and the red square's mask.
base64 -d > photos/a.png <<'EOF'
iVBORw0KGgoAAAANSUhEUgAAADAAAAAkCAIAAABAJy5dAAABNklEQVR42u2XTQ6DIBCFFSYhIfE8iltP0HXdtKdw7T3ajV33eCYkXXRhS0n/nJmWQhNZDZE3Au9ThrzruqIoTteGiZHDeBLZNI21VmsthBBCWGtd91U8dQNJQCklpRzH8TJBKaeuH7tHr+JvSowxcbfkbththzbDkM21fdsytuRw3M5mXq92kwRc3gzRlFIM10iZwUVIGYMSUmZwEUbGA5mUGVyEXwfVNVLmG9TIdTC+bVLmj6BGuhYQavd6kmsBoZ5mT3Xtp1BjXAsLNeOQCgs14xwlQZ33fR+x+nmUyLIs0znqtdZLgfbHBVq0LbkbVlVVdJB9CbwpAqOABX4RmIRrdV2n8Pt5AnUqrjmoI4LsDwPezSacBHg3m4ASH+oUXAPezSagxBiTzlH/BOrof8ilQJuTnAGS3E9oSsvA7QAAAABJRU5ErkJggg==
EOF
base64 -d > photos/b.png <<'EOF'
iVBORw0KGgoAAAANSUhEUgAAADAAAAAkCAIAAABAJy5dAAABSElEQVR42u1YQQ7CIBBUICEh6Xtaeu0b1KvpK3rrM4xX9Y1NSDx4qCLZVDrSChzktERmszsz4KbbruuKori/FhKDx8IgvGkaY4xSijHGGDPG2O2neNz+CCKklJzzYRieBXI+bt3Y/vQpXhOitU5LCTn2ZigZJeRYVVVpKSEQIaV0C9ydTpu5dWtbkJLz9TCb7bi/uJCnZJbPDbAIxCMBns1CBEmEpMBdAmZzIfTaB/TkicFsLkQs78mj2lfZRgg1dUBPHtXwbNOmBnsiEI9qS00N9oQ/dwFXZH1TuyV+lW01U3tUS2Nqj2qLrn1wTx7VAt79bd/3MQfCWch/QPsPaGsPaPEpIRCBT1uRSqzrOrmRp02di2rW1AmN7B4T+LQVh0WBT1uRSnRNnYNqAp+2IrGotc7nW8yEqZO/kLwsy3z+6pVS2X1BewA6H08SWoYAAgAAAABJRU5ErkJggg==
EOF
base64 -d > truth.png <<'EOF'
iVBORw0KGgoAAAANSUhEUgAAADAAAAAkCAAAAADqLubWAAAAJElEQVR42mNgGPqAkYGB4T8aHy9gItWGUQ0jRcMoGAWjYHgBAJbOARhqC3oHAAAAAElFTkSuQmCC
EOF
printf 'image\tmask\tphrase\nphotos/a.png\ttruth.png\tthe red square\n' > index.tsv

export OPENBLAS_NUM_THREADS=1 G_SLICE=always-malloc G_DEBUG=gc-friendly
export PAINTMASK_DB=$work/history.sqlite3 XDG_DATA_HOME=$work/data
total_errors=0
total_lost=0
failed=0
n=0

# run NAME ARGS…: one command under memcheck. A command may fail on purpose (exit 1 or 2);
# only valgrind's findings count here.
run() {
  local name=$1; shift
  local log=$logs/$name.log
  if [ -n "${PM_VALGRIND_ONLY:-}" ] && [[ " $PM_VALGRIND_ONLY " != *" $name "* ]]; then
    "$bin" "$@" > "$logs/$name.out" 2>&1   # still run: later commands need its files
    return
  fi
  n=$((n + 1))
  valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --num-callers=30 --log-file="$log" \
    "$bin" "$@" > "$logs/$name.out" 2>&1
  local rc=$?
  local errors lost
  errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tail -1 | tr -d ,)
  lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1 | tr -d ,)
  errors=${errors:-?}
  lost=${lost:-0}
  printf '%-22s exit %-3s errors %-4s definitely lost %s bytes\n' "$name" "$rc" "$errors" "$lost"
  if [ "$errors" != 0 ] || [ "$lost" != 0 ]; then
    failed=$((failed + 1))
  fi
  [ "$errors" = "?" ] || total_errors=$((total_errors + errors))
  total_lost=$((total_lost + lost))
}

run edit-builtin      edit photos/a.png "paint the red square blue" -o out/e.png --mask out/m.png \
                      --soft-mask out/s.png --record --json -q
run edit-list         edit photos/a.png "paint the red square green and the blue square yellow" \
                      -o out/e2.png --mask out/m2.png --masks out/items --labels out/l.png --json -q
run edit-clipseg      edit photos/a.png "paint the square purple" --engine clipseg \
                      --model-dir "$clipseg" -o out/e3.png --mask out/m3.png --record -q
run edit-bad-input    edit truth.png "" -o out/x.png
run derive            derive photos/a.png out/e.png -o out/d.png --soft-mask out/ds.png --json
run derive-refused    derive photos/a.png truth.png -o out/d2.png
run eval              eval index.tsv --root . --json
run segment           segment photos/a.png --point 9,10 --box 2,3,20,22 --multimask \
                      --model-dir "$sam" --mask out/seg.png --logits out/seg.npy --json
run mask              mask --fill-holes --grow 2 --remove-islands 4 out/m.png -o out/mm.png --json
run model-list        model list --model-dir "$clipseg" --json
run model-info        model info --model-dir "$clipseg" --json
run model-verify      model verify --model-dir "$clipseg"
run model-tokenize    model tokenize --model-dir "$clipseg" "a photo of the red square"
run model-logits      model logits --model-dir "$clipseg" photos/a.png "the square" -o out/l.npy
run history-list      history list --json
run history-show      history show 1 --json
run history-export    history export 1 --edited out/he.png --mask out/hm.png --original out/ho.png
run history-session   history export-session 1 -o out/s.paintmask
run history-import    history import out/s.paintmask --db "$work/other.sqlite3"
run history-check     history check
run batch             batch photos --label red --label blue \
                      --instruction "segment the {label} square" --db "$work/project.paintmask" \
                      --coco out/coco.json --masks out/masks --json -q

# The remote engine against the test suite's fake editor (which answers for the evaluation
# photos): an edit, and a refused key.
fake=$build/tests/pm-fake-editor
photo=$shared/data/eval-public/coco_000000274272.jpg
if [ -x "$fake" ] && [ -f "$photo" ]; then
  coproc FAKE { exec "$fake" --index "$shared/data/eval-public/index.tsv"; }
  read -r url <&"${FAKE[0]}"
  export PAINTMASK_API_KEY=sk-valgrind-test
  run edit-remote       edit "$photo" "make the bus blue" --engine remote --endpoint "$url" \
                        -o out/r.png --mask out/rm.png --record --json -q
  run edit-remote-401   edit "$photo" "make the bus blue" --engine remote \
                        --endpoint "${url%/v1}/mode/401/v1" -o out/r2.png --record -q
  unset PAINTMASK_API_KEY
  kill "$FAKE_PID" 2>/dev/null
  wait "$FAKE_PID" 2>/dev/null
else
  echo "edit-remote: skipped ($fake or $photo missing)"
  failed=$((failed + 1))
fi

echo "valgrind memcheck: $n commands, $total_errors errors, $total_lost bytes definitely lost"
if [ "$failed" -gt 0 ]; then
  echo "logs: $logs"
  exit 1
fi
rm -rf "$work"
