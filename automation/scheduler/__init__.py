"""The long-running worker: jobs on timetables from ``[schedule]``, one worker per office.

``settings`` (the ``[schedule]`` section), ``lock`` (single instance), ``jobs`` (what each job
does and how its runs are recorded), ``service`` (APScheduler, signals), ``status`` (what
``automation status`` shows). Importing this package is cheap; APScheduler is loaded only
when a timetable is checked or the worker starts.
"""
