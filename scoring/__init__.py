"""The model's arithmetic, shared by training, serving, the batch scorer and notebooks.

- ``treeshap``: fast exact TreeSHAP of a LightGBM booster (equal to ``pred_contrib``).
- ``explain``: SHAP carried through calibration into probability points; peer percentiles;
  reasons and families (plain named tuples: serving turns them into its response models).
- ``wording``, ``korean``: how values, peer ranks and contributions read to staff, and the
  Korean particles the sentences need.
- ``standing``: whether a firm gets a PD and grade (stale statement, already in the state).
- ``timeline``: every firm's features per as-of date, computed once per date.
- ``portfolio``: one champion's PDs and grades for a period, its reasons on demand.
- ``watchlist``: watch-list selection (filters, PD ranking, the anti-flapping rule).
- ``watchlist_check``: the out-of-time check that lists hold the crises their PDs promise.
- ``levers``: actionable changes (debt, rate, costs, receivables, arrears) and how each rewrites
  a firm's latest statement.
- ``recourse``: what lowers the grade: the cheapest lever combinations that move a firm one or
  two grades down, scored through the same pipeline and model.
- ``actions``: each grade's recommended action and KOSME stage (the ladder's ``core.grades.RUNGS``).
- ``programmes``: the support-programme catalogue (config/programmes.yaml): loading, matching a
  firm's reasons and levers, and the eligibility rules.
- ``stress``: stress scenarios: shocks to the statements, re-scored through the same pipeline.
"""
