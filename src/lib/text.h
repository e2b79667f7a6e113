/* Small text helpers shared by the parsers: UTF-8 validation and
 * locale-independent number and boolean parsing.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_TEXT_H
#define LS_TEXT_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
int ls_utf8_valid(const char *s, size_t len);

/* 1 if every byte of s[0..n) is ASCII and none is NUL: the common case of a
 * CSV record, checked 8 bytes at a time. */
int ls_plain_ascii(const char *s, size_t n);

/* The name a typo was probably meant to be, for a "did you mean" hint:
 * offer every candidate in turn; best is the first one equal to the name
 * but for case, else the first within the fewest edits (at most two), else
 * NULL. */
typedef struct {
    const char *best;
    size_t distance;
} ls_nearest;

void ls_nearest_init(ls_nearest *n);
void ls_nearest_offer(ls_nearest *n, const char *name, const char *candidate);

typedef enum {
    LS_NUM_OK = 0,     /* a finite number */
    LS_NUM_NOT_NUMBER, /* not numeric text */
    LS_NUM_NONFINITE   /* numeric-looking but NaN, Inf or out of range (1e999) */
} ls_num_status;

/* Parses a decimal number written with '.' as decimal point whatever the
 * process locale: [+-]digits[.digits][(e|E)[+-]digits]; surrounding spaces
 * allowed. "nan", "inf", "infinity" (whole token, any case, signed) and overflowing
 * values such as 1e999 are LS_NUM_NONFINITE; underflow (1e-999) reads as 0
 * or a subnormal. */
ls_num_status ls_parse_number(const char *s, double *out);

/* A process-independent C numeric locale (created once, never freed), for
 * strtod_l and for uselocale() around printing so a caller's setlocale()
 * cannot turn our decimal points into commas. (locale_t)0 if unavailable. */
locale_t ls_c_locale(void);

/* Boolean spellings: TRUE/FALSE, true/false, yes/no, Yes/No, Y/N, 1/0 (case
 * insensitive). Returns 1 and sets *out, or 0 if s is not a boolean. */
int ls_parse_bool(const char *s, int *out);

/* FNV-1a hash of len bytes. */
uint64_t ls_hash_bytes(const char *s, size_t len);

/* strdup that returns NULL on allocation failure or NULL input. */
char *ls_strdup(const char *s);

#endif
