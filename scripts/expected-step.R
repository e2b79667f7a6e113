#!/usr/bin/env Rscript
# Expected values for tests/unit/test_selection.c: R's step() on the X Education
# leads, encoded from the raw file exactly as leadscore encodes it with
# datasets/x-education-leads/criteria.ini (base R only, no packages).
#
# The candidate set is every criterion that spec leaves to the trainer:
#   ids, the target, the `exclude` columns and `use = no` (Page Views Per Visit)
#   are not candidates; "" and "Select" mean missing; a yes/no column whose
#   rarer value has fewer than 30 leads, and constant columns, are left out
#   (pool_below = 30); categorical levels with fewer than 30 leads are pooled
#   into "(other)" when together they reach 30 leads, else they score as the
#   reference level (the most frequent level, ties alphabetical); missing values
#   form the level "missing"; TotalVisits and Total Time Spent on Website are cut
#   into the spec's bands (lower bounds 0, 2, 5 and 0, 100, 500, 1000), missing
#   as its own band.
# Each criterion is one term of the formula (a factor, or a 0/1 column), so
# step() adds and drops whole criteria, as leadscore does.
#
# Usage: Rscript scripts/expected-step.R [datasets/x-education-leads/Leads.csv]
# Prints, per run: the step path (change, Df, deviance, residual Df, AIC), the
# selected criteria, and per criterion the change against the selected model:
# LR chi-squared, Df, p-value and dAIC = AIC(without) - AIC(with).

args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) >= 1) args[1] else "datasets/x-education-leads/Leads.csv"

raw <- read.csv(path, colClasses = "character", na.strings = character(0),
                check.names = FALSE, strip.white = FALSE)
raw <- raw[, names(raw) != "" & !grepl("^V[0-9]+$", names(raw)), drop = FALSE]
missing_tokens <- c("", "Select")
ids <- c("Prospect ID", "Lead Number")
target <- "Converted"
exclude <- c("Tags", "Lead Quality", "Lead Profile", "Last Activity", "Last Notable Activity",
             "Asymmetrique Activity Index", "Asymmetrique Profile Index",
             "Asymmetrique Activity Score", "Asymmetrique Profile Score",
             "What matters most to you in choosing a course", "Page Views Per Visit")
bands <- list("TotalVisits" = c(0, 2, 5), "Total Time Spent on Website" = c(0, 100, 500, 1000))
band_labels <- list("TotalVisits" = c("0-1", "2-4", "5+"),
                    "Total Time Spent on Website" = c("0-99", "100-499", "500-999", "1000+"))
pool_below <- 30

is_bool <- function(v) all(tolower(v) %in% c("yes", "no", "true", "false", "y", "n", "1", "0"))
to_bool <- function(v) as.numeric(tolower(v) %in% c("yes", "true", "y", "1"))

# A factor whose first level is the reference: the most frequent level, ties alphabetical
# (C locale order, as leadscore's strcmp).
with_reference <- function(v) {
    counts <- table(v)
    lv <- names(counts)
    top <- lv[counts == max(counts)]
    ref <- top[order(sapply(top, function(s) paste(sprintf("%03d", utf8ToInt(s)), collapse = "")))][1]
    factor(v, levels = c(ref, setdiff(sort(lv, method = "radix"), ref)))
}

d <- data.frame(Converted = as.numeric(raw[[target]]))
for (col in names(raw)) {
    if (col %in% c(ids, target, exclude))
        next
    v <- raw[[col]]
    miss <- v %in% missing_tokens
    present <- v[!miss]
    if (length(unique(present)) + any(miss) <= 1)
        next # constant
    if (!is.null(bands[[col]])) {
        x <- as.numeric(present)
        lo <- bands[[col]]
        b <- rep("missing", length(v))
        b[!miss] <- band_labels[[col]][findInterval(x, lo, left.open = FALSE, all.inside = FALSE)]
        b[!miss][x < lo[1]] <- band_labels[[col]][1]
        d[[col]] <- with_reference(b)
        next
    }
    if (is_bool(present)) {
        rare <- min(table(present))
        if (length(unique(present)) < 2 || rare < pool_below)
            next
        d[[col]] <- to_bool(ifelse(miss, "no", v))
        if (any(miss))
            stop("boolean with missing values: not needed for this data")
        next
    }
    counts <- table(present)
    rare_levels <- names(counts)[counts < pool_below]
    pooled_rows <- sum(counts[rare_levels])
    level <- ifelse(miss, "missing", v)
    kept <- setdiff(names(counts), rare_levels)
    if (length(rare_levels)) {
        if (pooled_rows >= pool_below) {
            level[level %in% rare_levels] <- "(other)"
        } else {
            # the reference is chosen among the non-pooled levels (and missing)
            rc <- table(level[!(level %in% rare_levels)])
            top <- names(rc)[rc == max(rc)]
            ref <- sort(top, method = "radix")[1]
            level[level %in% rare_levels] <- ref
        }
    }
    d[[col]] <- with_reference(level)
}

criteria <- setdiff(names(d), "Converted")
quoted <- sprintf("`%s`", criteria)
upper <- reformulate(quoted, response = "Converted")
full <- glm(upper, family = binomial, data = d)
null <- glm(Converted ~ 1, family = binomial, data = d)
n <- nrow(d)

report <- function(name, fit, k) {
    cat(sprintf("run,%s\n", name))
    a <- fit$anova
    for (i in seq_len(nrow(a)))
        cat(sprintf("step,%d,%s,%s,%.10f,%s,%.10f\n", i - 1, trimws(a$Step[i]),
                    ifelse(is.na(a$Df[i]), "NA", format(a$Df[i])), a[["Resid. Dev"]][i],
                    format(a[["Resid. Df"]][i]), a$AIC[i]))
    sel <- attr(terms(fit), "term.labels")
    sel <- gsub("`", "", sel)
    cat(sprintf("selected,%s\n", paste(sel, collapse = "|")))
    # evidence: every criterion against the selected model
    for (cr in criteria) {
        q <- sprintf("`%s`", cr)
        if (cr %in% sel) {
            other <- update(fit, as.formula(paste(". ~ . -", q)))
            with <- fit
        } else {
            other <- fit
            with <- update(fit, as.formula(paste(". ~ . +", q)))
        }
        chi2 <- deviance(other) - deviance(with)
        df <- with$rank - other$rank
        p <- pchisq(chi2, df, lower.tail = FALSE)
        cat(sprintf("evidence,%s,%d,%.10f,%d,%.6g,%.10f\n", cr, as.integer(cr %in% sel), chi2,
                    df, p, chi2 - 2 * df))
    }
}

cat(sprintf("rows,%d\ncriteria,%s\n", n, paste(criteria, collapse = "|")))
cat(sprintf("full,deviance,%.10f,rank,%d,aic,%.10f\n", deviance(full), full$rank, AIC(full)))

both <- step(full, scope = list(lower = ~1, upper = upper), direction = "both", k = 2, trace = 0)
report("aic-both", both, 2)
fwd <- step(null, scope = list(lower = ~1, upper = upper), direction = "forward", k = 2, trace = 0)
report("aic-forward", fwd, 2)
bic <- step(full, scope = list(lower = ~1, upper = upper), direction = "both", k = log(n),
            trace = 0)
report("bic-both", bic, log(n))
