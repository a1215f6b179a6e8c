#!/usr/bin/env bash
# Side-by-side erasure-coding throughput on one core: Granary's codec, Intel ISA-L (through the
# small C harness in bench/isal) and zfec (Tahoe-LAFS's codec), same shapes, same method (aligned
# shards reused from pass to pass, MB/s = 10^6 bytes of file data per second), in one run.
#   bench/compare-codecs.sh            needs: libisal-dev, python3-zfec, a C compiler, the .NET SDK
# Not run by CI: it installs nothing and takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's python3-zfec lives in the system Python, which another python3 on PATH may shadow.
python=python3
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import zfec' 2>/dev/null; then python=$candidate; break; fi
done

missing=()
[[ -f /usr/include/isa-l/erasure_code.h ]] || missing+=(libisal-dev)
"$python" -c 'import zfec' 2>/dev/null || missing+=(python3-zfec)
command -v cc >/dev/null || missing+=(gcc)
if ((${#missing[@]})); then
  echo "missing: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  exit 2
fi

out=bench/out
mkdir -p "$out"
cc -O2 -o "$out/isal_bench" bench/isal/isal_bench.c -lisal
dotnet build src/Granary.Cli -c Release -nologo -v quiet
granary=src/Granary.Cli/bin/Release/net10.0/granary

# Pin every run to one core so the figures are single-core.
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$2"; }

printf '%-26s %-12s %11s %11s %11s %9s %9s %11s %11s %11s\n' shape kernel granary isa-l zfec "vs isa-l" "vs zfec" "dec granary" "dec isa-l" "dec/enc"
for shape in "3 10 349526" "10 14 104858" "29 80 36158"; do
  read -r k n shard <<<"$shape"
  total=$((4 << 30))
  g=$("${pin[@]}" "$granary" bench codec -k "$k" -n "$n" --shard-size "$shard" --total "$total" --json)
  i=$("${pin[@]}" "$out/isal_bench" "$k" "$n" "$shard" "$total")
  z=$("${pin[@]}" "$python" bench/zfec_bench.py "$k" "$n" "$shard" $((256 << 20)))
  ge=$(field encodeMBps "$g"); gd=$(field decodeMBps "$g")
  ie=$(field encodeMBps "$i"); id=$(field decodeMBps "$i")
  ze=$(field encodeMBps "$z")
  awk -v s="$k-of-$n, shard $shard" -v kern="$(field kernel "$g")" -v ge="$ge" -v ie="$ie" -v ze="$ze" -v gd="$gd" -v id="$id" 'BEGIN {
    printf "%-26s %-12s %11.0f %11.0f %11.0f %8.2fx %8.1fx %11.0f %11.0f %10.2fx\n", s, kern, ge, ie, ze, ge / ie, ge / ze, gd, id, ge / gd }'
done
echo "MB/s of file data, one core; 'dec/enc' is worst-case decode time over encode time (target <= 1.3)."
