/* printf("%.17g") for the scores' probabilities, without printf.
 *
 * snprintf's exact multi-precision path costs a few hundred nanoseconds per
 * number, as much as scoring the lead. For 2^-36 <= |v| < 1 (every
 * probability worth printing) the 17 significant digits come exactly from
 * 128-bit integers instead: v = m * 2^e, and v * 10^k = m * 5^k / 2^(-e-k),
 * with 5^k < 2^64 for the k <= 27 needed here. The quotient is rounded to
 * nearest with ties to even, as glibc does in the default rounding mode.
 * Anything else (0, 1, tiny or large values, NaN) goes to snprintf.
 * tests/unit/test_score_format.c checks it against snprintf on millions of
 * values, ties and powers of ten included.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "leadscore/scorer.h"

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128; /* __extension__: -Wpedantic */

#define P10_16 10000000000000000ULL
#define P10_17 100000000000000000ULL

/* floor(m * 5^k / 2^s) and whether the discarded part is above, at or below
 * one half; 0 when the product does not fit. */
static unsigned long long scaled(uint64_t m, int k, int s, int *cmp_half)
{
    uint64_t p5 = 1;
    for (int i = 0; i < k; i++)
        p5 *= 5;
    u128 n = (u128)m * p5;
    u128 q = n >> s;
    u128 r = n - (q << s);
    u128 half = (u128)1 << (s - 1);
    *cmp_half = r > half ? 1 : r == half ? 0 : -1;
    return (unsigned long long)q;
}

size_t ls_format_probability(double v, char *out)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int biased = (int)((bits >> 52) & 0x7ff);
    /* 2^-36 <= |v| < 1: biased exponent 987..1022 */
    if (biased < 1023 - 36 || biased > 1022)
        return (size_t)snprintf(out, 32, "%.17g", v);
    uint64_t m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
    int e = biased - 1075; /* v = m * 2^e */
    /* x: the decimal exponent, v in [10^x, 10^(x+1)). v >= 2^b with b = e + 52
     * (-36..-1), so x >= floor(b log10 2): start there and step up if needed. */
    int b = e + 52;
    int x = -(int)((-b * 30103L + 99999L) / 100000L);
    unsigned long long q = 0;
    int cmp = 0;
    for (int tries = 0; tries < 3; tries++) {
        int k = 16 - x;
        if (k > 27) /* 5^k would not fit in 64 bits */
            return (size_t)snprintf(out, 32, "%.17g", v);
        q = scaled(m, k, -e - k, &cmp);
        if (q >= P10_17)
            x++;
        else if (q < P10_16)
            x--;
        else
            break;
    }
    if (q < P10_16 || q >= P10_17)
        return (size_t)snprintf(out, 32, "%.17g", v);
    if (cmp > 0 || (cmp == 0 && (q & 1)))
        q++;
    if (q == P10_17) {
        q = P10_16;
        x++;
    }
    char digits[17];
    for (int i = 16; i >= 0; i--) {
        digits[i] = (char)('0' + q % 10);
        q /= 10;
    }
    int nd = 17;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    size_t n = 0;
    if (bits >> 63)
        out[n++] = '-';
    if (x >= -4) { /* %f style: x is -4..-1 here */
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -x - 1; i++)
            out[n++] = '0';
        memcpy(out + n, digits, (size_t)nd);
        n += (size_t)nd;
    } else { /* %e style: d.ddde-XX */
        out[n++] = digits[0];
        if (nd > 1) {
            out[n++] = '.';
            memcpy(out + n, digits + 1, (size_t)nd - 1);
            n += (size_t)nd - 1;
        }
        int ex = -x;
        out[n++] = 'e';
        out[n++] = '-';
        out[n++] = (char)('0' + ex / 10);
        out[n++] = (char)('0' + ex % 10);
    }
    out[n] = '\0';
    return n;
}
#else /* no 128-bit integers: printf it is */
size_t ls_format_probability(double v, char *out)
{
    return (size_t)snprintf(out, 32, "%.17g", v);
}
#endif
