#!/usr/bin/env bash
# Fetch the C/C++ headers the addon is compiled against into deps/include (git-ignored):
#   - ONNX Runtime's C API (Debian trixie's libonnxruntime-dev, ORT 1.21 = ORT_API_VERSION 21;
#     the addon asks the runtime for API 21 at init, so any runtime >= 1.21 works with it);
#   - nlohmann/json (Debian's nlohmann-json3-dev), used to read tokenizer.json.
# Only headers are taken: the ONNX Runtime library itself is loaded at run time (dlopen).
# ORT_INCLUDE_DIR / NLOHMANN_JSON_INCLUDE_DIR point at existing headers instead (Nix, system installs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/deps/include"
work="$root/deps/.apt"
suite="${TICKET_PROCESSOR_HEADERS_SUITE:-trixie}"
mirror="${TICKET_PROCESSOR_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

need_ort=1
need_json=1
if [[ -n "${ORT_INCLUDE_DIR:-}" ]]; then
  [[ -f "$ORT_INCLUDE_DIR/onnxruntime_c_api.h" ]] || { echo "ORT_INCLUDE_DIR=$ORT_INCLUDE_DIR has no onnxruntime_c_api.h" >&2; exit 1; }
  need_ort=0
elif [[ -f "$dest/onnxruntime/onnxruntime_c_api.h" ]]; then
  need_ort=0
fi
if [[ -n "${NLOHMANN_JSON_INCLUDE_DIR:-}" ]]; then
  [[ -f "$NLOHMANN_JSON_INCLUDE_DIR/nlohmann/json.hpp" ]] || { echo "NLOHMANN_JSON_INCLUDE_DIR=$NLOHMANN_JSON_INCLUDE_DIR has no nlohmann/json.hpp" >&2; exit 1; }
  need_json=0
elif [[ -f "$dest/nlohmann/json.hpp" ]]; then
  need_json=0
fi
[[ $need_ort == 0 && $need_json == 0 ]] && exit 0

command -v apt-get >/dev/null && command -v dpkg >/dev/null || {
  cat >&2 <<MSG
ticket-processor: building the addon needs the ONNX Runtime C API headers (1.21 or newer) and
nlohmann/json. This script fetches them with apt-get and dpkg, which this machine lacks.
Install them yourself and set ORT_INCLUDE_DIR (folder holding onnxruntime_c_api.h) and
NLOHMANN_JSON_INCLUDE_DIR (folder holding nlohmann/json.hpp), then rebuild.
MSG
  exit 1
}

packages=()
[[ $need_ort == 1 ]] && packages+=(libonnxruntime-dev)
[[ $need_json == 1 ]] && packages+=(nlohmann-json3-dev)
echo "ticket-processor: fetching build headers (${packages[*]}) from Debian $suite" >&2

mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$dest"
echo "deb $mirror $suite main" > "$work/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "APT::Sandbox::User=root"
  -o "Debug::NoLocking=1"
)
apt-get "${apt_opts[@]}" -qq update
(cd "$work" && apt-get "${apt_opts[@]}" -qq download "${packages[@]}")

for deb in "$work"/*.deb; do
  rm -rf "$work/x" && dpkg -x "$deb" "$work/x"
  if [[ -d "$work/x/usr/include/onnxruntime" ]]; then
    rm -rf "$dest/onnxruntime" && cp -r "$work/x/usr/include/onnxruntime" "$dest/onnxruntime"
  fi
  if [[ -d "$work/x/usr/include/nlohmann" ]]; then
    rm -rf "$dest/nlohmann" && cp -r "$work/x/usr/include/nlohmann" "$dest/nlohmann"
  fi
done
rm -rf "$work"
[[ -f "$dest/onnxruntime/onnxruntime_c_api.h" || $need_ort == 0 ]] || { echo "libonnxruntime-dev did not contain onnxruntime_c_api.h" >&2; exit 1; }
[[ -f "$dest/nlohmann/json.hpp" || $need_json == 0 ]] || { echo "nlohmann-json3-dev did not contain nlohmann/json.hpp" >&2; exit 1; }
echo "ticket-processor: headers in $dest" >&2
