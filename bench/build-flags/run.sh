#!/bin/bash
# How the compiler flags of the test builds change their build time: compiles some of the heaviest files of an
# existing build tree (its compile_commands.json) with each variant, plain and sanitized, one file at a time, in turns,
# and prints each variant's time as a ratio of -O2 -g measured in the same run (docs/benchmarks.md "Build time").
#   bench/build-flags/run.sh [BUILD_DIR]    (default build-test; configure it first, e.g. cmake --preset dev)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-test}
files=(core/api/apiserver.cpp tests/core/store/tst_messagestore.cpp ui/mainwindow.cpp)
variants=("-O2 -g" "-O2 -g1" "-O1 -g1")
sanitize="-fsanitize=address,undefined -fno-omit-frame-pointer"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
command_for() {
    python3 - "$build/compile_commands.json" "$root/$1" <<'PY'
import json, shlex, sys
for entry in json.load(open(sys.argv[1])):
    if entry["file"] == sys.argv[2]:
        args = shlex.split(entry["command"])
        # The build type's optimisation and debug flags are the variant's to choose; the object goes elsewhere.
        args = [a for a in args if not (a.startswith("-O") or a.startswith("-g"))]
        i = args.index("-o")
        del args[i:i + 2]
        print(entry["directory"])
        print(shlex.join(args))
        break
PY
}
seconds() {
    local start end
    start=$(date +%s.%N)
    # A compile that fails would be timed as a quick one: it stops the run instead.
    if ! (cd "$1" && eval "$2 $3 -o $out/x.o" 2>"$out/errors"); then
        echo "compile failed ($3): $(head -5 "$out/errors")" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}
for kind in plain sanitized; do
    extra=""
    [ "$kind" = sanitized ] && extra=$sanitize
    declare -A total=()
    for file in "${files[@]}"; do
        mapfile -t cmd < <(command_for "$file")
        if [ "${#cmd[@]}" -ne 2 ]; then
            echo "$file is not in $build/compile_commands.json" >&2
            exit 1
        fi
        for variant in "${variants[@]}"; do
            t=$(seconds "${cmd[0]}" "${cmd[1]}" "$variant $extra") || exit 1
            total[$variant]=$(echo "${total[$variant]:-0} + $t" | bc)
        done
    done
    reference=${total["-O2 -g"]}
    for variant in "${variants[@]}"; do
        printf '%-10s %-8s %7.1f s  %.2f of -O2 -g\n' "$kind" "$variant" "${total[$variant]}" \
            "$(echo "${total[$variant]} / $reference" | bc -l)"
    done
    unset total
done
