#!/usr/bin/python3
"""Expected joint Wald tests per criterion for tests/unit/test_train.c.

statsmodels Logit (Newton, tol 1e-14) on the X Education reference design;
chi2 = b' V^-1 b over each criterion's terms. R's glm gives the same to 3e-8
(its vcov comes from the QR at a looser convergence).
Run: /usr/bin/python3 scripts/expected-joint-tests.py
"""
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

d = pd.read_csv("tests/reference/x-education-leads/design.csv")
y = d.pop("y")
fit = sm.Logit(y, sm.add_constant(d)).fit(method="newton", tol=1e-14, disp=0, maxiter=100)
b, V = fit.params, fit.cov_params()
for crit in ["City", "Specialization", "TotalVisits", "Do Not Email"]:
    idx = [c for c in b.index if c == crit or c.startswith(crit + "=")]
    bb, VV = b[idx].to_numpy(), V.loc[idx, idx].to_numpy()
    chi2 = float(bb @ np.linalg.solve(VV, bb))
    print(f'{{"{crit}", {len(idx)}, {chi2:.15g}, {stats.chi2.sf(chi2, len(idx)):.15g}}},')
