#!/usr/bin/env bash
# Side-by-side erasure-coding throughput on one core: Granary's codec, Intel ISA-L (through the
# small C harness in bench/isal) and zfec (Tahoe-LAFS's codec), same shapes, same method (aligned
# shards reused from pass to pass, MB/s = 10^6 bytes of file data per second), in one run.
#   bench/compare-codecs.sh            needs: libisal-dev, python3-zfec, a C compiler, the .NET SDK
#   bench/compare-codecs.sh --json     one JSON object per shape (every figure and ratio) instead of the table
# Not run by CI: it installs nothing and takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
json=0
[[ "${1:-}" == --json ]] && json=1

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
dotnet build src/Granary.Cli -c Release -nologo -v quiet >&2
granary=src/Granary.Cli/bin/Release/net10.0/granary

# Pin every run to one core so the figures are single-core.
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$2"; }

# Decode is measured twice: the best pattern (one data share lost) and the worst (every parity
# share used); Granary's worst is the slowest of several layouts of the lost shares, ISA-L's speed
# does not depend on the layout. Every ratio is Granary over ISA-L (or zfec) in this run, but
# "vs xor": Granary's best decode over XORing the same k shares into one block (the memory traffic
# of the best decode with no multiply), which says whether the memory or the arithmetic is the limit.
((json)) || printf '%-24s %-12s %8s %8s %6s %7s | %8s %8s %6s %6s | %8s %8s %6s  %s\n' \
  shape kernel encode isa-l ratio "vs zfec" "dec best" isa-l ratio "vs xor" "dec worst" isa-l ratio "worst layout"
for shape in "3 10 349526" "10 14 104858" "29 80 36158"; do
  read -r k n shard <<<"$shape"
  total=$((4 << 30))
  g=$("${pin[@]}" "$granary" bench codec -k "$k" -n "$n" --shard-size "$shard" --total "$total" --json)
  i=$("${pin[@]}" "$out/isal_bench" "$k" "$n" "$shard" "$total")
  z=$("${pin[@]}" "$python" bench/zfec_bench.py "$k" "$n" "$shard" $((256 << 20)))
  worst=$(sed -n 's/.*"decodeWorst": *{\([^}]*\)}.*/\1/p' <<<"$g")
  best=$(sed -n 's/.*"decodeBest": *{\([^}]*\)}.*/\1/p' <<<"$g")
  lost=$(sed -n 's/.*"lostDataShares": *\[\([^]]*\)\].*/\1/p' <<<"$worst")
  layout="$(field pattern "$worst") [$lost]"
  ((k > 8)) && [[ "$lost" == "$(seq -s, 0 $((k - 1)))" ]] && layout="every data share"
  awk -v s="$k-of-$n/$shard" -v kern="$(field kernel "$g")" -v layout="$layout" \
    -v ge="$(field encodeMBps "$g")" -v ie="$(field encodeMBps "$i")" -v ze="$(field encodeMBps "$z")" \
    -v gb="$(field throughputMBps "$best")" -v ib="$(field decodeBestMBps "$i")" -v gx="$(field xorCeilingMBps "$g")" \
    -v gw="$(field throughputMBps "$worst")" -v iw="$(field decodeWorstMBps "$i")" -v json="$json" -v k="$k" -v n="$n" -v shard="$shard" 'BEGIN {
    if (json) {
      printf "{\"k\":%d,\"n\":%d,\"shardSize\":%d,\"kernel\":\"%s\",\"encodeMBps\":%.0f,\"isalEncodeMBps\":%.0f,\"zfecEncodeMBps\":%.0f,", k, n, shard, kern, ge, ie, ze
      printf "\"decodeBestMBps\":%.0f,\"isalDecodeBestMBps\":%.0f,\"xorCeilingMBps\":%.0f,\"decodeWorstMBps\":%.0f,\"isalDecodeWorstMBps\":%.0f,\"worstLayout\":\"%s\",", gb, ib, gx, gw, iw, layout
      printf "\"encodeVsIsal\":%.3f,\"encodeVsZfec\":%.1f,\"decodeBestVsIsal\":%.3f,\"decodeBestVsXor\":%.3f,\"decodeWorstVsIsal\":%.3f}\n", ge / ie, ge / ze, gb / ib, gb / gx, gw / iw
      exit
    }
    printf "%-24s %-12s %8.0f %8.0f %5.2fx %6.0fx | %8.0f %8.0f %5.2fx %5.2fx | %8.0f %8.0f %5.2fx  %s\n",
      s, kern, ge, ie, ge / ie, ge / ze, gb, ib, gb / ib, gb / gx, gw, iw, gw / iw, layout }'
done
((json)) || echo "MB/s of file data, one core; each ratio is Granary's MB/s over the other codec's in this run."
