#!/usr/bin/env bash
# One prepared run for a lent GPU: the benchmark, then a GPU-sized subset of the full profile,
# each step timed, and a projection for the whole full profile. Sized for a lent machine's budget
# (at most 10 minutes per command, about 15 minutes in all, start-up included): every step has
# its own time limit and the script never waits on anything else.
#
#   bash benchmarks/gpu.sh                 # on the GPU machine, from the repository root
#   OUT=DIR bash benchmarks/gpu.sh         # where the numbers go (default gpu-out/)
#   DEVICE=cpu SMALL=1 bash benchmarks/gpu.sh   # a dry run of the script itself on a CPU
#
# Writes: env.txt, bench.json (+ .log), results/ (claim JSON), timings.tsv (step, rc, wall s),
# projection.txt. Paste timings.tsv and projection.txt into benchmarks/README.md.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-out}
DEVICE=${DEVICE:-cuda}
SMALL=${SMALL:-0}
mkdir -p "$OUT/results"
: > "$OUT/timings.tsv"

step() {  # step NAME LIMIT_S COMMAND...: run, time, record; a failing step does not stop the others
    local name=$1 limit=$2
    shift 2
    local t0 t1 rc
    t0=$(date +%s.%N)
    timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    printf '%s\t%s\t%.1f\n' "$name" "$rc" "$(echo "$t1 - $t0" | bc)" | tee -a "$OUT/timings.tsv"
}

python - > "$OUT/env.txt" 2>&1 <<'EOF'
import platform, torch
print("python", platform.python_version(), "torch", torch.__version__)
print("cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
EOF
command -v nvidia-smi > /dev/null && nvidia-smi >> "$OUT/env.txt" 2>&1

if [ "$SMALL" = 1 ]; then
    PROFILE=quick; BENCH_P="64 128"; THM_P=32; STEPS=300; BUDGET=1
else
    PROFILE=full; BENCH_P="256 1024 2048"; THM_P=1024; STEPS=40000; BUDGET=10
fi
RUN=(python -m checks run --device "$DEVICE" --no-progress --results "$OUT/results")

# 1. the benchmark: full vs reduced vs closed-form step, side by side (TF32 off in the closed form)
step bench 150 python benchmarks/bench_mim.py --device "$DEVICE" --P $BENCH_P --budget "$BUDGET" \
    --json "$OUT/bench.json"
# 2. Theorem 4.1 at P = 1024, one K, both signs of Delta (one replicate each: a timing, not a verdict)
step thm41_delta_pos 180 "${RUN[@]}" --claim fpc.thm4.1 --profile "$PROFILE" --replicates 1 --set P=$THM_P \
    --set 'K_values=(2,)' --set 'gaps=((0.9, 0.2),)' --set max_steps=$STEPS
step thm41_delta_neg 180 "${RUN[@]}" --claim fpc.thm4.1 --profile "$PROFILE" --replicates 1 --set P=$THM_P \
    --set 'K_values=(2,)' --set 'gaps=((0.5, 0.3),)' --set max_steps=$STEPS
# 3. the asymptotic sweeps' full profiles, one replicate, 60 s each: a step that times out (rc 124)
#    still says its full profile needs more than that on this device
#    (limits: 150 + 2 x 180 + 4 x 60 = 750 s of commands, about 13 minutes with start-up)
for claim in fpc.eq4.1 fpc.lem5.2-key fpc.sec5.4-pp fpc.thmF.3; do
    step "${claim//./_}" 60 "${RUN[@]}" --claim "$claim" --profile "$PROFILE" --replicates 1
done

# 4. projection of the whole full profile from the measured steps
python - "$OUT" > "$OUT/projection.txt" <<'EOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
rows = [line.split("\t") for line in (out / "timings.tsv").read_text().splitlines() if line]
wall = {name: float(s) for name, rc, s in rows if rc in ("0", "1")}   # 1: a claim ended in error
print("step\trc\twall_s")
for name, rc, s in rows:
    print(f"{name}\t{rc}\t{s}")
thm = [wall[k] for k in ("thm41_delta_pos", "thm41_delta_neg") if k in wall]
if thm:
    per_run = sum(thm) / len(thm)
    # full profile of fpc.thm4.1: K in (1, 2, 4, 8) x 2 signs of Delta x 5 replicates
    total = per_run * 4 * 2 * 5
    print(f"fpc.thm4.1 full profile, projected: {total / 60:.1f} min "
          f"({per_run:.1f} s per run x 4 K x 2 signs x 5 replicates; runs that stop early cost less)")
sweeps = sum(v for k, v in wall.items() if k.startswith("fpc_"))
print(f"largest sweep points (1 replicate): {sweeps:.1f} s; x5 replicates: {5 * sweeps / 60:.1f} min")
for f in sorted((out / "results").glob("*.json")):
    r = json.loads(f.read_text())
    print(f"{r['claim_id']}\t{r['verdict']}\t{r.get('scale', {}).get('badge', '')}")
EOF
cat "$OUT/projection.txt"
