#!/usr/bin/env bash
# Reader v2 on one lent GPU, in one device call: unpack the carried train data, tokenize it once,
# train four runs side by side from the shipped reader on the whole train part, each ending on the
# clock with its schedule complete and calibrated on dev (answerable questions weighted 4 to 1, refusing
# no more answerable dev questions than the shipped reader does), name the best there, and pack the
# best two for the trip back: eight files at most come back, and
# these are summary.txt, logs.txt and, per reader, NAME.json with its parts NAME.0 and NAME.1.
#
# Usage: scripts/train_gpu_v2.sh DATA OUT
#   DATA  the SQuAD folder, or the archive of `python scripts/squad_payload.py pack` (.carry/squad-train.tar.xz)
#   OUT   where the packed readers, the ranking and the logs go ($OUT on the device machine)
# Settings from the environment: PY (python3), DEVICE (cuda), BUDGET (seconds for the whole script,
# 480), RESERVE (seconds kept for calibration and packing after the steps, 90), RUNS (runs/v2),
# BATCH (64), EPOCHS (the most epochs a run may take, 3), TOKENIZE_WORKERS (one per core).
set -uo pipefail
DATA=${1:?usage: scripts/train_gpu_v2.sh DATA OUT}
OUT_DIR=${2:?usage: scripts/train_gpu_v2.sh DATA OUT}
PY=${PY:-python3}
DEVICE=${DEVICE:-cuda}
BUDGET=${BUDGET:-480}
RESERVE=${RESERVE:-90}
RUNS=${RUNS:-runs/v2}
BATCH=${BATCH:-64}
EPOCHS=${EPOCHS:-3}
INIT=qa/reader_model
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
start=$(date +%s)
mkdir -p "$RUNS" "$OUT_DIR"
log() { echo "[$(($(date +%s) - start)) s] $*" | tee -a "$OUT_DIR/summary.txt"; }

log "$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
if [[ -f $DATA ]]; then
	DATA=$("$PY" scripts/squad_payload.py unpack "$DATA" "$RUNS/squad") || exit 1
fi
# The negatives at the largest share any run takes; each run draws its own share of them.
"$PY" -m ui reader prepare --data-dir "$DATA" --out "$RUNS/windows.npz" --other-paragraph 0.3 --answer-removed 0.6 \
	${TOKENIZE_WORKERS:+--workers "$TOKENIZE_WORKERS"} >"$RUNS/prepare.log" 2>&1 || { tail -n 20 "$RUNS/prepare.log"; exit 1; }
log "prepared: $(tail -n 1 "$RUNS/prepare.log")"

limit=$((BUDGET - ($(date +%s) - start) - RESERVE))
windows=$("$PY" -c "import numpy as np; print(len(np.load('$RUNS/windows.npz')['context_start']))")
steps=$((EPOCHS * windows / BATCH))  # an upper bound: the clock ends each run first unless the GPU is fast
log "each run: ${limit} s of steps, at most $steps steps of $BATCH windows"
# The share of answerable dev questions the shipped reader refuses (its calibration.json) caps every run's threshold.
cap=$("$PY" -c "import json; print(json.load(open('$INIT/calibration.json')).get('refused') or '')")
log "threshold cap: ${cap:-none} % of the answerable dev questions refused"
common=(--init-from "$INIT" --windows "$RUNS/windows.npz" --data-dir "$DATA" --device "$DEVICE" --batch-size "$BATCH"
	--max-steps "$steps" --time-limit "$limit" --warmup 0.05 --eval-every 0 --checkpoint-every 100000 --unanswerable-repeat 5
	${cap:+--max-refused "$cap"})

run() {
	local name=$1
	shift
	"$PY" -m ui reader train --out "$RUNS/$name" "${common[@]}" "$@" >"$RUNS/$name.log" 2>&1
	log "$name: exit $?; $(grep 's/step' "$RUNS/$name.log" | tail -n 1)"
}

# How to treat the 9,438 answers whose start was guessed (keep / any / drop), and one mix with fewer negatives.
run any --ambiguous any --learning-rate 1e-4 --other-paragraph 0.3 --answer-removed 0.3 --seed 21 &
run keep --ambiguous keep --learning-rate 1e-4 --other-paragraph 0.3 --answer-removed 0.3 --seed 21 &
run drop --ambiguous drop --learning-rate 1e-4 --other-paragraph 0.3 --answer-removed 0.3 --seed 21 &
run any-fewneg --ambiguous any --learning-rate 1e-4 --other-paragraph 0.15 --answer-removed 0.15 --seed 22 &
wait

"$PY" scripts/best_run.py "$RUNS" | tee -a "$OUT_DIR/summary.txt"
for name in $(head -n 2 "$RUNS/ranking" 2>/dev/null); do
	"$PY" scripts/reader_transfer.py pack "$RUNS/$name/final" "$INIT" "$OUT_DIR" "$name" | tee -a "$OUT_DIR/summary.txt"
done
tail -n 4 "$RUNS"/*.log "$RUNS"/*/metrics.jsonl >"$OUT_DIR/logs.txt" 2>&1
log "done"
