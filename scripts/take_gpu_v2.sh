#!/usr/bin/env bash
# Back from the GPU call (scripts/train_gpu_v2.sh): unpack each reader it packed into runs/v2/back/NAME,
# calibrate it on dev in int8 as answer() runs it (answerable questions weighted 4 to 1, refusing no more
# answerable questions than the shipped reader does), and print its dev figures beside those of the
# shipped reader, calibrated the same way on a copy. A reader ships only if it beats the shipped one there.
# Usage: scripts/take_gpu_v2.sh FOLDER   (FOLDER: where the device call's files landed)
set -euo pipefail
FROM=${1:?usage: scripts/take_gpu_v2.sh FOLDER}
PY=${PY:-.venv/bin/python}
DOCQA=${DOCQA:-.venv/bin/docqa}
BACK=runs/v2/back
mkdir -p "$BACK"
cat "$FROM/summary.txt"
rm -rf "$BACK/shipped"
cp -r qa/reader_model "$BACK/shipped"
# refitted as it was fitted to ship: under its own cap, if it had one
own_cap=$("$PY" -c "import json; print(json.load(open('$BACK/shipped/calibration.json')).get('max_refused') or '')")
shipped=$("$DOCQA" reader calibrate "$BACK/shipped" ${own_cap:+--max-refused "$own_cap"} --json)
# print the shipped reader's dev figures; its refusals as a share at full precision (50 of 909: 5.50055...) are the cap
cap=$("$PY" -c '
import json, sys
f = json.loads(sys.argv[1])
share = f["calibration"]["refused"]
print("shipped: weighted F1 {weighted_f1:.2f}, F1 {f1:.2f}, answerable refused {share:.1f}% ({refused_count} of {answerable})".format(share=share, **f), file=sys.stderr)
print(repr(share))' "$shipped")
for manifest in "$FROM"/*.json; do
	name=$(basename "$manifest" .json)
	"$PY" scripts/reader_transfer.py unpack "$FROM" "$name" qa/reader_model "$BACK/$name"
	echo "$name: $("$DOCQA" reader calibrate "$BACK/$name" --max-refused "$cap" | tail -n 1)"
done
