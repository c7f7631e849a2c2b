#!/usr/bin/env bash
# Back from the GPU call (scripts/train_gpu_v2.sh): unpack each reader it packed into runs/v2/back/NAME,
# calibrate it on dev in int8 as answer() runs it (answerable questions weighted 4 to 1), and print its
# dev figures beside those of the shipped reader, calibrated the same way on a copy. A reader ships only
# if it beats the shipped one there.
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
echo "shipped: $("$DOCQA" reader calibrate "$BACK/shipped" | tail -n 1)"
for manifest in "$FROM"/*.json; do
	name=$(basename "$manifest" .json)
	"$PY" scripts/reader_transfer.py unpack "$FROM" "$name" qa/reader_model "$BACK/$name"
	echo "$name: $("$DOCQA" reader calibrate "$BACK/$name" | tail -n 1)"
done
