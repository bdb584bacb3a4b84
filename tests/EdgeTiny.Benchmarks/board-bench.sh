#!/usr/bin/env bash
# Per-board costs of stories260K q8: reads, bytes and simulated SD ms per token, accounted memory and the predicted
# on-board tokens/s, for every profile in boards/ — once within each board's own model budget, once with every board
# held to the same 60 KB budget (so the storage timings compare on one streaming plan).
# Writes results/boards-own-budget.json and results/boards-60KB.json. Needs ../shared beside the repo.
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
echo "wrote $out/boards-own-budget.json and $out/boards-60KB.json"
