"""Encode and worst-case decode throughput of zfec (Tahoe-LAFS's codec), for bench/compare-codecs.sh.

Same method as `granary bench codec`: the same shards reused from pass to pass, MB/s (10^6 bytes)
of file data. Usage: python3 zfec_bench.py K N SHARD_BYTES TOTAL_BYTES   (prints one JSON object)
"""
import json
import os
import sys
import time

import zfec


def main():
    k, n, shard, total = (int(a) for a in sys.argv[1:5])
    passes = max(1, total // (k * shard))
    data = [os.urandom(shard) for _ in range(k)]
    encoder = zfec.Encoder(k, n)
    parity_ids = list(range(k, n))

    encoder.encode(data, parity_ids)
    start = time.perf_counter()
    for _ in range(passes):
        parity = encoder.encode(data, parity_ids)
    encode = time.perf_counter() - start

    lost = min(k, n - k)
    ids = list(range(k, k + lost)) + list(range(lost, k))
    blocks = [parity[i - k] if i >= k else data[i] for i in ids]
    decoder = zfec.Decoder(k, n)
    assert decoder.decode(blocks, ids) == data
    start = time.perf_counter()
    for _ in range(passes):
        decoder.decode(blocks, ids)
    decode = time.perf_counter() - start

    size = passes * k * shard
    print(json.dumps({"k": k, "n": n, "shardSize": shard, "encodeMBps": round(size / encode / 1e6, 1),
                      "decodeMBps": round(size / decode / 1e6, 1), "missingDataShares": lost}))


if __name__ == "__main__":
    main()
