/* Backtest: last quarter's model on the new quarter's outcomes, against the
 * documented thresholds for retraining (leadscore/monitor.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/monitor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "leadscore/metrics.h"
#include "model_internal.h"
#include "monitor_internal.h"
#include "text.h"

#define Z95 1.959963984540054

/* Standard error of an AUC from its value and the class sizes (Hanley &
 * McNeil 1982), for the training AUC whose placements are not kept. NAN
 * when the sizes are not known. */
static double hanley_mcneil_se(double auc, double pos, double neg)
{
    if (!(pos >= 1 && neg >= 1) || !isfinite(auc))
        return NAN;
    double q1 = auc / (2 - auc), q2 = 2 * auc * auc / (1 + auc);
    double v = (auc * (1 - auc) + (pos - 1) * (q1 - auc * auc) + (neg - 1) * (q2 - auc * auc)) /
               (pos * neg);
    return sqrt(fmax(0, v));
}

void ls_backtest_options_init(ls_backtest_options *o)
{
    o->max_auc_drop = 0.03;
    o->slope_low = 0.8;
    o->slope_high = 1.2;
    o->max_intercept = 0.2;
}

ls_status ls_backtest(const ls_model *model, const ls_table *data, const ls_backtest_options *opts,
                      ls_backtest_report *out, ls_error *err)
{
    ls_backtest_options defaults;
    ls_backtest_options_init(&defaults);
    const ls_backtest_options *o = opts ? opts : &defaults;
    memset(out, 0, sizeof *out);
    if (!(o->max_auc_drop >= 0) || !(o->slope_low < o->slope_high) || !(o->max_intercept >= 0))
        return ls_fail(err, LS_ERR_USAGE,
                       "backtest thresholds: the AUC drop and intercept limits must be >= 0 and "
                       "the slope range low < high");
    size_t n = ls_table_rows(data);
    if (n == 0)
        return ls_fail_at(err, LS_ERR_DATA, ls_table_source(data), 0, 0, NULL,
                          "no leads to backtest on");
    double *score = malloc(n * sizeof *score), *p = malloc(n * sizeof *p),
           *y = malloc(n * sizeof *y);
    ls_status st = LS_OK;
    ls_metrics m;
    if (!score || !p || !y || !(out->data_source = ls_strdup(ls_table_source(data)))) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = ls_model_outcomes(model, data, y, err)) != LS_OK ||
        (st = ls_model_score_table(model, data, score, p, &out->unseen, err)) != LS_OK)
        goto done;
    int have_p = model->learned;
    for (size_t i = 0; have_p && i < n; i++)
        have_p = isfinite(p[i]);
    if ((st = ls_metrics_compute(score, have_p ? p : NULL, y, n, &m, err)) != LS_OK) {
        if (err && !err->file[0])
            snprintf(err->file, sizeof err->file, "%s", ls_table_source(data));
        goto done;
    }
    out->thresholds = *o;
    out->rows = m.rows;
    out->positives = m.positives;
    out->observed_rate = m.observed_rate;
    out->mean_predicted = m.mean_predicted;
    out->auc = m.auc;
    out->auc_se = m.auc_se;
    out->auc_low = m.auc_low;
    out->auc_high = m.auc_high;
    out->brier = m.brier;
    out->log_loss = m.log_loss;
    out->calibration_intercept = m.calibration_intercept;
    out->calibration_slope = m.calibration_slope;
    /* the training AUC of what is backtested: the integer points */
    out->train_auc = model->points_auc > 0 ? model->points_auc : model->auc > 0 ? model->auc : NAN;
    out->auc_drop = out->train_auc - out->auc;
    out->train_auc_se =
        hanley_mcneil_se(out->train_auc, model->positives, model->rows - model->positives);
    out->auc_drop_se = sqrt(out->train_auc_se * out->train_auc_se + out->auc_se * out->auc_se);
    /* material and beyond sampling noise (the latter only when the training
     * sample size is known) */
    out->auc_failed = out->auc_drop > o->max_auc_drop && !(out->auc_drop <= Z95 * out->auc_drop_se);
    out->slope_failed =
        isfinite(out->calibration_slope) &&
        (out->calibration_slope < o->slope_low || out->calibration_slope > o->slope_high);
    out->intercept_failed =
        isfinite(out->calibration_intercept) && fabs(out->calibration_intercept) > o->max_intercept;
    out->retrain = out->auc_failed || out->slope_failed || out->intercept_failed;
done:
    free(score);
    free(p);
    free(y);
    if (st != LS_OK)
        ls_backtest_report_release(out);
    return st;
}

void ls_backtest_report_release(ls_backtest_report *r)
{
    if (!r)
        return;
    free(r->data_source);
    memset(r, 0, sizeof *r);
}

/* ---- writing ------------------------------------------------------------- */

static const char *status_of(int failed, double value)
{
    return isnan(value) ? "n/a" : failed ? "retrain" : "ok";
}

static void recommendation(const ls_backtest_report *r, FILE *out)
{
    const ls_backtest_options *o = &r->thresholds;
    if (!r->retrain) {
        fprintf(out, "recommendation: keep the model: no threshold crossed\n");
        return;
    }
    fprintf(out, "recommendation: RETRAIN:");
    const char *sep = " ";
    if (r->auc_failed) {
        fprintf(out, "%sAUC fell %.4f below training (limit %g)", sep, r->auc_drop,
                o->max_auc_drop);
        sep = "; ";
    }
    if (r->slope_failed) {
        fprintf(out, "%scalibration slope %.3f outside [%g, %g]%s", sep, r->calibration_slope,
                o->slope_low, o->slope_high,
                r->calibration_slope < o->slope_low ? " (points too spread out)"
                                                    : " (points not spread out enough)");
        sep = "; ";
    }
    if (r->intercept_failed)
        fprintf(out, "%scalibration-in-the-large %+.3f beyond +/-%g (%s)", sep,
                r->calibration_intercept, o->max_intercept,
                r->calibration_intercept > 0 ? "leads convert more than predicted"
                                             : "leads convert less than predicted");
    fputc('\n', out);
}

static void write_text(const ls_backtest_report *r, FILE *out)
{
    const ls_backtest_options *o = &r->thresholds;
    fprintf(out, "backtest on %s: %zu leads, %zu converted (%.1f%%)", r->data_source, r->rows,
            r->positives, 100 * r->observed_rate);
    if (isfinite(r->mean_predicted))
        fprintf(out, ", mean predicted %.1f%%", 100 * r->mean_predicted);
    fputc('\n', out);
    if (r->unseen)
        fprintf(out, "values the model never saw: %zu (scored as the reference or other)\n",
                r->unseen);
    fprintf(out, "\n%-26s %9s  %-28s %s\n", "measure", "value", "threshold", "status");
    char thr[64];
    if (isfinite(r->train_auc))
        snprintf(thr, sizeof thr, "training %.4f - %g", r->train_auc, o->max_auc_drop);
    else
        snprintf(thr, sizeof thr, "no training AUC");
    fprintf(out, "%-26s %9.4f  %-28s %s\n", "AUC of the points", r->auc, thr,
            status_of(r->auc_failed, r->train_auc));
    fprintf(out, "%-26s %9s  [%.4f, %.4f] (DeLong)\n", "  95% CI", "", r->auc_low, r->auc_high);
    if (isfinite(r->train_auc)) {
        fprintf(out, "%-26s %+9.4f", "  drop from training", r->auc_drop);
        if (isfinite(r->auc_drop_se))
            fprintf(out, "  (se %.4f with the training sample's)", r->auc_drop_se);
        fputc('\n', out);
    }
    snprintf(thr, sizeof thr, "|a| <= %g", o->max_intercept);
    fprintf(out, "%-26s %+9.4f  %-28s %s\n", "calibration-in-the-large", r->calibration_intercept,
            thr, status_of(r->intercept_failed, r->calibration_intercept));
    snprintf(thr, sizeof thr, "%g <= b <= %g", o->slope_low, o->slope_high);
    fprintf(out, "%-26s %9.4f  %-28s %s\n", "calibration slope", r->calibration_slope, thr,
            status_of(r->slope_failed, r->calibration_slope));
    if (isfinite(r->brier))
        fprintf(out, "%-26s %9.4f\n", "Brier score", r->brier);
    fputc('\n', out);
    recommendation(r, out);
}

static void csv_row(FILE *out, const char *metric, double value, double threshold,
                    const char *status)
{
    fprintf(out, "%s,", metric);
    ls_mon_csv_number(out, value);
    fputc(',', out);
    ls_mon_csv_number(out, threshold);
    fprintf(out, ",%s\n", status);
}

static void write_csv(const ls_backtest_report *r, FILE *out)
{
    const ls_backtest_options *o = &r->thresholds;
    fputs("metric,value,threshold,status\n", out);
    csv_row(out, "rows", (double)r->rows, NAN, "");
    csv_row(out, "positives", (double)r->positives, NAN, "");
    csv_row(out, "observed_rate", r->observed_rate, NAN, "");
    csv_row(out, "mean_predicted", r->mean_predicted, NAN, "");
    csv_row(out, "auc", r->auc, NAN, "");
    csv_row(out, "auc_low", r->auc_low, NAN, "");
    csv_row(out, "auc_high", r->auc_high, NAN, "");
    csv_row(out, "train_auc", r->train_auc, NAN, "");
    csv_row(out, "train_auc_se", r->train_auc_se, NAN, "");
    csv_row(out, "auc_drop", r->auc_drop, o->max_auc_drop, status_of(r->auc_failed, r->auc_drop));
    csv_row(out, "auc_drop_se", r->auc_drop_se, NAN, "");
    csv_row(out, "calibration_intercept", r->calibration_intercept, o->max_intercept,
            status_of(r->intercept_failed, r->calibration_intercept));
    csv_row(out, "calibration_slope_low", r->calibration_slope, o->slope_low,
            status_of(r->slope_failed, r->calibration_slope));
    csv_row(out, "calibration_slope_high", r->calibration_slope, o->slope_high,
            status_of(r->slope_failed, r->calibration_slope));
    csv_row(out, "brier", r->brier, NAN, "");
    csv_row(out, "retrain", r->retrain, NAN, r->retrain ? "retrain" : "keep");
}

static ls_status write_json(const ls_backtest_report *r, FILE *out, ls_error *err)
{
    const ls_backtest_options *o = &r->thresholds;
    int ok = 1;
    cJSON *root = cJSON_CreateObject(), *th = cJSON_CreateObject();
    ls_mon_json_add(root, "data", ls_mon_json_string(r->data_source), &ok);
    ls_mon_json_add(root, "rows", cJSON_CreateNumber((double)r->rows), &ok);
    ls_mon_json_add(root, "positives", cJSON_CreateNumber((double)r->positives), &ok);
    ls_mon_json_add(root, "unseen", cJSON_CreateNumber((double)r->unseen), &ok);
    ls_mon_json_add(root, "observed_rate", ls_mon_json_number(r->observed_rate), &ok);
    ls_mon_json_add(root, "mean_predicted", ls_mon_json_number(r->mean_predicted), &ok);
    ls_mon_json_add(root, "auc", ls_mon_json_number(r->auc), &ok);
    ls_mon_json_add(root, "auc_se", ls_mon_json_number(r->auc_se), &ok);
    ls_mon_json_add(root, "auc_low", ls_mon_json_number(r->auc_low), &ok);
    ls_mon_json_add(root, "auc_high", ls_mon_json_number(r->auc_high), &ok);
    ls_mon_json_add(root, "train_auc", ls_mon_json_number(r->train_auc), &ok);
    ls_mon_json_add(root, "train_auc_se", ls_mon_json_number(r->train_auc_se), &ok);
    ls_mon_json_add(root, "auc_drop", ls_mon_json_number(r->auc_drop), &ok);
    ls_mon_json_add(root, "auc_drop_se", ls_mon_json_number(r->auc_drop_se), &ok);
    ls_mon_json_add(root, "calibration_intercept", ls_mon_json_number(r->calibration_intercept),
                    &ok);
    ls_mon_json_add(root, "calibration_slope", ls_mon_json_number(r->calibration_slope), &ok);
    ls_mon_json_add(root, "brier", ls_mon_json_number(r->brier), &ok);
    ls_mon_json_add(root, "log_loss", ls_mon_json_number(r->log_loss), &ok);
    ls_mon_json_add(th, "max_auc_drop", ls_mon_json_number(o->max_auc_drop), &ok);
    ls_mon_json_add(th, "slope_low", ls_mon_json_number(o->slope_low), &ok);
    ls_mon_json_add(th, "slope_high", ls_mon_json_number(o->slope_high), &ok);
    ls_mon_json_add(th, "max_intercept", ls_mon_json_number(o->max_intercept), &ok);
    ls_mon_json_add(root, "thresholds", th, &ok);
    ls_mon_json_add(root, "auc_failed", cJSON_CreateBool(r->auc_failed), &ok);
    ls_mon_json_add(root, "slope_failed", cJSON_CreateBool(r->slope_failed), &ok);
    ls_mon_json_add(root, "intercept_failed", cJSON_CreateBool(r->intercept_failed), &ok);
    ls_mon_json_add(root, "retrain", cJSON_CreateBool(r->retrain), &ok);
    return ls_mon_json_write(root, ok, out, err);
}

ls_status ls_backtest_write(const ls_backtest_report *r, ls_monitor_format format, FILE *out,
                            ls_error *err)
{
    locale_t old = ls_mon_locale_enter();
    ls_status st = LS_OK;
    if (format == LS_MONITOR_TEXT)
        write_text(r, out);
    else if (format == LS_MONITOR_CSV)
        write_csv(r, out);
    else
        st = write_json(r, out, err);
    ls_mon_locale_leave(old);
    return st == LS_OK ? ls_mon_stream_status(out, err) : st;
}
