"""PR network automation for a Thai educational service area office."""

__version__ = "0.1.0"
