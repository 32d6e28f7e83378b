#!/usr/bin/env bash
# `npm run test:asan`: builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer
# (scripts/build-sanitized.sh, into .cache/asan/Release) and runs the native test files against
# it. Node is not instrumented, so the ASan runtime is preloaded; leak detection is off here
# because Node itself does not free everything at exit (scripts/memory-check.ts covers leaks).
# Any ASan or UBSan report aborts the test process, which fails the run.
#   scripts/test-asan.sh [test files...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/build-sanitized.sh
files=("$@")
if ((${#files[@]} == 0)); then
  files=(test/02-kernels.test.ts test/03-tokenizer-wordpiece.test.ts test/16-tokenizer-bpe.test.ts test/17-generation.test.ts test/05-embeddings-reference.test.ts test/36-fused-attention-op.test.ts test/38-dense-op.test.ts test/40-last-layer-pruning.test.ts)
fi
asan_rt="$(clang -print-file-name=libclang_rt.asan-x86_64.so)"
[[ -f "$asan_rt" ]] || { echo "test:asan: ASan runtime not found ($asan_rt): apt-get install libclang-rt-14-dev" >&2; exit 1; }
start=$(date +%s)
# halt_on_error + abort: a report kills the test process, so tap sees it fail.
LD_PRELOAD="$asan_rt" \
ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_odr_violation=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" \
TICKET_PROCESSOR_NATIVE_DIR="$root/.cache/asan/Release" \
TICKET_PROCESSOR_CPU=generic \
  node_modules/.bin/tap --reporter=base "${files[@]}"
echo "test:asan: ${#files[@]} files in $(( $(date +%s) - start ))s"
