#!/usr/bin/env bash
# Shows Granary doing its job on one machine: starts a local grid of a hub and 10 storage nodes (each its own
# process), stores a file on it, reads it back, checks its health, stops 7 of the 10 nodes and
# reads it back again from the 3 that are left. Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-prerequisites.sh --run
command -v dotnet >/dev/null || { echo "demo.sh: the .NET 10 SDK (dotnet) is needed to build Granary" >&2; exit 1; }
echo "building granary (dotnet publish, ReadyToRun) into artifacts/granary..."
dotnet publish src/Granary.Cli -c Release -o artifacts/granary -nologo -v quiet -clp:ErrorsOnly
granary="$PWD/artifacts/granary/granary"

work=$(mktemp -d)
cleanup() {
  "$granary" grid down --dir "$work/grid" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$granary" grid up --dir "$work/grid" --nodes 10 > "$work/grid.out" 2>&1 &
for _ in $(seq 1 120); do grep -q "client dir:" "$work/grid.out" && break; sleep 0.5; done
cat "$work/grid.out"
client="$work/grid/client"

head -c $((32 * 1024 * 1024)) /dev/urandom > "$work/sample.bin"
echo
echo "\$ granary put sample.bin            (32 MiB, encrypted and split 3-of-10)"
cap=$("$granary" put "$work/sample.bin" --client-dir "$client")
echo "$cap"

echo
echo "\$ granary get CAP -o back.bin"
"$granary" get "$cap" -o "$work/back.bin" --client-dir "$client"
cmp "$work/sample.bin" "$work/back.bin" && echo "identical to the original"

echo
echo "\$ granary check CAP"
"$granary" check "$cap" --client-dir "$client" || true

echo
echo "stopping 7 of the 10 nodes..."
for pid in $(grep -o '"Pid": [0-9]*' "$work/grid/grid.json" | head -7 | grep -o '[0-9]*'); do kill -9 "$pid"; done
echo "\$ granary get CAP -o back-again.bin"
"$granary" get "$cap" -o "$work/back-again.bin" --client-dir "$client"
cmp "$work/sample.bin" "$work/back-again.bin" && echo "still identical, read from the 3 nodes left"
