"""Small helpers shared by CLI command modules."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from automation import messages
from automation.ports import Envelope

# With ``--log-format json`` standard output carries JSON log lines only (a log collector
# reads it); what people read goes to standard error instead.
_PEOPLE_ON_STDERR = False


def json_logs(on: bool) -> None:
    global _PEOPLE_ON_STDERR
    _PEOPLE_ON_STDERR = on


def console() -> Console:
    return Console(highlight=False, soft_wrap=True, stderr=_PEOPLE_ON_STDERR)


def subcommand(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    # --config is accepted after the command too: `automation run --once --config x.toml`.
    parser.add_argument("--config", type=__import__("pathlib").Path, default=argparse.SUPPRESS,
                        help=messages.HELP_CONFIG)
    parser.add_argument("--log-format", choices=("text", "json"), default=argparse.SUPPRESS,
                        help=messages.HELP_LOG_FORMAT)
    return parser


@contextlib.contextmanager
def progress_callback() -> Iterator[Callable[[Envelope, str], None]]:
    """A rich progress line counting messages as they are settled."""
    progress = Progress(
        TextColumn("ส่งอีเมล"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        transient=True, console=console(),
    )
    task = progress.add_task("", total=None)

    def on_sent(envelope: Envelope, status: str) -> None:
        progress.advance(task)
        progress.update(task, description=envelope.kind)

    with progress:
        yield on_sent
