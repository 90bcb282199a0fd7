"""Channels from the ``[channels]`` config: secrets read from the environment here, once."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from automation.channels.base import Channel
from automation.channels.publisher import ChannelPolicy, ChannelPublisher
from automation.channels.settings import ChannelsConfig
from automation.errors import ConfigError
from automation.ports import Ledger


def _secret(env: str | None, key: str, what: str) -> str:
    if not env:
        raise ConfigError(f"'{key}' is required: the environment variable that holds {what}")
    value = os.environ.get(env, "").strip()
    if not value:
        raise ConfigError(
            f"environment variable {env} (named by '{key}') is not set; set it to {what}, "
            "or turn the channel off with enabled = false"
        )
    if not (value.isascii() and value.isprintable()) or any(c.isspace() for c in value):
        # A token travels in a header or a URL; a stray character is a paste mistake.
        raise ConfigError(f"environment variable {env} (named by '{key}') holds characters "
                          f"{what} cannot have (spaces, Thai or control characters); "
                          "copy it again")
    return value


def _url(value: str, key: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ConfigError(f"'{key}' must be an http(s) address, got \"{value[:40]}\"")
    return value


def channels(config: ChannelsConfig) -> tuple[list[Channel], dict[str, bool]]:
    """The enabled channels, in a fixed order, and each one's ``default`` setting."""
    wanted = (config.line, config.telegram, config.facebook, config.google_chat,
              config.webhook)
    if not any(c and c.enabled for c in wanted):
        return [], {}
    # The HTTP client (requests) loads only for an office that posts to a channel.
    from automation.channels.facebook import FacebookChannel
    from automation.channels.google_chat import GoogleChatChannel
    from automation.channels.http import Http
    from automation.channels.line import LineChannel
    from automation.channels.telegram import TelegramChannel
    from automation.channels.webhook import WebhookChannel

    http = Http(config.timeout)
    made: list[Channel] = []
    defaults: dict[str, bool] = {}
    line = config.line
    if line and line.enabled:
        token = _secret(line.token_env, "channels.line.token_env", "the channel access token")
        made.append(LineChannel(token, line.to, http, api_base=_url(line.api_base,
                                "channels.line.api_base"), min_interval=line.min_interval))
        defaults["line"] = line.default
    tg = config.telegram
    if tg and tg.enabled:
        if not tg.chat_id.strip():
            raise ConfigError("'channels.telegram.chat_id' is required (e.g. \"@office_news\" "
                              "or the channel's numeric ID)")
        token = _secret(tg.token_env, "channels.telegram.token_env", "the bot token")
        made.append(TelegramChannel(
            token, tg.chat_id.strip(), http, photo=tg.photo,
            api_base=_url(tg.api_base, "channels.telegram.api_base"),
            min_interval=tg.min_interval,
        ))
        defaults["telegram"] = tg.default
    fb = config.facebook
    if fb and fb.enabled:
        if not fb.page_id.strip():
            raise ConfigError("'channels.facebook.page_id' is required (the Page's numeric ID)")
        token = _secret(fb.token_env, "channels.facebook.token_env", "the Page access token")
        made.append(FacebookChannel(
            fb.page_id.strip(), token, http,
            api_base=_url(fb.api_base, "channels.facebook.api_base"),
            api_version=fb.api_version, min_interval=fb.min_interval,
        ))
        defaults["facebook"] = fb.default
    chat = config.google_chat
    if chat and chat.enabled:
        url = _secret(chat.url_env, "channels.google_chat.url_env", "the space's webhook URL")
        made.append(GoogleChatChannel(_url(url, f"${chat.url_env}"), http,
                                      min_interval=chat.min_interval))
        defaults["google_chat"] = chat.default
    hook = config.webhook
    if hook and hook.enabled:
        if hook.url:
            url = _url(hook.url, "channels.webhook.url")
        else:
            url = _url(_secret(hook.url_env, "channels.webhook.url_env", "the webhook URL"),
                       f"${hook.url_env}")
        secret = (_secret(hook.secret_env, "channels.webhook.secret_env", "the signing secret")
                  if hook.secret_env else None)
        made.append(WebhookChannel(url, http, secret=secret, min_interval=hook.min_interval))
        defaults["webhook"] = hook.default
    return made, defaults


def publisher(
    config: ChannelsConfig, ledger: Ledger, clock: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
) -> ChannelPublisher | None:
    made, defaults = channels(config)
    if not made:
        return None
    for key, value in (("channels.retries", config.retries),
                       ("channels.max_attempts", config.max_attempts)):
        if value < (0 if key == "channels.retries" else 1):
            raise ConfigError(f"'{key}' is too small: {value}")
    policy = ChannelPolicy(retries=config.retries, max_wait=config.max_wait,
                           max_attempts=config.max_attempts,
                           give_up=timedelta(hours=config.give_up_hours))
    return ChannelPublisher(made, defaults, ledger, clock, policy, sleep)
