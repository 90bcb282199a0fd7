"""The news board / archive: a static website generated from published news.

Kept import-light: the config loader imports ``automation.site.settings``.
"""
