#!/usr/bin/env bash
# A fifth stage of the reader, tried on one GPU and not shipped (the model card says why): eight schedules
# from the stage-4 weights, four at a time side by side, all but the control adding answer-removed
# negatives (`--answer-removed`); the one with the best dev F1 (fp32, as the runs print it) is named in
# $RUNS/best.
# Usage: scripts/train_gpu_stage5.sh [SQUAD_DIR]; rerunning resumes each run from its checkpoint.
set -uo pipefail
DATA=${1:-../shared/data/squad}
RUNS=${RUNS:-runs/stage5}
INIT=${INIT:-runs/reader4/final}  # the stage-4 reader (`make train`), shipped as qa/reader_model
DEVICE=${DEVICE:-cuda}
LIMIT=${LIMIT:-0}  # seconds each run may take; 0: no limit
PY=${PY:-python3}
mkdir -p "$RUNS"
common=(--init-from "$INIT" --device "$DEVICE" --data-dir "$DATA" --warmup 0.05 --unanswerable-repeat 5
	--checkpoint-every 1000 --eval-every 1500)
stage4=(--other-paragraph 0.3 --learning-rate 5e-5 --seed 17)

run() {
	local name=$1
	shift
	OMP_NUM_THREADS=2 timeout "$LIMIT" "$PY" -m ui reader train --out "$RUNS/$name" "${common[@]}" "$@" >"$RUNS/$name.log" 2>&1
	echo "$name: exit $?, last: $(grep 's/step' "$RUNS/$name.log" | tail -n 1)"
}

run control "${stage4[@]}" --max-steps 3000 &
run removed0.3 "${stage4[@]}" --max-steps 3000 --answer-removed 0.3 &
run removed0.6 "${stage4[@]}" --max-steps 3000 --answer-removed 0.6 &
run removed1.0 "${stage4[@]}" --max-steps 3000 --answer-removed 1.0 &
wait
run s5000 "${stage4[@]}" --max-steps 5000 --answer-removed 0.6 &
run lr1e-4 --other-paragraph 0.3 --learning-rate 1e-4 --seed 17 --max-steps 3000 --answer-removed 0.6 &
run op0.5 --other-paragraph 0.5 --learning-rate 5e-5 --seed 17 --max-steps 3000 --answer-removed 0.6 &
run seed18 --other-paragraph 0.3 --learning-rate 5e-5 --seed 18 --max-steps 3000 --answer-removed 0.6 &
wait

"$PY" "$(dirname "$0")/best_run.py" "$RUNS"
