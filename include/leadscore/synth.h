/* leadscore — synthetic leads whose conversion follows KNOWN true weights,
 * so tests (and users) can check that the trainer recovers the truth.
 *
 * Each lead is drawn independently; its outcome is Bernoulli(p) with
 * p = logistic(η), η = intercept + Σ weight·term over the terms of
 * leadscore's default encoding:
 *
 *   categorical  one 0/1 term "COLUMN=LEVEL" per level but the reference,
 *                which is the most frequent level (sampled clearly so);
 *                an empty value is the level "missing" ("COLUMN=missing").
 *   yes/no       one term "COLUMN", 1 for "yes".
 *   numeric      one linear term "COLUMN"; where the column has missing
 *                values, also a 0/1 term "COLUMN=missing" and the value is
 *                imputed as 0 in the linear term.
 *   intercept    the term "(intercept)".
 *
 * EXCEPTION: company_size (integer employees, 1..20000) has a BANDED truth:
 * bands 1-10, 11-100, 101-500, 501+ (inclusive), terms "company_size=1-10",
 * "company_size=101-500", "company_size=501+" and "company_size=missing",
 * reference band 11-100. The trainer recovers these weights only when given
 * the criteria spec that declares those bands (the spec ls_synth_write
 * writes); with the default encoding company_size is fitted as one linear
 * term plus a missing term, which is a misspecified model of this data.
 *
 * Columns of the leads CSV (comma separated, one header line, "\n" line
 * ends, fields quoted when they hold a comma or a quote, missing = empty):
 *
 *   lead_id               L0000001, L0000002, ... (unique)
 *   job_title             6 levels, reference Manager, 3% missing
 *   industry              12 levels, reference Software; two hold a comma
 *                         ("Banking, Financial Services and Insurance") and
 *                         one a quote (Consulting "Big Four")
 *   lead_source           8 levels, reference Google, 2% missing
 *   country               10 levels, reference United States, 2% missing
 *   company_size          log-normal integer 1..20000, banded truth, 5% missing
 *   visited_pricing_page  yes/no
 *   free_trial            yes/no
 *   webinar               yes/no
 *   email_opens           count 0..40
 *   product_sessions      count (more with a free trial)
 *   features_adopted      count 0..12 (more with a free trial)
 *   minutes_in_app        decimal with two places, 8% missing
 *   days_since_signup     integer 0..1095
 *   newsletter            yes/no          NOISE: true weight exactly 0
 *   page_theme            4 levels        NOISE: true weights exactly 0
 *   converted             0/1, the outcome
 *
 * The truth has 53 terms including the intercept (52 model terms). The
 * intercept is solved so that the expected conversion rate over the lead
 * population is base_rate (from a fixed calibration sample, so the truth
 * depends on base_rate only, never on the seed or the row count).
 *
 * Randomness: xoshiro256** (Blackman & Vigna) seeded through splitmix64 from
 * the 64-bit seed, with the distributions written out in synth.c, so equal
 * options give byte-identical files on every platform with IEEE doubles and
 * a correctly rounded libm, whatever the GSL version. Every seed gives its own
 * stream, and the first N leads of a longer run equal an N-lead run.
 * Numbers are formatted without the locale: integers and the two-place
 * decimals by hand; weights with the shortest of %.15g..%.17g that reads back
 * exactly, with '.' as the decimal point.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LEADSCORE_SYNTH_H
#define LEADSCORE_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leadscore/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t rows;      /* leads to write, at least 1 (default 1000) */
    uint64_t seed;    /* any value; equal options give equal files (default 1) */
    double base_rate; /* expected conversion rate, 0.001..0.999 (default 0.15) */
} ls_synth_options;

/* Sets the documented defaults. */
void ls_synth_options_init(ls_synth_options *opts);

/* LS_OK, or LS_ERR_USAGE with a message naming the bad option, before any
 * work is done. */
ls_status ls_synth_options_check(const ls_synth_options *opts, ls_error *err);

/* What a run wrote. */
typedef struct {
    size_t rows;             /* leads written */
    size_t converted;        /* leads with converted = 1 */
    double mean_probability; /* mean of the true p over the leads written */
    double intercept;        /* the true intercept used */
} ls_synth_summary;

/* Writes the leads CSV to leads, the true weights as CSV "term,weight" (every
 * term, the intercept and the zero-weight noise terms included) to truth,
 * and the criteria spec (INI, declaring the company_size bands) to spec.
 * Any stream may be NULL to skip it; the caller keeps owning the streams and
 * checks them on close. summary may be NULL. */
ls_status ls_synth_write(const ls_synth_options *opts, FILE *leads, FILE *truth, FILE *spec,
                         ls_synth_summary *summary, ls_error *err);

/* As ls_synth_write, to files written atomically (ls_output: "-" is standard
 * output; at most one path may be "-"). All files are opened before any is
 * written, so an unwritable path leaves none of them behind. Any path may be
 * NULL to skip it. */
ls_status ls_synth_write_paths(const ls_synth_options *opts, const char *leads_path,
                               const char *truth_path, const char *spec_path,
                               ls_synth_summary *summary, ls_error *err);

/* The true weights, caller-owned: fill with ls_synth_truth_init, free with
 * ls_synth_truth_release. Terms are in the order of the truth file:
 * "(intercept)" first, then column by column in the leads file's order. */
typedef struct {
    size_t count;
    const char **terms;    /* term names as above */
    const char **criteria; /* the column each term encodes ("(intercept)" for the intercept) */
    double *weights;       /* true log-odds weights; exactly 0 for the noise criteria */
    char *storage_;        /* private: holds the term names */
} ls_synth_truth;

/* Computes the truth for opts (only base_rate matters). On failure the struct
 * is left empty (safe to release). */
ls_status ls_synth_truth_init(ls_synth_truth *truth, const ls_synth_options *opts, ls_error *err);

/* Frees what init allocated and empties the struct. Accepts NULL. */
void ls_synth_truth_release(ls_synth_truth *truth);

/* Index of the term called name, or (size_t)-1. */
size_t ls_synth_truth_find(const ls_synth_truth *truth, const char *name);

/* The intended reference level of a categorical column (or band of
 * company_size), a static string; NULL for other columns. */
const char *ls_synth_reference(const char *column);

/* The probability with which column's value is left empty (0 for columns
 * that are never missing, or unknown names). */
double ls_synth_missing_rate(const char *column);

/* 1 if column is a pure-noise criterion (true weight 0), else 0. */
int ls_synth_is_noise(const char *column);

#ifdef __cplusplus
}
#endif
#endif
