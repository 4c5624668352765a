#!/bin/bash
# Grade a class on a Slurm cluster: one array task per shard, then a merge.
#
#     bash examples/slurm-array.sh submissions/ [SHARDS]
#
# run on a login node, submits the array and, depending on it, the merge.
# Each task finds its shard in SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT
# (the array may start at 0 or 1), grades it into grading/shard-<task>/
# with every CPU Slurm gave it, and a rerun regrades only what changed.
# The merged class lands in grading/class/ (gradebook.csv, summary.md, ...).
# The grader must be installed where the tasks run (python -m pip install ...).
#SBATCH --job-name=grade
#SBATCH --cpus-per-task=4
#SBATCH --time=02:00:00
#SBATCH --output=grading/slurm-%A_%a.out
set -euo pipefail

CLASS=${1:?usage: bash slurm-array.sh CLASS_DIR [SHARDS]}
SHARDS=${2:-4}

if [[ -z "${SLURM_ARRAY_TASK_ID:-}" ]]; then
    mkdir -p grading
    array=$(sbatch --parsable --array=1-"$SHARDS" "$0" "$CLASS")
    sbatch --dependency=afterok:"$array" --job-name=grade-merge --output=grading/merge-%j.out \
        --wrap "python -m grader merge grading/class grading/shard-*"
    echo "submitted array job $array ($SHARDS shards) and the merge after it"
    exit 0
fi

python -m grader "$CLASS" --batch --out "grading/shard-$SLURM_ARRAY_TASK_ID" -j "${SLURM_CPUS_PER_TASK:-1}"
