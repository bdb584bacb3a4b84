#!/usr/bin/env bash
# Builds llama_baseline.c into a temp folder and greedily decodes 256 tokens (or $1) from BOS with stories260K from
# ../shared (or $EDGETINY_SHARED). Prints one JSON object with "tokens_per_second" (and the token ids).
# Extra compiler flags: BASELINE_CFLAGS="-DVECTOR_SUMS" ./run.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
shared=${EDGETINY_SHARED:-$repo/../shared}
model="$shared/models/stories260K/stories260K.bin"
steps=${1:-256}
[ -f "$model" ] || { echo "run.sh: $model not found (set EDGETINY_SHARED)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
${CC:-gcc} -O3 -march=native ${BASELINE_CFLAGS:-} -o "$tmp/llama_baseline" "$here/llama_baseline.c" -lm
"$tmp/llama_baseline" "$model" "$steps"
