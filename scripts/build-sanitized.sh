#!/usr/bin/env bash
# Builds the generic addon variant (and cpu_features) with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into .cache/asan/Release (git-ignored), never into build/.
# The sources and flags are binding.gyp's generic target; objects are rebuilt only when a
# source or header is newer. `npm run test:asan` runs native tests against this build.
#
#   scripts/build-sanitized.sh            build (incremental)
#   JOBS=4 scripts/build-sanitized.sh     parallel compiles (default: nproc)
#
# Needs clang and libclang-rt-14-dev (Debian), the headers of scripts/fetch-build-headers.sh
# (deps/include) and Node's headers (node-gyp's nodedir, or /usr/include/node).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/.cache/asan"
obj="$out/obj"
rel="$out/Release"
mkdir -p "$obj" "$rel"

CXX="${CXX_ASAN:-clang++}"
command -v "$CXX" >/dev/null || { echo "build-sanitized: $CXX not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

node_inc=""
for d in "${NODE_INCLUDE_DIR:-}" /usr/include/node "$(dirname "$(dirname "$(command -v node)")")/include/node" "$HOME/.cache/node-gyp/$(node -p process.versions.node)/include/node"; do
  [[ -n "$d" && -f "$d/node_api.h" ]] && { node_inc="$d"; break; }
done
[[ -n "$node_inc" ]] || { echo "build-sanitized: Node headers (node_api.h) not found; set NODE_INCLUDE_DIR" >&2; exit 1; }
[[ -f deps/include/onnxruntime/onnxruntime_c_api.h ]] || bash scripts/fetch-build-headers.sh

napi_inc="$(node -p "require('node-addon-api').include_dir")"
san=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
common=(-std=c++17 -fexceptions -fPIC -O1 -g -fvisibility=hidden -Wall -Wextra -Wno-unused-parameter
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS
  -I"$node_inc" -I"$napi_inc" -Inative -Ideps/include/onnxruntime -Ideps/include "${san[@]}")
arch=()
[[ "$(uname -m)" == x86_64 ]] && arch=(-march=x86-64 -mtune=generic)

# binding.gyp's addon_sources, read from the file itself so the two cannot drift apart.
mapfile -t addon_sources < <(node -e '
  const fs = require("fs");
  const text = fs.readFileSync("binding.gyp", "utf8").replace(/^\s*#.*$/gm, "");
  const list = text.match(/"addon_sources":\s*\[([\s\S]*?)\]/)[1];
  for (const m of list.matchAll(/"(native\/[^"]+\.cc)"/g)) console.log(m[1]);
  for (const f of fs.readdirSync("native/tokenizer").filter((f) => f.endsWith(".cc")).sort()) console.log("native/tokenizer/" + f);
')

# Flags changed (this script edited): everything is rebuilt.
stamp="$(printf '%s\n' "$CXX" "${common[@]}" "${arch[@]}" | sha256sum | cut -c1-16)-$(sha256sum "$0" | cut -c1-16)"
if [[ "$(cat "$obj/flags" 2>/dev/null)" != "$stamp" ]]; then rm -rf "$obj"; mkdir -p "$obj"; echo "$stamp" > "$obj/flags"; fi

newest_header=$(find native deps/include/onnxruntime -name '*.h' -printf '%T@\n' | sort -n | tail -1)
compile() { # src objfile extra-flags...
  local src=$1 o=$2; shift 2
  if [[ -f "$o" ]]; then
    local ot; ot=$(stat -c %Y "$o")
    if [[ $(stat -c %Y "$src") -le $ot && ${newest_header%.*} -le $ot ]]; then return 0; fi
  fi
  echo "  CXX $src"
  "$CXX" "${common[@]}" "$@" -c "$src" -o "$o"
}
export -f compile
export CXX newest_header
jobs="${JOBS:-$(nproc)}"
start=$(date +%s)
echo "build-sanitized: $CXX ${san[*]} -> $rel (jobs $jobs)"

rm -f "$obj/FAILED"
throttle() { while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done; }
for src in "${addon_sources[@]}"; do
  o="$obj/generic/${src//\//_}.o"
  mkdir -p "$obj/generic"
  { compile "$src" "$o" "${arch[@]}" '-DTP_VARIANT="generic"' -DNODE_GYP_MODULE_NAME=ticket_processor_generic || touch "$obj/FAILED"; } &
  throttle
done
for src in native/cpu.cc native/cpu_addon.cc; do
  mkdir -p "$obj/cpu"
  { compile "$src" "$obj/cpu/${src//\//_}.o" -DNODE_GYP_MODULE_NAME=cpu_features || touch "$obj/FAILED"; } &
  throttle
done
wait
[[ ! -f "$obj/FAILED" ]] || { echo "build-sanitized: compilation failed" >&2; exit 1; }

# Shared objects: undefined Node symbols are resolved by the node binary at dlopen time.
"$CXX" -shared "${san[@]}" -shared-libasan -o "$rel/ticket_processor_generic.node" "$obj"/generic/*.o -ldl
"$CXX" -shared "${san[@]}" -shared-libasan -o "$rel/cpu_features.node" "$obj"/cpu/*.o
echo "build-sanitized: done in $(( $(date +%s) - start ))s"
