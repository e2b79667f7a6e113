#!/usr/bin/python3
"""Independent expected values for tests/unit/test_metrics.c.

Uses the fitted probabilities R/statsmodels produced for X Education
(tests/reference/x-education-leads/fitted.csv) and the outcomes of its
design.csv; computes every metric with scikit-learn, statsmodels, scipy and
numpy rather than leadscore's code. Run: python3 scripts/expected-metrics.py
"""
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score, roc_curve

ref = "tests/reference/x-education-leads"
p = pd.read_csv(f"{ref}/fitted.csv").iloc[:, -1].to_numpy()
y = pd.read_csv(f"{ref}/design.csv")["y"].to_numpy()

auc = roc_auc_score(y, p)
# DeLong via midranks
r_all = stats.rankdata(p)
pos, neg = p[y == 1], p[y == 0]
m, n = len(pos), len(neg)
v10 = (r_all[y == 1] - stats.rankdata(pos)) / n
v01 = 1 - (r_all[y == 0] - stats.rankdata(neg)) / m
se = np.sqrt(v10.var(ddof=1) / m + v01.var(ddof=1) / n)
fpr, tpr, _ = roc_curve(y, p)
ks = np.max(np.abs(tpr - fpr))
# Hosmer-Lemeshow: 10 equal-size groups of leads sorted by p (stable order)
order = np.argsort(p, kind="stable")
ps, ys = p[order], y[order]
N = len(p)
chi2 = 0.0
for g in range(10):
    lo, hi = g * N // 10, (g + 1) * N // 10
    o, e, c = ys[lo:hi].sum(), ps[lo:hi].sum(), hi - lo
    chi2 += (o - e) ** 2 / (e * (1 - e / c))
hl_p = stats.chi2.sf(chi2, 8)
x = np.log(p / (1 - p))
slope = sm.Logit(y, sm.add_constant(x)).fit(disp=0, tol=1e-12).params[1]
intercept = sm.GLM(y, np.ones((N, 1)), family=sm.families.Binomial(), offset=x).fit(tol=1e-12).params[0]
for name, v in [("auc", auc), ("auc_se", se), ("ks", ks), ("log_loss", log_loss(y, p)),
                ("brier", brier_score_loss(y, p)), ("hl_chi2", chi2), ("hl_p", hl_p),
                ("calibration_slope", slope), ("calibration_intercept", intercept)]:
    print(f"{name} {v:.15g}")
