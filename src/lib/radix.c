/* LSD radix sort, 11 bits a pass; passes where every key has the same digit
 * are skipped. SPDX-License-Identifier: GPL-3.0-or-later */
#include "radix.h"

#include <stdlib.h>

enum { BITS = 11, BUCKETS = 1 << BITS, PASSES = (64 + BITS - 1) / BITS };

int ls_radix_sort(uint64_t *key, uint64_t *val, size_t n)
{
    if (n < 2)
        return 0;
    size_t(*count)[BUCKETS] = calloc(PASSES, sizeof *count);
    uint64_t *k2 = malloc(n * sizeof *k2), *v2 = val ? malloc(n * sizeof *v2) : NULL;
    if (!count || !k2 || (val && !v2)) {
        free(count);
        free(k2);
        free(v2);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k = key[i];
        for (int p = 0; p < PASSES; p++)
            count[p][(k >> (p * BITS)) & (BUCKETS - 1)]++;
    }
    uint64_t *ks = key, *vs = val, *kd = k2, *vd = v2;
    for (int p = 0; p < PASSES; p++) {
        size_t *c = count[p];
        if (c[(ks[0] >> (p * BITS)) & (BUCKETS - 1)] == n)
            continue; /* one digit everywhere: this pass would not move anything */
        size_t sum = 0;
        for (size_t b = 0; b < BUCKETS; b++) {
            size_t t = c[b];
            c[b] = sum;
            sum += t;
        }
        if (vs) {
            for (size_t i = 0; i < n; i++) {
                size_t b = (ks[i] >> (p * BITS)) & (BUCKETS - 1), d = c[b]++;
                kd[d] = ks[i];
                vd[d] = vs[i];
            }
        } else {
            for (size_t i = 0; i < n; i++)
                kd[c[(ks[i] >> (p * BITS)) & (BUCKETS - 1)]++] = ks[i];
        }
        uint64_t *t = ks;
        ks = kd;
        kd = t;
        t = vs;
        vs = vd;
        vd = t;
    }
    if (ks != key) {
        memcpy(key, ks, n * sizeof *key);
        if (val)
            memcpy(val, vs, n * sizeof *val);
    }
    free(count);
    free(k2);
    free(v2);
    return 0;
}
