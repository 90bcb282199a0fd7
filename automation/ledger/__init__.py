"""The delivery ledger: what was attempted and what was delivered."""
