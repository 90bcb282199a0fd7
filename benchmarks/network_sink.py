"""A provider across a network: the SMTP sink behind a link that delays every packet.

``benchmarks/provider_sink.py`` makes the *server* wait before each reply, one reply after
another. A real provider is far away instead: whatever either side sends arrives half a
round trip later, however many commands travel together. This sink puts a byte-level
proxy in front of an undelayed server (STARTTLS and AUTH still required) that holds each
chunk for ``rtt_ms / 2`` in each direction, so the TLS handshake, every EHLO line and
every reply cost what they cost on a real link, and a client that sends several commands
in one packet (PIPELINING, RFC 2920, which Gmail and Microsoft 365 offer) pays one round
trip for them, as it would there.

    with NetworkSink(rtt_ms=20) as sink: ... sink.port, sink.cafile, sink.accepted ...
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

from benchmarks.provider_sink import ProviderSink


class LatencyLink:
    """A TCP proxy on 127.0.0.1 to ``target_port``, each direction ``one_way`` s late."""

    def __init__(self, target_port: int, one_way: float) -> None:
        self.target_port = target_port
        self.one_way = one_way
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None

    def start(self) -> LatencyLink:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._accept, "127.0.0.1", 0), self._loop).result()
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter,
                      ) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await asyncio.gather(self._carry(client_r, server_w),
                                 self._carry(server_r, client_w))
        for writer in (client_w, server_w):
            writer.close()

    async def _carry(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward everything ``reader`` gets, each chunk ``one_way`` after it arrived."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                await asyncio.sleep(max(0.0, due - loop.time()))
                if not data:
                    writer.close()
                    return
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            while True:
                data = await reader.read(65536)
                queue.put_nowait((loop.time() + self.one_way, data))
                if not data:
                    break
            await sender
        finally:
            sender.cancel()


class NetworkSink(ProviderSink):
    """The provider sink with no delay of its own, reached through a ``LatencyLink``."""

    def __init__(self, rtt_ms: float = 20.0) -> None:
        super().__init__(rtt_ms=0)
        self.link_rtt_ms = rtt_ms
        self.link: LatencyLink | None = None

    @property
    def port(self) -> int:
        assert self.link is not None, "start the sink first"
        return self.link.port

    def start(self) -> NetworkSink:
        super().start()
        self.link = LatencyLink(self.server.port, self.link_rtt_ms / 2000).start()
        return self

    def stop(self) -> None:
        if self.link is not None:
            self.link.stop()
        super().stop()

    def __enter__(self) -> NetworkSink:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
