#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader: SharpFuzz instruments the project's assemblies, AFL++ (Debian's afl++)
# drives each target in tests/EdgeTiny.Fuzz for SECONDS, seeded from real files written at fuzz time.
#
#   tests/EdgeTiny.Fuzz/fuzz.sh SECONDS [OUT.json] [TARGET...]      (default: every target of `edgetiny-fuzz list`)
#
# Writes per target: executions, coverage edges found (of the instrumented total), crashes and hangs, to OUT.json.
# Exits 1 when any target saved a crash (each is replayed, with its stack trace, on stderr; findings stay in
# $EDGETINY_FUZZ_WORK/out/TARGET/default/crashes). Needs afl-fuzz on PATH and the SharpFuzz.CommandLine tool 2.3.0
# (installed into the work folder from NuGet when `sharpfuzz` is not on PATH).
# EDGETINY_FUZZ_BIN: an already built edgetiny-fuzz output folder to copy instead of building (Release).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:?usage: fuzz.sh SECONDS [OUT.json] [TARGET...]}
out_json=${2:-}
shift $(( $# >= 2 ? 2 : 1 ))
given="$*"
work=${EDGETINY_FUZZ_WORK:-$(mktemp -d /tmp/edgetiny-fuzz.XXXXXX)}
mkdir -p "$work"
command -v afl-fuzz >/dev/null || { echo "fuzz.sh: afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }

sharpfuzz=$(command -v sharpfuzz || true)
if [ -z "$sharpfuzz" ]; then
  [ -x "$work/tools/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$work/tools" >/dev/null
  sharpfuzz="$work/tools/sharpfuzz"
fi

# Two private copies of the build: "plain" writes seeds and replays crashes; "bin" is instrumented in place (its
# assemblies only run under afl-fuzz, which provides the coverage map they write to).
rm -rf "$work/plain" "$work/bin"
if [ -n "${EDGETINY_FUZZ_BIN:-}" ]; then cp -r "$EDGETINY_FUZZ_BIN" "$work/plain"
else dotnet build tests/EdgeTiny.Fuzz -c Release -o "$work/plain" -v quiet -nologo >/dev/null; fi
cp -r "$work/plain" "$work/bin"
for dll in EdgeTiny.Runtime.dll EdgeTiny.Converter.dll EdgeTiny.Host.dll edgetiny.dll; do
  "$sharpfuzz" "$work/bin/$dll" >/dev/null
done
fuzz=(dotnet "$work/bin/edgetiny-fuzz.dll")
plain=(dotnet "$work/plain/edgetiny-fuzz.dll")

rm -rf "$work/seeds" "$work/out"
"${plain[@]}" prepare "$work/seeds" >/dev/null
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <("${plain[@]}" list | cut -f1)

dict_of() {
  case "$1" in
    etb*) echo etb ;; eta) echo eta ;; llama2c*) echo llama2c ;; *-json) echo json ;; device-*) echo protocol ;;
    gguf) echo gguf ;; safetensors) echo safetensors ;; hf-tokenizer) echo hf-tokenizer ;;
  esac
}
stat_of() { awk -F' *: *' -v k="$2" '$1 == k { print $2 }' "$1"; }

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
       AFL_FAST_CAL=1
rows=()
crashed=0
for t in "${targets[@]}"; do
  mkdir -p "$work/out/$t"
  dict="tests/EdgeTiny.Fuzz/dict/$(dict_of "$t").dict"
  start=$(date +%s)
  afl-fuzz -V "$seconds" -t 5000 -m none -s 1 -i "$work/seeds/$t" -o "$work/out/$t" -x "$dict" -- "${fuzz[@]}" run "$t" \
    > "$work/out/$t.log" 2>&1 || { echo "fuzz.sh: afl-fuzz failed on $t (see $work/out/$t.log):" >&2; tail -20 "$work/out/$t.log" >&2; exit 1; }
  stats="$work/out/$t/default/fuzzer_stats"
  execs=$(stat_of "$stats" execs_done); edges=$(stat_of "$stats" edges_found); total=$(stat_of "$stats" total_edges)
  crashes=$(stat_of "$stats" saved_crashes); hangs=$(stat_of "$stats" saved_hangs); corpus=$(stat_of "$stats" corpus_count)
  echo "fuzz $t: $execs executions in $(( $(date +%s) - start )) s, $edges edges, corpus $corpus, $crashes crashes, $hangs hangs"
  if [ "${crashes:-0}" != 0 ]; then
    crashed=1
    EDGETINY_FUZZ_VERBOSE=1 "${plain[@]}" replay "$t" "$work/out/$t/default/crashes" >&2 || true
  fi
  # Crashes found earlier and fixed: their inputs are kept in regressions/TARGET (FuzzRegressionTests replays them).
  fixed=0
  [ -d "tests/EdgeTiny.Fuzz/regressions/$t" ] && fixed=$(find "tests/EdgeTiny.Fuzz/regressions/$t" -type f | wc -l)
  rows+=("{\"target\": \"$t\", \"seconds\": $seconds, \"executions\": $execs, \"edges_found\": $edges, \"edges_total\": $total, \"corpus\": $corpus, \"crashes\": $crashes, \"hangs\": $hangs, \"crashes_fixed_earlier\": $fixed}")
done

if [ -n "$out_json" ]; then
  {
    echo "{"
    echo "  \"command\": \"tests/EdgeTiny.Fuzz/fuzz.sh $seconds $out_json${given:+ $given}\","
    echo "  \"afl_fuzz\": \"$(afl-fuzz -h 2>&1 | grep -om1 '++[0-9.a-z]*' | head -1)\", \"sharpfuzz\": \"2.3.0\","
    echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
    echo "  \"targets\": ["
    for i in "${!rows[@]}"; do echo "    ${rows[$i]}$([ "$i" -lt $(( ${#rows[@]} - 1 )) ] && echo ,)"; done
    echo "  ]"
    echo "}"
  } > "$out_json"
fi
exit "$crashed"
