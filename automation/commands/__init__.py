"""CLI command groups; each module registers its subcommands."""
