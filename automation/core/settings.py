"""Settings the core reads, named for what they mean to it.

The adapters' own tables ([mail], [site], [unsubscribe], [bounces]) stay theirs; the
configuration maps them to these (``Config.delivery``, ``Config.board_url``), so the core
never asks which transport is in use or where a one-click page lives.
"""

from __future__ import annotations

from dataclasses import dataclass

from automation.core.quota import Limits


@dataclass(frozen=True)
class Delivery:
    """How the office's messages are addressed and paced."""

    sender: str  # the office's address: From, Message-ID domain, VERP base
    limits: Limits  # the provider's sending limits (rolling 24 hours, per minute, connections)
    sender_name: str | None = None  # display name; None: the office's name
    reply_to: str | None = None
    unsubscribe_to: str = ""  # where mailto: unsubscribe requests go
    one_click_base: str = ""  # public page for one-click unsubscribe; "" = none
    verp: bool = False  # envelope sender signed per message, so bounces name the delivery
    paced: bool = True  # a provider with a rate limit; False for a folder (no pacing)
    retries: int = 3
