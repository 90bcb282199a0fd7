"""The report e-mail: text and HTML, charts as inline images, tables as attachments.

Structure: multipart/mixed [ multipart/related [ multipart/alternative [text, html],
chart images referenced from the HTML by Content-ID ], attachments ]. Mail clients show
``cid:`` images inline, where links to images on the web would be blocked by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email import encoders
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr
from typing import cast

from automation.core.render import Rendered
from automation.reports.charts import Chart
from automation.reports.export import Attachment
from automation.text import single_line


def _encoded(value: str) -> str:
    # compat32 accepts a Header where a str is typed; it encodes per RFC 2047 on output.
    return cast(str, Header(single_line(value, limit=250), "utf-8"))


def _address(name: str | None, email: str) -> str:
    return formataddr((single_line(name or "", limit=120), single_line(email)), charset="utf-8")


def report_message(
    *,
    rendered: Rendered,
    charts: Sequence[Chart],
    attachments: Sequence[Attachment],
    sender: str,
    sender_name: str | None,
    recipient: str,
    msg_id: str,
    now: datetime,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
) -> Message:
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(rendered.text, "plain", "utf-8"))
    body.attach(MIMEText(rendered.html, "html", "utf-8"))
    if charts:
        related = MIMEMultipart("related")
        related.attach(body)
        for chart in charts:
            image = MIMEImage(chart.png, "png")
            image["Content-ID"] = f"<{chart.cid}>"
            image.add_header("Content-Disposition", "inline", filename=chart.filename)
            related.attach(image)
        body = related
    msg = MIMEMultipart("mixed")
    msg["Subject"] = _encoded(rendered.subject)
    msg["From"] = _address(sender_name, sender)
    msg["To"] = _address(None, recipient)
    if reply_to:
        msg["Reply-To"] = single_line(reply_to)
    msg["Date"] = rfc2822_date(now)
    msg["Message-ID"] = msg_id
    msg["MIME-Version"] = "1.0"
    for name, value in (headers or {}).items():
        msg[name] = _encoded(value)
    msg.attach(body)
    for attachment in attachments:
        part = MIMEBase(attachment.maintype, attachment.subtype)
        if attachment.maintype == "text":
            part.set_param("charset", "utf-8")
        part.set_payload(attachment.data)
        encoders.encode_base64(part)
        # RFC 2231 keeps the Thai file name intact in every current mail client.
        part.add_header("Content-Disposition", "attachment",
                        filename=("utf-8", "", attachment.filename))
        msg.attach(part)
    return msg
