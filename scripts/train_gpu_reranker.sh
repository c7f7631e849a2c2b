#!/usr/bin/env bash
# The passage reranker on one GPU: three schedules from the shipped reader's weights run side by side
# on the groups of `docqa reranker mine`, and the one whose answer passages win most often on dev is
# named in $RUNS/best. Usage: scripts/train_gpu_reranker.sh [GROUPS]; rerunning resumes each run.
set -uo pipefail
GROUPS_FILE=${1:-runs/rerank/groups.json.gz}
RUNS=${RUNS:-runs/rerank}
DEVICE=${DEVICE:-cuda}
LIMIT=${LIMIT:-0} # seconds each run may take; 0: no limit
PY=${PY:-python3}
mkdir -p "$RUNS"

run() {
	local name=$1
	shift
	OMP_NUM_THREADS=2 timeout "$LIMIT" "$PY" -m ui reranker train --groups "$GROUPS_FILE" --out "$RUNS/$name" \
		--device "$DEVICE" "$@" >"$RUNS/$name.log" 2>&1
	echo "$name: exit $?, last: $(grep 's/step' "$RUNS/$name.log" | tail -n 1)"
}

run lr3e-5 --learning-rate 3e-5 --epochs 1 &
run lr5e-5-2ep --learning-rate 5e-5 --epochs 2 &
run lr2e-5-b32 --learning-rate 2e-5 --epochs 1 --batch-groups 32 &
wait

"$PY" "$(dirname "$0")/best_run.py" "$RUNS" dev_r1
