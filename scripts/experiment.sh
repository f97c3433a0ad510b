#!/usr/bin/env bash
# One experiment of docs/results.md, end to end: meta-train with each seed, train the pretrained baseline of each
# run on the same env-step budget, train the oracle once (if an oracle config is given), evaluate every run on the
# held-out tasks, and print the tables pooled over the seeds.
#
#   scripts/experiment.sh NAME TRAIN_CONFIG [ORACLE_CONFIG|-] [SEEDS] [EVAL_FLAGS...]
#   scripts/experiment.sh ball-nav configs/ball-nav/ablations/reptile.json configs/ball-nav/oracle.json "0 1 2"
#   scripts/experiment.sh cheetah-vel configs/cheetah-vel/ablations/reptile-short.json - "0" --tasks 20 --seeds 3
#
# Runs go to runs/NAME-sSEED (the oracle to runs/NAME-oracle, adopted by each run: pretrain --from); eval defaults: 40 held-out
# tasks, k = 0..3, 3 eval seeds. Plots: runs/NAME-sSEED/eval/*.svg.
# PRETRAIN_CONFIG=FILE trains each run's pretrained baseline with `--config FILE` (a suite's pretrain.json: the
# domain-randomization baseline). SPLITS="test harder" also evaluates the harder split (RUN/eval-harder/) and prints
# its tables apart, as NAME-harder (docs/benchmark-suite.md).
set -euo pipefail
name=$1 config=$2 oracle=${3:--} seeds=${4:-0}
shift $(( $# < 4 ? $# : 4 ))
eval_flags=("$@")
[ ${#eval_flags[@]} -eq 0 ] && eval_flags=(--tasks 40 --k 3 --seeds 3)
terrarium() { node bin/terrarium.js "$@"; }

if [ "$oracle" != - ]; then
  terrarium train --config "$oracle" --out "runs/$name-oracle"
fi
runs=()
for seed in $seeds; do
  run=runs/$name-s$seed
  terrarium train --config "$config" --out "$run" --seed "$seed"
  terrarium pretrain --run "$run" ${PRETRAIN_CONFIG:+--config "$PRETRAIN_CONFIG"}
  # The one oracle becomes each run's (widened with the run's context inputs for a context run).
  if [ "$oracle" != - ]; then terrarium pretrain --run "$run" --oracle --from "runs/$name-oracle" --force; fi
  mkdir -p "$run/eval"
  terrarium eval --run "$run" --plot --json "${eval_flags[@]}" > "$run/eval/eval.json"
  for split in ${SPLITS:-test}; do
    [ "$split" = test ] && continue
    mkdir -p "$run/eval-$split"
    terrarium eval --run "$run" --split "$split" --plot --json "${eval_flags[@]}" > "$run/eval-$split/eval.json"
  done
  runs+=("$run")
done
npx tsx scripts/results-tables.ts "$name=$(IFS=+; echo "${runs[*]}")"
for split in ${SPLITS:-test}; do
  [ "$split" = test ] && continue
  dirs=("${runs[@]/%//eval-$split}")
  npx tsx scripts/results-tables.ts "$name-$split=$(IFS=+; echo "${dirs[*]}")"
done
