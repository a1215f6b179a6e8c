// Encode and worst-case decode throughput of Intel ISA-L's erasure code, for the side-by-side
// comparison in bench/compare-codecs.sh. Same method as `granary bench codec`: 64-byte aligned
// shards reused from pass to pass, MB/s (10^6 bytes) of file (data-share) bytes.
// Build: cc -O2 -o isal_bench isal_bench.c -lisal
// Usage: isal_bench K N SHARD_BYTES TOTAL_BYTES    (prints one JSON object)
#include <isa-l/erasure_code.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned char *aligned(size_t bytes) {
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes) != 0) { perror("posix_memalign"); exit(1); }
    return p;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s K N SHARD_BYTES TOTAL_BYTES\n", argv[0]); return 2; }
    int k = atoi(argv[1]), n = atoi(argv[2]), shard = atoi(argv[3]);
    long long total = atoll(argv[4]);
    if (k < 1 || n > 255 || k >= n || shard < 1) { fprintf(stderr, "need 1 <= k < n <= 255\n"); return 2; }
    int m = n - k;
    long long passes = total / ((long long)k * shard);
    if (passes < 1) passes = 1;

    unsigned char *matrix = malloc((size_t)n * k), *tables = malloc((size_t)32 * k * m);
    gf_gen_cauchy1_matrix(matrix, n, k);
    ec_init_tables(k, m, matrix + k * k, tables);

    unsigned char *data[256], *parity[256], *sources[256], *recovered[256];
    for (int i = 0; i < k; i++) {
        data[i] = aligned(shard);
        for (int b = 0; b < shard; b++) data[i][b] = (unsigned char)rand();
    }
    for (int i = 0; i < m; i++) parity[i] = aligned(shard);

    ec_encode_data(shard, k, m, tables, data, parity); // warm up
    double start = now();
    for (long long p = 0; p < passes; p++) ec_encode_data(shard, k, m, tables, data, parity);
    double encode = now() - start;

    // Worst case: as many data shares missing as there are parity shares (at most k).
    int lost = m < k ? m : k;
    int rows[256];
    for (int i = 0; i < lost; i++) rows[i] = k + i;            // parity shares used
    for (int i = lost; i < k; i++) rows[i] = i;                 // surviving data shares lost..k-1
    unsigned char *sub = malloc((size_t)k * k), *inverse = malloc((size_t)k * k);
    for (int i = 0; i < k; i++) memcpy(sub + i * k, matrix + rows[i] * k, k);
    if (gf_invert_matrix(sub, inverse, k) < 0) { fprintf(stderr, "singular\n"); return 1; }
    unsigned char *decode_tables = malloc((size_t)32 * k * lost);
    ec_init_tables(k, lost, inverse, decode_tables);           // rows 0..lost-1 of the inverse: data shares 0..lost-1
    for (int i = 0; i < k; i++) sources[i] = rows[i] < k ? data[rows[i]] : parity[rows[i] - k];
    for (int i = 0; i < lost; i++) recovered[i] = aligned(shard);

    ec_encode_data(shard, k, lost, decode_tables, sources, recovered);
    for (int i = 0; i < lost; i++)
        if (memcmp(recovered[i], data[i], shard) != 0) { fprintf(stderr, "decode mismatch\n"); return 1; }
    start = now();
    for (long long p = 0; p < passes; p++) ec_encode_data(shard, k, lost, decode_tables, sources, recovered);
    double decode = now() - start;

    double bytes = (double)passes * k * shard;
    printf("{\"k\":%d,\"n\":%d,\"shardSize\":%d,\"encodeMBps\":%.1f,\"decodeMBps\":%.1f,\"missingDataShares\":%d}\n",
           k, n, shard, bytes / encode / 1e6, bytes / decode / 1e6, lost);
    return 0;
}
