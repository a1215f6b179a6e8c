#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Granary needs at run time and in its tests, if missing.
#   libsecp256k1-1             secp256k1 keys and bitcoin signed messages (Bitcoin Core's library)
#   postgresql                 the hub's large-grid database; its tests run against a real server
#   chromium, chromium-driver  the hub dashboard's browser tests (headless)
#   wrk                        the hub's load benchmark (granary bench hub)
set -euo pipefail

packages=(libsecp256k1-1 postgresql chromium chromium-driver wrk)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

if ! command -v apt-get >/dev/null; then
  echo "Please install: ${missing[*]} (no apt-get here)" >&2
  exit 1
fi

sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "Installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
  || { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" apt-get install -y -q "${missing[@]}" >/dev/null; }
