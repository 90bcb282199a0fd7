"""mailbox, serve: the office mailbox pass and the one-click unsubscribe endpoint."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType
from typing import Any

from automation import config as config_mod
from automation import wiring
from automation.cli_util import console, subcommand
from automation.errors import AutomationError, ConfigError


def register(sub: Any) -> dict[str, Any]:
    subcommand(sub, "mailbox",
               "อ่านกล่องจดหมายของสำนักงานหนึ่งครั้ง: ข่าวทางอีเมล อีเมลตีกลับ คำขอยกเลิกรับข่าว")
    p = subcommand(sub, "serve", "ให้บริการลิงก์ยกเลิกรับข่าวแบบคลิกเดียว ([unsubscribe] base_url)")
    p.add_argument("--host", help="ที่อยู่ที่รอรับ (ค่าเริ่มต้น: [unsubscribe] listen)")
    p.add_argument("--port", type=int, help="พอร์ต (ค่าเริ่มต้น: [unsubscribe] port)")
    return {"mailbox": cmd_mailbox, "serve": cmd_serve}


def cmd_mailbox(args: argparse.Namespace) -> int:
    from automation.inbox import run_mailbox

    config = config_mod.load(args.config)
    if not config.imap.enabled:
        raise ConfigError(f"no mailbox configured: add an [imap] section to {args.config}")
    config.imap.password()  # a missing variable is a config error, said before connecting
    from automation.scheduler.lock import single_instance
    from automation.scheduler.signals import graceful_stop

    # One writer per office: a pass beside a running worker would add each e-mail twice.
    with single_instance(config.ledger_path, "mailbox"), graceful_stop() as stop:
        result = run_mailbox(wiring.services(config, stop))
    out = console()
    out.print(f"กล่องจดหมาย: {result.summary()}", markup=False)
    for p in result.problems:
        out.print(f"  คำเตือน: {p}", markup=False)
    for note in result.notes:
        out.print(f"  หมายเหตุ: {note}", markup=False)
    if result.error:
        raise AutomationError(f"mailbox: {result.error}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from automation.inbox.serve import UnsubscribeServer

    config = config_mod.load(args.config)
    settings = config.unsubscribe
    host = args.host or settings.listen
    port = settings.port if args.port is None else args.port
    try:
        server = UnsubscribeServer(wiring.services(config), host, port)
    except OSError as exc:
        raise AutomationError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); check "
            "'unsubscribe.listen' and 'unsubscribe.port' or pass --host/--port"
        ) from None
    bound_host, bound_port = server.address
    print(f"one-click unsubscribe: http://{bound_host}:{bound_port}/unsubscribe/… "
          f"(public: {settings.base_url or 'not set: [unsubscribe] base_url'})", flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()
    return 0
