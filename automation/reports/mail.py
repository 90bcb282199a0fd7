"""The report e-mail: text and HTML, charts as inline images, tables as attachments.

Structure: multipart/mixed [ multipart/related [ multipart/alternative [text, html],
chart images referenced from the HTML by Content-ID ], attachments ]. Mail clients show
``cid:`` images inline, where links to images on the web would be blocked by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email import encoders
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import TYPE_CHECKING

from automation.core.message import address, encoded
from automation.core.render import Rendered
from automation.reports.export import Attachment

if TYPE_CHECKING:  # matplotlib loads only when a report is drawn
    from automation.reports.charts import Chart


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
    address(
        msg, subject=rendered.subject, sender=sender, sender_name=sender_name,
        recipient=recipient, recipient_name=None, msg_id=msg_id, now=now, reply_to=reply_to,
    )
    for name, value in (headers or {}).items():
        msg[name] = encoded(value)
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
