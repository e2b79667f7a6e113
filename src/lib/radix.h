/* Sorting many numbers quickly: a stable LSD radix sort of (key, value)
 * pairs, for AUCs and score distributions (O(n), where qsort is O(n log n)
 * with a call per comparison).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_RADIX_H
#define LS_RADIX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A key that sorts as the double x does (-0 and +0 equal). x must not be NaN. */
static inline uint64_t ls_radix_key(double x)
{
    uint64_t u;
    if (x == 0.0)
        x = 0.0;
    memcpy(&u, &x, sizeof u);
    return u >> 63 ? ~u : u | (1ULL << 63);
}

/* The double behind a key from ls_radix_key. */
static inline double ls_radix_unkey(uint64_t k)
{
    uint64_t u = k >> 63 ? k & ~(1ULL << 63) : ~k;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Sorts the pairs (key[i], val[i]) by key, ascending and stable; val may be
 * NULL to sort the keys alone. Returns 0, or -1 if scratch memory could not
 * be had (the arrays are then unchanged). */
int ls_radix_sort(uint64_t *key, uint64_t *val, size_t n);

#endif
