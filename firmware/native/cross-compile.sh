#!/usr/bin/env bash
# MCU cross-compile check of the kernel sources: compile only (-c -Os, C99, warnings as errors, freestanding: the
# kernels need no libc), for 32-bit RISC-V like the ESP32-C3/C6 (rv32imc, no FPU: float math becomes libgcc soft-float
# calls at link time) and with the F extension (rv32imafc/ilp32f, hardware single precision like the ESP32-S3's and
# the P4's FPUs). Prints one JSON object: per target, the size of every object (riscv64-unknown-elf-size) and the
# symbols it needs from elsewhere (libgcc helpers). Fails on any compiler error or warning.
#
#   firmware/native/cross-compile.sh                      # the two default targets
#   firmware/native/cross-compile.sh rv32imac:ilp32 ...   # other march:mabi pairs
#   CROSS=riscv64-unknown-elf- (default)                  # toolchain prefix (Debian: apt-get install gcc-riscv64-unknown-elf)
set -euo pipefail
shopt -s inherit_errexit
here="$(cd "$(dirname "$0")" && pwd)"
cross="${CROSS:-riscv64-unknown-elf-}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(rv32imc:ilp32 rv32imafc:ilp32f)
sources=("$here"/src/*.c)

for tool in gcc size nm; do
  command -v "${cross}${tool}" >/dev/null || { echo "cross-compile: ${cross}${tool} not found (apt-get install gcc-riscv64-unknown-elf)" >&2; exit 2; }
done

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

json_list() { # "a b c" -> ["a","b","c"]
  local first=1 s="["
  for x in $1; do
    [ $first -eq 1 ] || s+=","
    s+="\"$x\""; first=0
  done
  echo "$s]"
}

emit() {
printf '{"compiler":"%s","flags":"-std=c99 -Os -ffreestanding -Wall -Wextra -Werror -pedantic -Wdouble-promotion","targets":[' \
  "$("${cross}gcc" --version | head -1 | sed 's/"/\\"/g')"
first_target=1
for target in "${targets[@]}"; do
  march="${target%%:*}" mabi="${target##*:}"
  dir="$out/$march"
  mkdir -p "$dir"
  objects=()
  for src in "${sources[@]}"; do
    obj="$dir/$(basename "${src%.c}").o"
    "${cross}gcc" -march="$march" -mabi="$mabi" -std=c99 -Os -ffreestanding -Wall -Wextra -Werror -pedantic -Wdouble-promotion \
      -I"$here/include" -c "$src" -o "$obj"
    objects+=("$obj")
  done
  [ $first_target -eq 1 ] || printf ','
  first_target=0
  printf '{"march":"%s","mabi":"%s","objects":{' "$march" "$mabi"
  total=0 first_obj=1
  # size (Berkeley format): text data bss dec hex filename
  while read -r text data bss dec _hex file; do
    [ $first_obj -eq 1 ] || printf ','
    first_obj=0
    printf '"%s":{"text":%d,"data":%d,"bss":%d}' "$(basename "$file")" "$text" "$data" "$bss"
    total=$((total + dec))
  done < <("${cross}size" "${objects[@]}" | tail -n +2)
  # Symbols none of the objects defines: what the link must bring (libgcc's soft-float helpers without an FPU).
  helpers="$(comm -23 <("${cross}nm" -u "${objects[@]}" | awk '/ U /{print $2}' | sort -u) \
                      <("${cross}nm" --defined-only "${objects[@]}" | awk 'NF==3{print $3}' | sort -u) | tr '\n' ' ')"
  printf '},"total_bytes":%d,"external_symbols":%s}' "$total" "$(json_list "$helpers")"
done
printf ']}\n'
}

json="$(emit)" # all or nothing: no half object on stdout when a compile fails
echo "$json"
