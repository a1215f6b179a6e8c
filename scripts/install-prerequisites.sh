#!/usr/bin/env bash
# Installs, with apt-get, the Debian/Ubuntu packages Granary needs that are missing, and says which
# and why before it does. Nothing is installed that is already there.
#   scripts/install-prerequisites.sh          what the tests need (CI runs this)
#   scripts/install-prerequisites.sh --run    only what running Granary needs (scripts/demo.sh runs this)
#
#   libsecp256k1-1             running: secp256k1 keys and bitcoin signed messages (Bitcoin Core's library)
#   postgresql                 tests: the hub's large-grid database; its tests use a real server
#   chromium, chromium-driver  tests: the hub dashboard's browser tests (headless)
#   wrk                        tests: the hub's load benchmark (granary bench hub)
#   curl                       tests: the gateway's documented curl examples (docs/gateway.md)
set -euo pipefail

packages=(libsecp256k1-1)
purpose="to run Granary"
if [[ "${1:-}" != "--run" ]]; then
  packages+=(postgresql chromium chromium-driver wrk curl)
  purpose="to run Granary and its tests"
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

if ! command -v apt-get >/dev/null; then
  echo "Granary needs these packages $purpose: ${missing[*]} (no apt-get here: please install them)" >&2
  exit 1
fi

sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "Installing ${missing[*]} with apt-get${sudo:+ (through sudo)}: needed $purpose" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
  || { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" apt-get install -y -q "${missing[@]}" >/dev/null; }
