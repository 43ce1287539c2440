"""WhatsApp messages from ChatStorage.sqlite, one record per message (ios.md §5.11).

- ChatStorage.sqlite is a CoreData store in WhatsApp's shared app-group container
  (`AppDomainGroup-group.net.whatsapp.WhatsApp.shared`; WhatsApp Business uses its own group).
  Every matching container is read: the incumbent reads only the first match.
- Links come from the text (`ZTEXT`), the media item (`ZWAMEDIAITEM.ZMEDIAURL`) and the
  link-preview data items (`ZWAMESSAGEDATAITEM.ZCONTENT1`, `ZCONTENT2`, `ZMATCHEDTEXT`), with
  the permissive `https?://` pattern. URLs on WhatsApp's own media CDN (`mmg.whatsapp.net`,
  `mmg-fna.whatsapp.net`) are dropped from `links`; they stay visible in `media_url`.
- Media and data items are LEFT JOINed (a message may have neither, or several data items);
  the rows of one message are folded into one record.
- In group chats `ZFROMJID` is the group; the sender is the group member
  (`ZWAMESSAGE.ZGROUPMEMBER` → `ZWAGROUPMEMBER.ZMEMBERJID`), kept as `member_jid`.
- JIDs: `<digits>@s.whatsapp.net` is a phone number and becomes the PHONE observable
  `+<digits>`; `@g.us` (groups), `@lid` (privacy ids), `@broadcast` and `status@broadcast`
  are not phone numbers and stay only in the raw `from_jid` / `to_jid`.
- `ZMESSAGEDATE` and `ZSENTDATE` are Cocoa seconds (REAL).
- The message body is evidence kept in the record, but never shown by `describe()` nor logged.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from perito.artifacts.base import Artifact, Context, sqlite_rows, timestamp
from perito.artifacts.sql import col, has
from perito.indicators.normalise import extract_links
from perito.records import Kind, Record, observable, register_record, shareable, timeline
from perito.sources.locations import BackupFile, BackupGlob, FsGlob
from perito.timestamps import Encoding, Timestamp, unset

_PHONE_JID = re.compile(r"([0-9]+)(?::[0-9]+)?@s\.whatsapp\.net", re.IGNORECASE)
_OWN_CDN = ("https://mmg.whatsapp.net/", "https://mmg-fna.whatsapp.net/")
_MEDIA_COLUMNS = (("ZMEDIAURL", "media_url"), ("ZMEDIALOCALPATH", "media_local_path"),
                  ("ZAUTHORNAME", "media_author"))
_DATA_COLUMNS = (("ZCONTENT1", "data_content1"), ("ZCONTENT2", "data_content2"),
                 ("ZMATCHEDTEXT", "data_matched_text"))


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class WhatsappMessage(Record):
    """One message of a WhatsApp ChatStorage.sqlite."""

    pk: int | None = None  # ZWAMESSAGE.Z_PK
    chat_session: int | None = None
    chat_jid: str | None = None  # ZWACHATSESSION.ZCONTACTJID: the conversation
    from_jid: str | None = None
    to_jid: str | None = None
    from_phone: str = field(default="", metadata=observable(Kind.PHONE))
    to_phone: str = field(default="", metadata=observable(Kind.PHONE))
    member_jid: str | None = None  # group chats: the sender (ZWAGROUPMEMBER.ZMEMBERJID)
    member_phone: str = field(default="", metadata=observable(Kind.PHONE))
    is_from_me: int | None = None
    direction: str = field(default="", metadata=shareable())  # "sent"/"received": ZISFROMME
    message_type: int | None = None  # ZMESSAGETYPE (0 text, 1 image, 2 video, …)
    stanza_id: str | None = None
    message_date: Timestamp = field(default=unset(Encoding.COCOA_S),
                                    metadata=timeline("WhatsApp message"))
    sent_date: Timestamp = field(default=unset(Encoding.COCOA_S))
    text: str | None = None
    media_url: str | None = None
    media_local_path: str | None = None
    media_author: str | None = None
    data_content1: tuple[str, ...] = ()
    data_content2: tuple[str, ...] = ()
    data_matched_text: tuple[str, ...] = ()
    links: tuple[str, ...] = field(default=(), metadata=observable(Kind.URL))

    record_name = "WhatsApp message"

    def describe(self) -> str:
        if self.direction == "sent":
            counterpart = self.to_jid or self.chat_jid
            text = "WhatsApp message sent" + (f" to {counterpart}" if counterpart else "")
        else:
            counterpart = self.member_jid or self.from_jid or self.chat_jid
            verb = "received" if self.direction == "received" else "message"
            text = f"WhatsApp {verb}" + (f" from {counterpart}" if counterpart else "")
            if self.member_jid and self.chat_jid and self.chat_jid != self.member_jid:
                text += f" in {self.chat_jid}"
        if self.links:
            text += " with links: " + " ".join(self.links)
        return text


def phone_of_jid(jid: str | None) -> str:
    """`+<digits>` for a phone-number JID (`<digits>@s.whatsapp.net`), else ""."""
    if not jid:
        return ""
    found = _PHONE_JID.fullmatch(jid.strip())
    return "+" + found.group(1) if found else ""


def is_whatsapp_cdn(link: str) -> bool:
    return link.lower().startswith(_OWN_CDN)


def _query(found: Mapping[str, set[str]]) -> str:
    columns = [
        col(found, "ZWAMESSAGE", "ZCHATSESSION", "chat_session", prefix="m"),
        col(found, "ZWAMESSAGE", "ZFROMJID", "from_jid", prefix="m"),
        col(found, "ZWAMESSAGE", "ZTOJID", "to_jid", prefix="m"),
        col(found, "ZWAMESSAGE", "ZISFROMME", "is_from_me", prefix="m"),
        col(found, "ZWAMESSAGE", "ZMESSAGETYPE", "message_type", prefix="m"),
        col(found, "ZWAMESSAGE", "ZSTANZAID", "stanza_id", prefix="m"),
        col(found, "ZWAMESSAGE", "ZMESSAGEDATE", "message_date", prefix="m"),
        col(found, "ZWAMESSAGE", "ZSENTDATE", "sent_date", prefix="m"),
        col(found, "ZWAMESSAGE", "ZTEXT", "text", prefix="m"),
    ]
    joins = []
    if has(found, "ZWACHATSESSION", "Z_PK") and has(found, "ZWAMESSAGE", "ZCHATSESSION"):
        columns.append(col(found, "ZWACHATSESSION", "ZCONTACTJID", "chat_jid", prefix="c"))
        joins.append("LEFT JOIN ZWACHATSESSION c ON c.Z_PK = m.ZCHATSESSION")
    else:
        columns.append('NULL AS "chat_jid"')
    if has(found, "ZWAGROUPMEMBER", "Z_PK") and has(found, "ZWAMESSAGE", "ZGROUPMEMBER"):
        columns.append(col(found, "ZWAGROUPMEMBER", "ZMEMBERJID", "member_jid", prefix="g"))
        joins.append("LEFT JOIN ZWAGROUPMEMBER g ON g.Z_PK = m.ZGROUPMEMBER")
    else:
        columns.append('NULL AS "member_jid"')
    if has(found, "ZWAMEDIAITEM", "ZMESSAGE"):
        columns.extend(col(found, "ZWAMEDIAITEM", name, alias, prefix="mi")
                       for name, alias in _MEDIA_COLUMNS)
        joins.append("LEFT JOIN ZWAMEDIAITEM mi ON mi.ZMESSAGE = m.Z_PK")
    else:
        columns.extend(f'NULL AS "{alias}"' for _name, alias in _MEDIA_COLUMNS)
    if has(found, "ZWAMESSAGEDATAITEM", "ZMESSAGE"):
        columns.extend(col(found, "ZWAMESSAGEDATAITEM", name, alias, prefix="d")
                       for name, alias in _DATA_COLUMNS)
        joins.append("LEFT JOIN ZWAMESSAGEDATAITEM d ON d.ZMESSAGE = m.Z_PK")
        order = ", d.Z_PK" if has(found, "ZWAMESSAGEDATAITEM", "Z_PK") else ""
    else:
        columns.extend(f'NULL AS "{alias}"' for _name, alias in _DATA_COLUMNS)
        order = ""
    if has(found, "ZWAMEDIAITEM", "ZMESSAGE") and has(found, "ZWAMEDIAITEM", "Z_PK"):
        order = ", mi.Z_PK" + order
    return (f"SELECT m.Z_PK AS pk, {', '.join(columns)} FROM ZWAMESSAGE m {' '.join(joins)} "
            f"ORDER BY m.Z_PK{order}")


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _collect(rows: list[sqlite3.Row], name: str) -> tuple[str, ...]:
    """The distinct non-empty values of a column over the joined rows of one message."""
    values = (_text(row[name]) for row in rows)
    return tuple(dict.fromkeys(v for v in values if v))


def _record(rows: list[sqlite3.Row], address: str) -> WhatsappMessage:
    first = rows[0]
    text = _text(first["text"])
    media_urls = _collect(rows, "media_url")
    content1 = _collect(rows, "data_content1")
    content2 = _collect(rows, "data_content2")
    matched = _collect(rows, "data_matched_text")
    links: list[str] = []
    for value in (text, *media_urls, *content1, *content2, *matched):
        if value:
            links.extend(link for link in extract_links(value) if not is_whatsapp_cdn(link))
    from_jid, to_jid = _text(first["from_jid"]), _text(first["to_jid"])
    member_jid = _text(first["member_jid"])
    from_me = _int(first["is_from_me"])
    return WhatsappMessage(
        source=address,
        pk=_int(first["pk"]),
        chat_session=_int(first["chat_session"]),
        chat_jid=_text(first["chat_jid"]),
        from_jid=from_jid,
        to_jid=to_jid,
        from_phone=phone_of_jid(from_jid),
        to_phone=phone_of_jid(to_jid),
        member_jid=member_jid,
        member_phone=phone_of_jid(member_jid),
        is_from_me=from_me,
        direction="sent" if from_me == 1 else "received" if from_me == 0 else "",
        message_type=_int(first["message_type"]),
        stanza_id=_text(first["stanza_id"]),
        message_date=timestamp(first["message_date"], Encoding.COCOA_S),
        sent_date=timestamp(first["sent_date"], Encoding.COCOA_S),
        text=text,
        media_url=media_urls[0] if media_urls else None,
        media_local_path=next(iter(_collect(rows, "media_local_path")), None),
        media_author=next(iter(_collect(rows, "media_author")), None),
        data_content1=content1,
        data_content2=content2,
        data_matched_text=matched,
        links=tuple(dict.fromkeys(links)),
    )


def extract(ctx: Context) -> Iterator[WhatsappMessage]:
    """Every message of one ChatStorage.sqlite."""
    identify = {"ZWAMESSAGE": ["Z_PK", "ZCHATSESSION", "ZISFROMME", "ZMESSAGEDATE"]}
    rows = sqlite_rows(ctx, identify, _query)
    for _pk, group in itertools.groupby(rows, key=lambda row: row["pk"]):
        yield _record(list(group), ctx.evidence.address)


ARTIFACT = Artifact(
    id="ios.whatsapp.messages",
    title="WhatsApp messages",
    slug="whatsapp",
    plugin="Whatsapp",
    locations=(BackupFile("AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
                          "ChatStorage.sqlite"),
               BackupGlob("ChatStorage.sqlite", "AppDomainGroup-*"),
               FsGlob("private/var/mobile/Containers/Shared/AppGroup/*/ChatStorage.sqlite")),
    records=(WhatsappMessage,),
    extract=extract,
    doc=__doc__ or "",
)
