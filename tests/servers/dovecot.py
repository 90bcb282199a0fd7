"""A real Dovecot IMAP server on 127.0.0.1 holding the office mailbox for tests.

    with Dovecot() as imap:
        imap.append(message_bytes)
        with MailBoxUnencrypted(imap.host, imap.port).login(imap.user, imap.password) as mb:
            ...

Everything — config, state, logs, sockets, maildirs, a self-signed certificate — lives in
one fresh temporary directory (``dir``). Two accounts exist: the office mailbox the worker
reads (``user``/``password``) and a second one (``other_user``/``other_password``).
``port`` speaks plain IMAP, ``ssl_port`` implicit TLS; trust ``cafile`` to verify it.
Needs the Debian package dovecot-imapd; its own system service is not used.
"""

from __future__ import annotations

import atexit
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import string
import subprocess
import tempfile
import time
from pathlib import Path

from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted

from tests.servers import self_signed_cert

OFFICE_USER, OFFICE_PASSWORD = "office@example.test", "office-secret"
OTHER_USER, OTHER_PASSWORD = "other@example.test", "other-secret"
# Folders the server creates for every account; reset() empties them instead of deleting.
STANDARD_FOLDERS = ("INBOX", "Sent", "Trash")

_CONFIG = string.Template("""\
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
instance_name = test-dovecot-$port
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log

default_internal_user = $user
default_internal_group = $group
default_login_user = $user

ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password fails in about 0.5 s (Dovecot flushes failures twice a second) instead
# of the default 2 s.
auth_failure_delay = 0

first_valid_uid = 0
mail_location = maildir:$dir/mail/%u
mail_uid = $user
mail_gid = $group
mail_fsync = never

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$user gid=$group home=$dir/mail/%u
}

protocol imap {
  # The worker and its tests may hold several connections to one account at once.
  mail_max_userip_connections = 100
}

# No chroot, so that the whole server can run under one non-root account.
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $ssl_port
    ssl = yes
  }
}
service anvil {
  chroot =
  # No auth penalty: after one failed login every login from 127.0.0.1 would wait seconds.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener auth-userdb {
    mode = 0666
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
""")


class DovecotError(RuntimeError):
    """Dovecot is missing or did not start; the message carries its log."""


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _find_dovecot() -> str:
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    binary = shutil.which("dovecot", path=search)
    if binary is None:
        raise DovecotError(
            "the dovecot binary is not installed; install it with: apt-get install -y dovecot-imapd"
        )
    return binary


class Dovecot:
    """A throw-away Dovecot; ``start()``/``stop()`` or use it as a context manager."""

    host = "127.0.0.1"
    user, password = OFFICE_USER, OFFICE_PASSWORD
    other_user, other_password = OTHER_USER, OTHER_PASSWORD

    def __init__(self, *, start_timeout: float = 10.0) -> None:
        self.start_timeout = start_timeout
        self.port = 0
        self.ssl_port = 0
        self.cafile = ""
        self.dir = Path()  # set by start()
        self._tempdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._binary = ""

    # -- life cycle ------------------------------------------------------------------

    def start(self) -> Dovecot:
        """Create a fresh directory and start the server; returns when it greets."""
        if self._process is not None:
            raise DovecotError("dovecot already running")
        self._binary = _find_dovecot()
        self.dir = self._tempdir = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
        try:
            self._prepare()
            for attempt in range(3):
                # Ports are picked before Dovecot binds them; another process may win the race.
                self.port, self.ssl_port = _free_ports(2)
                self._write_config()
                try:
                    self._launch()
                    # A test run that dies without teardown must not leave servers behind.
                    atexit.register(self.stop)
                    return self
                except DovecotError as error:
                    if "Address already in use" not in str(error) or attempt == 2:
                        raise
        except BaseException:
            self._remove_dir()
            raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        """Stop the server and delete its directory (all mail with it)."""
        atexit.unregister(self.stop)
        self._terminate()
        self._remove_dir()

    def _remove_dir(self) -> None:
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def restart(self) -> None:
        """Stop and start the server on the same ports, keeping the mail.

        Open client connections are cut, as when the office's mail server restarts.
        """
        self._terminate()
        self._launch()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log(self) -> str:
        """Dovecot's own log and console output, for failure messages."""
        parts = []
        for name in ("dovecot.stdout", "dovecot.log"):
            path = self.dir / name
            if path.exists():
                parts.append(f"--- {path}\n{path.read_text(errors='replace')[-8000:]}")
        return "\n".join(parts) or "(no log written)"

    def _prepare(self) -> None:
        self.dir.chmod(0o755)  # the auth process reads the passwd-file as another account
        for name in ("run", "state", "mail"):
            (self.dir / name).mkdir()
        users = self.dir / "users"
        users.write_text(
            f"{OFFICE_USER}:{{PLAIN}}{OFFICE_PASSWORD}\n{OTHER_USER}:{{PLAIN}}{OTHER_PASSWORD}\n"
        )
        users.chmod(0o644)
        cert, _ = self_signed_cert(self.dir)
        self.cafile = str(cert)
        if os.getuid() == 0:
            # Dovecot refuses to keep mail as uid 0.
            account = pwd.getpwnam("dovecot")
            os.chown(self.dir / "mail", account.pw_uid, account.pw_gid)

    def _write_config(self) -> None:
        if os.getuid() == 0:
            user = group = "dovecot"
        else:
            user = pwd.getpwuid(os.getuid()).pw_name
            group = grp.getgrgid(os.getgid()).gr_name
        (self.dir / "dovecot.conf").write_text(_CONFIG.substitute(
            dir=self.dir, port=self.port, ssl_port=self.ssl_port, user=user, group=group,
        ))

    def _launch(self) -> None:
        with (self.dir / "dovecot.stdout").open("ab") as console:
            self._process = subprocess.Popen(
                [self._binary, "-F", "-c", str(self.dir / "dovecot.conf")],
                stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise DovecotError(f"dovecot exited with status {code} on start\n{self.log()}")
            if self._greets():
                return
            if time.monotonic() > deadline:
                self._terminate()
                raise DovecotError(
                    f"dovecot did not greet on 127.0.0.1:{self.port} within "
                    f"{self.start_timeout} s\n{self.log()}"
                )
            time.sleep(0.02)

    def _greets(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                if not sock.recv(100).startswith(b"* OK"):
                    return False
            with socket.create_connection((self.host, self.ssl_port), timeout=0.5):
                return True
        except OSError:
            return False

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        # Signal the whole process group: the master alone waits about a second or more
        # for its children before it exits, which would make every restart slow.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    # -- IMAP helpers (imap-tools) -----------------------------------------------------

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that verifies this server's certificate."""
        return ssl.create_default_context(cafile=self.cafile)

    def mailbox(
        self, user: str | None = None, password: str | None = None, *, tls: bool = False,
    ) -> BaseMailBox:
        """A logged-in imap-tools mailbox (office account by default); use it in ``with``."""
        box: BaseMailBox
        if tls:
            box = MailBox(self.host, self.ssl_port, timeout=10, ssl_context=self.ssl_context())
        else:
            box = MailBoxUnencrypted(self.host, self.port, timeout=10)
        if user is None:
            user = self.user
            password = self.password if password is None else password
        return box.login(user, password or "", initial_folder=None)

    def append(
        self, message_bytes: bytes, folder: str = "INBOX", *, user: str | None = None,
        password: str | None = None, flags: tuple[str, ...] = (),
    ) -> int:
        """Store a message as if it had been delivered; returns its UID."""
        with self.mailbox(user, password) as box:
            _, data = box.append(message_bytes, folder, flag_set=flags)
        found = re.search(rb"APPENDUID \d+ (\d+)", b" ".join(d for d in data if d))
        if found is None:
            raise DovecotError(f"APPEND gave no UID: {data!r}")
        return int(found.group(1))

    def create_folder(self, name: str, *, user: str | None = None,
                      password: str | None = None) -> None:
        with self.mailbox(user, password) as box:
            box.folder.create(name)

    def delete_folder(self, name: str, *, user: str | None = None,
                      password: str | None = None) -> None:
        with self.mailbox(user, password) as box:
            box.folder.delete(name)

    def folders(self, *, user: str | None = None, password: str | None = None) -> list[str]:
        with self.mailbox(user, password) as box:
            return [info.name for info in box.folder.list()]

    def folder_status(self, name: str = "INBOX", *, user: str | None = None,
                      password: str | None = None) -> dict[str, int]:
        """IMAP STATUS: MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN."""
        with self.mailbox(user, password) as box:
            return box.folder.status(name)

    def messages(self, folder: str = "INBOX", *, user: str | None = None,
                 password: str | None = None) -> list[bytes]:
        """The raw messages in ``folder`` in UID order, without marking them seen."""
        with self.mailbox(user, password) as box:
            box.folder.set(folder, readonly=True)
            if not box.uids():
                return []
            typ, data = box.client.uid("FETCH", "1:*", "(BODY.PEEK[])")
            if typ != "OK":
                raise DovecotError(f"FETCH failed: {data!r}")
            return [item[1] for item in data if isinstance(item, tuple)]

    def reset(self) -> None:
        """Empty the standard folders and delete all others, for both accounts."""
        for user, password in ((OFFICE_USER, OFFICE_PASSWORD), (OTHER_USER, OTHER_PASSWORD)):
            with self.mailbox(user, password) as box:
                names = [info.name for info in box.folder.list()]
                # Deepest first: Dovecot keeps a parent that still has children.
                for name in sorted(names, key=lambda n: n.count("/"), reverse=True):
                    # A \Noselect parent disappears with its last child.
                    if name not in STANDARD_FOLDERS and box.folder.exists(name):
                        box.folder.delete(name)
                for info in box.folder.list(subscribed_only=True):
                    if info.name not in STANDARD_FOLDERS:
                        box.folder.subscribe(info.name, False)
                for name in STANDARD_FOLDERS:
                    box.folder.set(name)
                    uids = box.uids()
                    if uids:
                        box.delete(uids)
