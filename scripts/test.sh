#!/usr/bin/env bash
# Runs every Granary test in a Release build and ends with one line: "N passed, M failed".
#   scripts/test.sh          everything, slow suites included (what CI runs)
#   scripts/test.sh --fast   skips tests tagged Category=Slow
# Extra arguments after the options go to `dotnet test` (e.g. --filter FullyQualifiedName~Cap).
set -uo pipefail
cd "$(dirname "$0")/.."

filter=()
if [[ "${1:-}" == "--fast" ]]; then
  filter=(--filter "Category!=Slow")
  shift
fi

results="artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build Granary.slnx -c Release -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

# The hub's tests run against a real PostgreSQL too: unless one is given, a private throw-away
# server in a temporary directory, stopped and deleted when the tests end (the system's own
# PostgreSQL service is never touched).
if [[ -z "${GRANARY_TEST_POSTGRES:-}" ]]; then
  pgdir=$(mktemp -d /tmp/granary-test-postgres.XXXXXX)
  trap './scripts/start-postgres.sh --stop "$pgdir"; rm -rf "$pgdir"' EXIT
  if url=$(./scripts/start-postgres.sh "$pgdir"); then
    export GRANARY_TEST_POSTGRES="$url"
  else
    echo "test.sh: no PostgreSQL server could be started; the PostgreSQL tests will fail" >&2
  fi
fi

dotnet test Granary.slnx -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  "${filter[@]}" "$@"
status=$?

# The same Core tests again with each SIMD path switched off, so every fallback (GFNI -> AVX-512BW
# -> AVX2 -> SSSE3/scalar kernels, AES-NI -> platform AES, 16-lane -> one-stream SHA-256) runs on
# this CPU too. These are .NET 10's knobs; DOTNET_EnableAVX512F is no longer read.
for knob in DOTNET_EnableGFNI DOTNET_EnableAVX512 DOTNET_EnableAVX2 DOTNET_EnableAES DOTNET_EnableHWIntrinsic; do
  env "$knob=0" dotnet test test/Granary.Core.Tests -c Release --no-build -nologo \
    --logger "trx;LogFileName=core-without-${knob#DOTNET_Enable}.trx" --logger "console;verbosity=quiet" \
    --results-directory "$results" "${filter[@]}" || status=1
done

# Sum the counters of every test assembly's TRX report.
passed=0
failed=0
reports=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  reports=$((reports + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${a:-0}))
done

# A crashed test host can leave no report behind; never let that read as success.
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  failed=1
fi
if [[ $reports -eq 0 ]]; then
  failed=$((failed > 0 ? failed : 1))
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
