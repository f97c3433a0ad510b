#!/usr/bin/env bash
# One experiment of docs/results.md, end to end: meta-train, train the baselines on the same env-step budget,
# evaluate on the held-out tasks, copy the plots and the table into docs/.
#
#   scripts/experiment.sh NAME TRAIN_CONFIG PRETRAIN_CONFIG ORACLE_CONFIG [STOP_AFTER] [ORACLE_ENV_STEPS]
#   scripts/experiment.sh ball-nav configs/ball-nav-reptile-obsnorm.json configs/ball-nav-pretrain.json \
#     configs/ball-nav-oracle.json 50 2000000
#
# The run goes to runs/NAME; STOP_AFTER (optional) ends meta-training after that many iterations (with a
# checkpoint) on machines where the full schedule does not fit; ORACLE_ENV_STEPS (optional) caps the oracle's
# training (default: the meta-run's budget). Eval: 40 held-out tasks, k = 0..3, 3 seeds.
set -euo pipefail
name=$1 config=$2 pretrain=$3 oracle=$4 stop=${5:-} oracle_steps=${6:-}
run=runs/$name
terrarium() { node --import tsx src/cli/bin.ts "$@"; }

terrarium train --config "$config" --out "$run" ${stop:+--stop-after "$stop"}
terrarium pretrain --run "$run" --config "$pretrain"
terrarium pretrain --run "$run" --config "$oracle" --oracle ${oracle_steps:+--env-steps "$oracle_steps"}
mkdir -p "$run/eval"
terrarium eval --run "$run" --tasks 40 --k 3 --seeds 3 --plot --json > "$run/eval/eval.json"
mkdir -p docs/plots
cp "$run/eval/adaptation.svg" "docs/plots/$name-adaptation.svg"
cp "$run/eval/training.svg" "docs/plots/$name-training.svg"
cat "$run/eval/results.md"
