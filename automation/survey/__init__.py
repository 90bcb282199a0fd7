"""Satisfaction surveys of the network (manual 5.10, 5.1.8, 5.2.6).

Modules: ``settings`` (the ``[survey]`` section), ``scale`` (reading five-level answers,
levels by band), ``responses`` (the responses tab, found by header text), ``stats`` (n, x̄,
S.D. per question, area, group and overall), ``chart`` and ``export`` (PNG and XLSX),
``report`` (the evaluation e-mail and the summary tab), ``invite`` (the survey link inside
the regular digest, once per period, one reminder) and ``ledger`` (who was invited when).
"""
