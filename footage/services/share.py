"""Share a clip where people already talk: a camera's range goes to a configured
alert recipient (a Telegram chat, an e-mail address) as one message with a
thumbnail, the site-local time and an expiring link that plays the clip.

Sharing reuses exports: :func:`start_share` checks who may share what with whom
(:func:`share_target`: the role is allowed, the footage is the user's site, the
recipient hears about that site), queues an export of the range (the user's
export quota applies) and writes the share beside it (``exports/<id>/share.json``,
expiring with the export). Once the export is done, :func:`deliver_share` sends
the message through the recipient's channel and records the outcome there; the
link is the clip's own pre-signed URL (a signed /media/ path on a NAS folder,
made absolute with ``sharing.public_url``), valid ``sharing.link_hours``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from footage.alerts.config import Recipient
from footage.auth import Principal
from footage.catalog import Catalog
from footage.config import Camera, Config, ExportQuota, FilesystemStorage
from footage.errors import MediaError, NotFound, ObjectNotFound, ShareRefused, StorageError
from footage.keys import build_export_key
from footage.localtime import format_site_time
from footage.media.fit import TELEGRAM_LIMIT_BYTES, fit_to_size
from footage.media.probe import probe_file
from footage.notify.base import Channel, Delivery, Language, OutgoingMessage
from footage.services.exports import ExportJob, ExportStatus, ExportStore, create_export

SHARE_FILE = "share.json"
#: The kinds of channel a clip may go to (not a webhook: it has no person behind it).
SHARE_CHANNELS = ("telegram", "email")


@dataclass(frozen=True, slots=True)
class ShareRecord:
    export_id: str
    recipient: str  # alerts.recipients[].name
    shared_by: str
    requested_at: datetime
    clip: bool = False  # the clip itself goes too (Telegram; sharing.send_clip)
    status: str = "pending"  # pending (the clip is being cut), delivered, failed
    error: str = ""
    delivered_at: datetime | None = None
    link_expires_at: datetime | None = None

    def to_json(self) -> bytes:
        data = {k: v.isoformat() if isinstance(v, datetime) else v
                for k, v in asdict(self).items()}  # fmt: skip
        return json.dumps(data).encode()

    @staticmethod
    def from_json(raw: bytes) -> ShareRecord:
        data: dict[str, Any] = json.loads(raw)
        for name in ("requested_at", "delivered_at", "link_expires_at"):
            if data.get(name):
                data[name] = datetime.fromisoformat(data[name])
        return ShareRecord(**data)


def share_target(
    config: Config, principal: Principal, camera_id: str, recipient_name: str, clip: bool = False
) -> tuple[Camera, Recipient]:
    """The camera and recipient, if ``principal`` may share that camera with them
    (``clip``: the clip itself too): NotFound for an unknown camera or recipient,
    ShareRefused otherwise."""
    sharing = config.sharing
    if not sharing.enabled:
        raise ShareRefused("sharing is turned off (sharing.enabled)")
    if principal.role not in sharing.roles:
        raise ShareRefused(f"the {principal.role.value} role may not share (sharing.roles)")
    camera = config.camera(camera_id)
    if camera is None:
        raise NotFound(f"no camera {camera_id!r}")
    if not principal.can_see(camera.site):
        raise ShareRefused(f"not allowed to share footage of site {camera.site}")
    recipient = next((r for r in config.alerts.recipients if r.name == recipient_name), None)
    if recipient is None:
        raise NotFound(f"no recipient {recipient_name!r} (alerts.recipients)")
    if config.alerts.channels[recipient.channel].type not in SHARE_CHANNELS:
        raise ShareRefused(f"recipient {recipient.name!r} is not a Telegram chat or e-mail address")
    if recipient.sites is not None and camera.site not in recipient.sites:
        raise ShareRefused(f"recipient {recipient.name!r} does not receive site {camera.site}")
    if clip and not sharing.send_clip:
        raise ShareRefused("sending the clip itself is not allowed here (sharing.send_clip)")
    if clip and config.alerts.channels[recipient.channel].type != "telegram":
        raise ShareRefused("only a Telegram chat takes the clip itself; e-mail gets the link")
    return camera, recipient


def recipients_for(config: Config, principal: Principal) -> list[Recipient]:
    """Whom ``principal`` may share with at all (the viewer's list to pick from)."""
    s = config.sharing
    if not s.enabled or principal.role not in s.roles:
        return []
    return [r for r in config.alerts.recipients
            if config.alerts.channels[r.channel].type in SHARE_CHANNELS
            and (r.sites is None or any(principal.can_see(site) for site in r.sites))]  # fmt: skip


def start_share(
    store: ExportStore,
    catalog: Catalog,
    config: Config,
    principal: Principal,
    request: tuple[str, datetime, datetime, str],
    now: datetime,
    quota: ExportQuota | None = None,
    *,
    clip: bool = False,
) -> tuple[ExportJob, ShareRecord]:
    """Check (share_target), queue the range's export and record the share.
    ``request``: camera, start, end, recipient name. ValueError for a bad range."""
    camera_id, start, end, recipient_name = request
    camera, recipient = share_target(config, principal, camera_id, recipient_name, clip)
    longest = timedelta(minutes=config.sharing.max_minutes)
    if end - start > longest:
        raise ValueError(f"a shared clip spans at most {config.sharing.max_minutes:g} minutes")
    if _needs_public_url(config):
        raise ShareRefused("sharing.public_url is not set: a link must say where the viewer is")
    job = create_export(store, catalog, camera.id, camera.site, start, end, principal.username,
                        now, quota, timezone=config.site(camera.site).timezone)  # fmt: skip
    record = ShareRecord(job.id, recipient.name, principal.username, now, clip=clip)
    save_share(store, record)
    return job, record


def _needs_public_url(config: Config) -> bool:
    """A NAS folder's links are paths on this server: they need its public address."""
    return config.sharing.public_url is None and isinstance(config.storage, FilesystemStorage)


def save_share(store: ExportStore, record: ShareRecord) -> None:
    store.storage.put_bytes(build_export_key(record.export_id, SHARE_FILE), record.to_json(),
                            content_type="application/json")  # fmt: skip


def load_share(store: ExportStore, export_id: str) -> ShareRecord | None:
    """The share of an export, or None when the export is not a share."""
    try:
        return ShareRecord.from_json(
            store.storage.read_range(build_export_key(export_id, SHARE_FILE))
        )
    except ObjectNotFound:
        return None


@dataclass(frozen=True, slots=True)
class Sender:
    """What delivering needs beside the export: the channels by name, a clock, and
    scratch space to fit a clip sent itself."""

    channels: Mapping[str, Channel]
    now: Callable[[], datetime]
    workdir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()))


def deliver_share(
    store: ExportStore, catalog: Catalog, config: Config, sender: Sender, export_id: str
) -> ShareRecord | None:
    """Send a finished export's share once (a delivered share is left as it is); a
    failed export fails its share. None when the export is not a share."""
    record = load_share(store, export_id)
    if record is None or record.status != "pending":
        return record
    job = store.load(export_id)
    if job.status is ExportStatus.FAILED:
        return _settle(store, record, Delivery.failed(f"the clip failed: {job.error}"), sender)
    if job.status is not ExportStatus.DONE:
        return record
    recipient = next((r for r in config.alerts.recipients if r.name == record.recipient), None)
    channel = sender.channels.get(recipient.channel) if recipient else None
    if recipient is None or channel is None:
        why = f"recipient {record.recipient!r} or its channel is not available (not configured,"
        return _settle(store, record, Delivery.failed(why + " or a secret is missing)"), sender)
    expires = sender.now() + timedelta(hours=config.sharing.link_hours)
    msg = share_message(config, job, record, recipient, clip_link(store, config, job),
                        thumbnail(store, catalog, job), expires)  # fmt: skip
    if record.clip:
        try:
            msg = replace(msg, video=fitted_clip(store, job, sender.workdir),
                          video_name=job.download_name or "clip.mp4")  # fmt: skip
        except (MediaError, StorageError) as exc:
            return _settle(store, record, Delivery.failed(f"the clip itself: {exc}"), sender)
    return _settle(store, replace(record, link_expires_at=expires), channel.send(msg), sender)


def fitted_clip(store: ExportStore, job: ExportJob, workdir: Path) -> bytes:
    """The export's MP4, re-encoded to fit the Bot API's upload limit when larger."""
    assert job.file_name is not None
    scratch = workdir / f"share-{job.id}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        src = scratch / "clip.mp4"
        store.storage.download(build_export_key(job.id, job.file_name), src)
        sent = fit_to_size(src, scratch / "fitted.mp4", probe_file(src), TELEGRAM_LIMIT_BYTES)
        return sent.read_bytes()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _settle(
    store: ExportStore, record: ShareRecord, outcome: Delivery, sender: Sender
) -> ShareRecord:
    ok = outcome.delivered
    done = replace(record, status="delivered" if ok else "failed", error=outcome.error,
                   delivered_at=sender.now() if ok else None)  # fmt: skip
    save_share(store, done)
    return done


def clip_link(store: ExportStore, config: Config, job: ExportJob) -> str:
    """The clip's pre-signed URL, to play in a browser (no download name: inline)."""
    assert job.file_name is not None
    url = store.storage.presign(build_export_key(job.id, job.file_name),
                                timedelta(hours=config.sharing.link_hours))  # fmt: skip
    if url.startswith("/") and config.sharing.public_url:
        return config.sharing.public_url.rstrip("/") + url
    return url


def thumbnail(store: ExportStore, catalog: Catalog, job: ExportJob) -> bytes | None:
    """The first thumbnail of the range, if the index has one (JPEG)."""
    for segment in catalog.query_camera(job.camera, job.start, job.end):
        if segment.thumbnail_key:
            try:
                return store.storage.read_range(segment.thumbnail_key)
            except StorageError:
                continue
    return None


_TEXT = {
    Language.ID: ("Klip {camera} ({site})",
                  "{camera} di {site}\n{start} s.d. {end}\nDibagikan oleh {user}.\n"
                  "Tautan berlaku sampai {expires}."),
    Language.EN: ("Clip of {camera} ({site})",
                  "{camera} at {site}\n{start} to {end}\nShared by {user}.\n"
                  "The link works until {expires}."),
}  # fmt: skip


def share_message(
    config: Config,
    job: ExportJob,
    record: ShareRecord,
    recipient: Recipient,
    link: str,
    image: bytes | None,
    expires: datetime,
) -> OutgoingMessage:
    """The message in the recipient's language, times in the site's clock."""
    site = config.site(job.site)
    camera = config.camera(job.camera)
    words = {"camera": camera.name if camera else job.camera, "site": site.name,
             "start": format_site_time(job.start, site.timezone),
             "end": format_site_time(job.end, site.timezone),
             "expires": format_site_time(expires, site.timezone),
             "user": record.shared_by}  # fmt: skip
    subject, text = (part.format(**words) for part in _TEXT[recipient.language])
    return OutgoingMessage(recipient.channel, recipient.address, subject, text,
                           language=recipient.language, image=image,
                           image_name=f"{job.camera}.jpg", link=link)  # fmt: skip
