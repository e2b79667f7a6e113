/* ls_format_probability must write exactly what printf("%.17g") writes: the
 * probabilities in scored files stay byte for byte the same. Compared with
 * snprintf on millions of values: random bit patterns over the fast range
 * and beyond, sigmoids, values with few significant bits (where rounding
 * ties happen), the neighbours of powers of ten and of the range's ends,
 * and the special values that go to snprintf.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "leadscore/scorer.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static size_t n_checked;

static void check(double v)
{
    char want[64], got[64];
    memset(got, 'x', sizeof got);
    int n = snprintf(want, sizeof want, "%.17g", v);
    size_t len = ls_format_probability(v, got);
    if ((size_t)n != len || strcmp(want, got) != 0) {
        uint64_t b;
        memcpy(&b, &v, sizeof b);
        print_error("bits %016llx: got '%s', want '%s'\n", (unsigned long long)b, got, want);
        fail();
    }
    n_checked++;
}

static void test_random_bits(void **state)
{
    (void)state;
    for (int i = 0; i < 2000000; i++) {
        /* exponents 2^-45 .. 2^1: the fast range and both sides of it */
        uint64_t exp = 1023 - 45 + next_u64() % 47;
        uint64_t b = (exp << 52) | (next_u64() & ((1ULL << 52) - 1));
        if (i & 1)
            b |= 1ULL << 63;
        check(from_bits(b));
    }
}

static void test_sigmoids(void **state)
{
    (void)state;
    for (int i = 0; i < 1000000; i++) {
        double eta = ((double)(next_u64() >> 11) / 9007199254740992.0 - 0.5) * 60;
        check(1.0 / (1.0 + exp(-eta)));
    }
}

static void test_few_bits(void **state)
{
    (void)state;
    /* m with few significant bits: 17-digit rounding lands on exact halves */
    for (int bits = 1; bits <= 53; bits++)
        for (int i = 0; i < 4000; i++) {
            uint64_t m = (next_u64() >> (64 - bits)) | (1ULL << (bits - 1));
            int e = -(int)(next_u64() % 40) - bits;
            check(ldexp((double)m, e));
        }
    for (int e = -60; e <= 1; e++)
        check(ldexp(1.0, e));
}

static void test_edges(void **state)
{
    (void)state;
    for (int k = 0; k <= 14; k++) {
        double p = pow(10.0, -k);
        double v = p;
        for (int i = 0; i < 200; i++)
            v = nextafter(v, 0);
        for (int i = 0; i < 400; i++) {
            check(v);
            check(-v);
            v = nextafter(v, 1);
        }
        /* x.99999999999999999 that rounds up to the next power of ten */
        check(p * 0.99999999999999994);
        check(p * 0.999999999999999944);
    }
    const double special[] = {0.0,       -0.0,
                              1.0,       -1.0,
                              0.5,       0.1,
                              1e-4,      9.9999e-5,
                              1e-5,      1e-11,
                              1e-12,     1e-300,
                              5e-324,    DBL_MIN,
                              DBL_MAX,   HUGE_VAL,
                              -HUGE_VAL, NAN,
                              -NAN,      123.456,
                              1e16,      0.99999999999999989,
                              2.5e-5};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        check(special[i]);
    for (double v = 1.0; v > 1e-40; v = nextafter(v * 0.999, 0))
        check(v);
    print_message("compared %zu values with snprintf\n", n_checked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_bits),
        cmocka_unit_test(test_sigmoids),
        cmocka_unit_test(test_few_bits),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
