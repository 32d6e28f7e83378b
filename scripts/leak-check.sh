#!/usr/bin/env bash
# LeakSanitizer over create / embed / classify / summarize / close cycles: runs
# scripts/memory-check.ts with small counts against the ASan build (scripts/build-sanitized.sh)
# with leak detection on, then reads LeakSanitizer's report at exit. Node and V8 leave memory
# unfreed at exit by design, so only leaks whose allocation stack passes through the addon's own
# code (native/...) and were allocated by it (not by Node: a napi_create_external record of a model
# object still referenced from JavaScript at exit is Node's, freed when its finalizer runs, and
# does not grow with the number of cycles). Exit 1 if there is any.
#   scripts/leak-check.sh [--enrichers N] [--embeddings N]   (defaults 20 and 2000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/build-sanitized.sh >/dev/null
asan_rt="$(clang -print-file-name=libclang_rt.asan-x86_64.so)"
report="$root/.cache/asan/leaks.txt"
args=(--enrichers 20 --embeddings 2000 --bound-mb 100000 "$@")
set +e
LD_PRELOAD="$asan_rt" \
ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:detect_odr_violation=0:log_path=$root/.cache/asan/lsan" \
LSAN_OPTIONS="report_objects=0:max_leaks=0" \
TICKET_PROCESSOR_NATIVE_DIR="$root/.cache/asan/Release" TICKET_PROCESSOR_CPU=generic \
  node --import tsx scripts/memory-check.ts "${args[@]}"
status=$?
set -e
cat "$root"/.cache/asan/lsan.* > "$report" 2>/dev/null || : > "$report"
rm -f "$root"/.cache/asan/lsan.*
# One block per leak: "Direct leak of N byte(s) in M object(s) allocated from:" + frames.
# A block is ours when a frame is in native/ and frame #1 (the caller of the allocator) is not Node.
mine='function ours(b) { return b ~ /native\// && b !~ /\n *#1 [^\n]*\(\/usr\/bin\/node\+/ }'
ours=$(awk "$mine"' /^(Direct|Indirect) leak of/ { if (ours(blk)) n++; blk = $0; next } { blk = blk "\n" $0 } END { if (ours(blk)) n++; print n + 0 }' "$report")
total=$(grep -cE '^(Direct|Indirect) leak of' "$report" || true)
summary=$(grep -E '^SUMMARY: AddressSanitizer' "$report" | tail -1 || true)
echo "leak-check: exit status $status; LeakSanitizer: ${summary:-no leaks reported}; $total leak stacks, $ours allocated by the addon's code"
if ((ours > 0)); then
  awk "$mine"' /^(Direct|Indirect) leak of/ { if (ours(blk)) print blk "\n"; blk = $0; next } { blk = blk "\n" $0 } END { if (ours(blk)) print blk }' "$report" | head -80
  exit 1
fi
grep -q 'ERROR: AddressSanitizer' "$report" && { echo "leak-check: AddressSanitizer reported an error:"; head -60 "$report"; exit 1; }
echo "leak-check: no leaks from the addon (full report: $report)"
