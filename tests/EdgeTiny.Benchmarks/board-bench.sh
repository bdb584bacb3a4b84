#!/usr/bin/env bash
# Per-board costs of stories260K q8: reads, bytes and simulated SD ms per token, accounted memory and the predicted
# on-board time per token (split into native kernels, interpreted kernels, glue and SD, with and without the native
# kernels), for every profile in boards/ — once within each board's own model budget, once with every board held to the
# same 60 KB budget (so the storage timings compare on one streaming plan). Then the same prediction for the demo's
# model (as `edgetiny demo` converts it) and for one tuning step (K = 1, rank 4, 32 tokens, no rehearsal).
# Writes results/boards-own-budget.json, boards-60KB.json, boards-demo.json and tune-step-<board>.json. Needs ../shared
# beside the repo.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${EDGETINY_SHARED:-$root/../shared}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$root/converter/EdgeTiny.Cli" -c Release -m:1 -v q >/dev/null
edgetiny() { dotnet "$root/converter/EdgeTiny.Cli/bin/Release/net10.0/edgetiny.dll" "$@"; }
edgetiny convert "$shared/models/stories260K/stories260K.bin" --bits 8 -o "$work/q8.etb" >/dev/null
out="$root/tests/EdgeTiny.Benchmarks/results"
edgetiny bench "$work/q8.etb" --board all --tokens 128 --json > "$out/boards-own-budget.json"
edgetiny bench "$work/q8.etb" --board all --budget 60KB --tokens 128 --json > "$out/boards-60KB.json"
edgetiny demo -o "$work/demo" >/dev/null
edgetiny bench "$work/demo/demo.etb" --board all --tokens 128 --json > "$out/boards-demo.json"
for board in esp32-s3-devkitc-1-n8r8 esp32-wrover-kit; do
  edgetiny tune "$work/q8.etb" --text "$root/tests/data/adaptation/train.txt" --layers 1 --rank 4 --steps 4 --seq-len 32 \
    --rehearsal 0 --board "$board" -o "$work/$board.eta" --json > "$out/tune-step-$board.json"
done
echo "wrote $out/boards-own-budget.json, boards-60KB.json, boards-demo.json and tune-step-<board>.json"
