"""The thin command line: every command wraps a library function.

User mistakes (config, sheet layout, unreachable servers) end with a one-line reason and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from automation import __version__, cli_util, logs, messages
from automation.errors import AutomationError, ConfigError

EXIT_OK, EXIT_USER, EXIT_FAIL = 0, 2, 1

Command = Callable[[argparse.Namespace], int]


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    from automation.commands import core, google, inbox, ledger, registry, report, site, survey

    parser = argparse.ArgumentParser(
        prog="automation",
        description="ระบบประชาสัมพันธ์อัตโนมัติ: ข่าวที่อนุมัติ → อีเมลข่าว กระดานข่าว และการแจ้งเตือน",
    )
    parser.add_argument("--version", action="version", version=f"automation {__version__}")
    parser.add_argument(
        "--config", type=Path, default=Path("schedule.toml"),
        help=messages.HELP_CONFIG,
    )
    parser.add_argument(
        "--log-format", choices=("text", "json"), default="text",
        help=messages.HELP_LOG_FORMAT,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    handlers: dict[str, Command] = {}
    for module in (core, google, site, report, registry, inbox, survey, ledger):
        handlers.update(module.register(sub))
    return parser, handlers


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USER
    logs.setup(args.log_format)
    cli_util.json_logs(args.log_format == "json")
    try:
        return handlers[args.command](args)
    except ConfigError as exc:
        print(f"automation: {messages.CONFIG_ERROR}: {exc}", file=sys.stderr)
        return EXIT_USER
    except AutomationError as exc:
        print(f"automation: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print(f"automation: {messages.INTERRUPTED}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
