#!/usr/bin/env bash
# One-task PPO on ant (direction +x) and cheetah (direction +x), 500 k env steps, MAML reward: the shipped defaults
# on 3 seeds, the PPO settings of before 2026-12-06 on 2, and one change at a time on 1 seed (docs/locomotion.md). Two runs at a time (one per core); each writes runs/ppo-ablation/NAME.
# Summarize with: npx tsx scripts/ppo-ablation-table.ts runs/ppo-ablation
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-runs/ppo-ablation}
mkdir -p "$out"
task='{"goal":{"kind":"direction","direction":[1,0]},"dynamics":{"massScale":1,"friction":1,"motorStrength":1,"jointDamping":1,"gravityScale":1},"terrain":{"kind":"flat"}}'
run() { # name env seed learner-json policy-json
  [ -f "$out/$1/run.json" ] && [ -d "$out/$1/policy" ] && return 0
  node bin/terrarium.js train-task --env "$2" --task "$task" --steps 500000 --seed "$3" \
    --learner "$4" --policy-config "$5" --out "$out/$1" --json > "$out/$1.json" 2> "$out/$1.log"
}
jobs=(
  "ant-defaults-s0 ant 0 {} {}"
  "cheetah-defaults-s0 cheetah 0 {} {}"
  "ant-defaults-s1 ant 1 {} {}"
  "cheetah-defaults-s1 cheetah 1 {} {}"
  "ant-defaults-s2 ant 2 {} {}"
  "cheetah-defaults-s2 cheetah 2 {} {}"
  'ant-before-s0 ant 0 {"normalizeRewards":false,"numMinibatches":8} {"initLogStd":-0.5}'
  'cheetah-before-s0 cheetah 0 {"normalizeRewards":false,"numMinibatches":8} {"initLogStd":-0.5}'
  'ant-no-reward-norm-s0 ant 0 {"normalizeRewards":false} {}'
  'ant-8-minibatches-s0 ant 0 {"numMinibatches":8} {}'
  'ant-logstd-0.5-s0 ant 0 {} {"initLogStd":-0.5}'
  'ant-before-s1 ant 1 {"normalizeRewards":false,"numMinibatches":8} {"initLogStd":-0.5}'
  'cheetah-before-s1 cheetah 1 {"normalizeRewards":false,"numMinibatches":8} {"initLogStd":-0.5}'
)
lanes=${LANES:-2}
for job in "${jobs[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$lanes" ]; do wait -n; done
  # shellcheck disable=SC2086
  run $job &
done
wait
