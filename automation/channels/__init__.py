"""Chat and social channels beside e-mail: LINE, Telegram, Facebook Page, Google Chat and a
generic JSON webhook, behind one small interface with exactly-once posting via the ledger.

Kept import-light: the config loader imports ``automation.channels.settings``; ``requests``
is only imported by the adapters.
"""
