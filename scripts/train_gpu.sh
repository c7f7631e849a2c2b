#!/usr/bin/env bash
# Stage 4 of the shipped reader, on one GPU: four schedules from the stage-3 weights run side by side
# (a 22M-parameter model leaves a GPU mostly idle), and the one with the best dev F1 is named in
# $RUNS/best. Usage: scripts/train_gpu.sh [SQUAD_DIR]; rerunning resumes each run from its checkpoint.
set -uo pipefail
DATA=${1:-../shared/data/squad}
RUNS=${RUNS:-runs/stage4}
INIT=${INIT:-runs/reader3/final}  # the stage-3 reader
DEVICE=${DEVICE:-cuda}
EPOCH=${EPOCH:-1533}  # batches of 32 in one epoch of the stage-3 windows (49,038)
LIMIT=${LIMIT:-0}     # seconds each run may take; 0: no limit
PY=${PY:-python3}
mkdir -p "$RUNS"
common=(--init-from "$INIT" --device "$DEVICE" --data-dir "$DATA" --warmup 0.05 --seed 16
	--checkpoint-every 1000 --eval-every 1500)
negatives=(--unanswerable-repeat 3 --other-paragraph 0.15)  # as stage 3

run() {
	local name=$1
	shift
	OMP_NUM_THREADS=2 timeout "$LIMIT" "$PY" -m ui reader train --out "$RUNS/$name" "${common[@]}" "$@" >"$RUNS/$name.log" 2>&1
	echo "$name: exit $?, $(grep -c 's/step' "$RUNS/$name.log") progress lines, last: $(grep 's/step' "$RUNS/$name.log" | tail -n 1)"
}

# Three epochs of the stage-3 windows (five for "long"); "neg" sees more negatives in the same steps.
run lr5e-5 "${negatives[@]}" --learning-rate 5e-5 --max-steps $((3 * EPOCH)) &
run lr1e-4 "${negatives[@]}" --learning-rate 1e-4 --max-steps $((3 * EPOCH)) &
run lr1e-4-long "${negatives[@]}" --learning-rate 1e-4 --max-steps $((5 * EPOCH)) &
run lr1e-4-neg --unanswerable-repeat 5 --other-paragraph 0.3 --learning-rate 1e-4 --max-steps $((3 * EPOCH)) &
wait

"$PY" "$(dirname "$0")/best_run.py" "$RUNS"
