"""Registry upkeep (manual process C): health checks, search, keep-current confirmations."""
