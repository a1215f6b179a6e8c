// Encode, best-case and worst-case decode throughput of Intel ISA-L's erasure code, for the side-by-side
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

// Seconds for `passes` recoveries of data shares 0..lost-1 from parity shares k..k+lost-1 and the
// surviving data shares, after checking one recovery byte for byte.
static double decode_seconds(int k, int lost, int shard, long long passes, unsigned char *matrix,
                             unsigned char **data, unsigned char **parity) {
    int rows[256];
    for (int i = 0; i < lost; i++) rows[i] = k + i;            // parity shares used
    for (int i = lost; i < k; i++) rows[i] = i;                 // surviving data shares lost..k-1
    unsigned char *sub = malloc((size_t)k * k), *inverse = malloc((size_t)k * k);
    for (int i = 0; i < k; i++) memcpy(sub + i * k, matrix + rows[i] * k, k);
    if (gf_invert_matrix(sub, inverse, k) < 0) { fprintf(stderr, "singular\n"); exit(1); }
    unsigned char *tables = malloc((size_t)32 * k * lost);
    ec_init_tables(k, lost, inverse, tables);                  // rows 0..lost-1 of the inverse: data shares 0..lost-1
    unsigned char *sources[256], *recovered[256];
    for (int i = 0; i < k; i++) sources[i] = rows[i] < k ? data[rows[i]] : parity[rows[i] - k];
    for (int i = 0; i < lost; i++) recovered[i] = aligned(shard);

    ec_encode_data(shard, k, lost, tables, sources, recovered);
    for (int i = 0; i < lost; i++)
        if (memcmp(recovered[i], data[i], shard) != 0) { fprintf(stderr, "decode mismatch\n"); exit(1); }
    double start = now();
    for (long long p = 0; p < passes; p++) ec_encode_data(shard, k, lost, tables, sources, recovered);
    double seconds = now() - start;
    for (int i = 0; i < lost; i++) free(recovered[i]);
    free(sub); free(inverse); free(tables);
    return seconds;
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

    unsigned char *data[256], *parity[256];
    for (int i = 0; i < k; i++) {
        data[i] = aligned(shard);
        for (int b = 0; b < shard; b++) data[i][b] = (unsigned char)rand();
    }
    for (int i = 0; i < m; i++) parity[i] = aligned(shard);

    ec_encode_data(shard, k, m, tables, data, parity); // warm up
    double start = now();
    for (long long p = 0; p < passes; p++) ec_encode_data(shard, k, m, tables, data, parity);
    double encode = now() - start;

    // Best case: data share 0 lost, parity share k in its place. Worst case: as many data shares
    // lost as there are parity shares (at most k). ISA-L writes each recovered block through its own
    // pointer, so which data shares are lost does not change its speed, only how many.
    double decode_best = decode_seconds(k, 1, shard, passes, matrix, data, parity);
    int lost = m < k ? m : k;
    double decode_worst = decode_seconds(k, lost, shard, passes, matrix, data, parity);

    double bytes = (double)passes * k * shard;
    printf("{\"k\":%d,\"n\":%d,\"shardSize\":%d,\"encodeMBps\":%.1f,\"decodeBestMBps\":%.1f,\"decodeWorstMBps\":%.1f,\"missingDataShares\":%d}\n",
           k, n, shard, bytes / encode / 1e6, bytes / decode_best / 1e6, bytes / decode_worst / 1e6, lost);
    return 0;
}
