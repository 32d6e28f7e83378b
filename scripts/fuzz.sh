#!/usr/bin/env bash
# `npm run fuzz -- [--seconds N] [--jobs J] [target...]`: builds the libFuzzer targets of
# native/fuzz/ (clang++ -fsanitize=fuzzer,address,undefined; plain C++, no Node, no ONNX Runtime)
# into .cache/fuzz/bin, replays every regression input of native/fuzz/regressions/<target>/
# (each crash found once stays there), then fuzzes each target for N seconds (default 60),
# starting from the seeds of scripts/fuzz-seeds.ts plus what earlier runs found (.cache/fuzz/corpus).
# Targets: wordpiece bpe tokenizer_json generation (default: all). Exit status 1 on any crash;
# crashing inputs are left in .cache/fuzz/artifacts/<target>/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds=60
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(wordpiece bpe tokenizer_json generation)

CXX="${CXX_FUZZ:-clang++}"
command -v "$CXX" >/dev/null || { echo "fuzz: $CXX not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
[[ -f deps/include/nlohmann/json.hpp ]] || bash scripts/fetch-build-headers.sh
out="$root/.cache/fuzz"
mkdir -p "$out/obj" "$out/bin"
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fexceptions -Inative -Ideps/include
  -DTP_FUZZ_FIXTURES_DIR="\"$root/test/fixtures/models\"")
lib_san=(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined)
bin_san=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)

# The library code each target links, compiled once (rebuilt when a source or header is newer).
lib_sources=(native/tokenizer/*.cc native/generate/search.cc native/generate/logits_processors.cc native/kernels/kernels.cc)
newest_header=$(find native -name '*.h' -printf '%T@\n' | sort -n | tail -1)
fresh() { [[ -f "$2" && $(stat -c %Y "$1") -le $(stat -c %Y "$2") && ${newest_header%.*} -le $(stat -c %Y "$2") ]]; }
build_start=$(date +%s)
pids=()
for src in "${lib_sources[@]}"; do
  o="$out/obj/$(basename "${src%.cc}").o"
  fresh "$src" "$o" && continue
  echo "  CXX $src"
  "$CXX" "${flags[@]}" "${lib_san[@]}" -c "$src" -o "$o" &
  pids+=($!)
  if ((${#pids[@]} >= $(nproc))); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done
tok_objs=()
for src in native/tokenizer/*.cc; do tok_objs+=("$out/obj/$(basename "${src%.cc}").o"); done
gen_objs=("$out/obj/search.o" "$out/obj/logits_processors.o" "$out/obj/kernels.o")
for t in "${targets[@]}"; do
  src="native/fuzz/fuzz_$t.cc"
  [[ -f "$src" ]] || { echo "fuzz: no target $t ($src)" >&2; exit 1; }
  bin="$out/bin/fuzz_$t"
  objs=("${tok_objs[@]}")
  [[ $t == generation ]] && objs=("${gen_objs[@]}" "${tok_objs[@]}")
  if ! fresh "$src" "$bin" || [[ -n "$(find "$out/obj" -newer "$bin" -name '*.o')" ]]; then
    echo "  LINK $bin"
    "$CXX" "${flags[@]}" "${bin_san[@]}" "$src" "${objs[@]}" -o "$bin"
  fi
done
echo "fuzz: built in $(( $(date +%s) - build_start ))s"

# Seeds (cheap; rewritten each run so corpus changes in test/corpus are picked up).
node_modules/.bin/tsx scripts/fuzz-seeds.ts "$out/seeds" >/dev/null

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
status=0
for t in "${targets[@]}"; do
  bin="$out/bin/fuzz_$t"
  reg="native/fuzz/regressions/$t"
  if compgen -G "$reg/*" >/dev/null; then
    echo "fuzz: $t: replaying $(ls "$reg" | wc -l) regression inputs"
    "$bin" -runs=0 "$reg"/* >"$out/$t-regressions.log" 2>&1 || { echo "fuzz: $t: a regression input fails again:" >&2; tail -40 "$out/$t-regressions.log" >&2; status=1; continue; }
  fi
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
  max_len=4096
  [[ $t == tokenizer_json ]] && max_len=65536
  echo "fuzz: $t: ${seconds}s"
  if "$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$t/" "$out/corpus/$t" "$out/seeds/$t" >"$out/$t.log" 2>&1; then
    # The last status line: executions, coverage (edges), features, corpus size.
    grep -E '^#[0-9]+' "$out/$t.log" | tail -1 | sed "s/^/fuzz: $t: /"
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$out/$t.log" | sed "s/^/fuzz: $t: /"
  else
    echo "fuzz: $t: CRASH (log: $out/$t.log, input: $(ls -t "$out/artifacts/$t" | head -1)); copy the input to $reg/ once fixed" >&2
    grep -A30 -E 'ERROR: |fuzz check failed|runtime error' "$out/$t.log" | head -50 >&2
    status=1
  fi
done
exit $status
