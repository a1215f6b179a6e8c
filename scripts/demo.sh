#!/usr/bin/env bash
# Shows Granary doing its job on this machine: builds `granary`, makes a sample file and computes
# the Tahoe-LAFS-compatible read cap an upload of it produces.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Granary.Cli -c Release -nologo -v quiet
granary="src/Granary.Cli/bin/Release/net10.0/granary"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c $((64 * 1024 * 1024)) /dev/urandom > "$work/sample.bin"
secret=$(head -c 32 /dev/urandom | base64)
echo "Capping a 64 MiB file, 3-of-10, 1 MiB segments:"
"$granary" cap "$work/sample.bin" --convergence-secret "$secret" --verify-cap --storage-index
