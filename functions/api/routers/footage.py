"""Recorded footage of one camera: its segments and gaps (each with its reason),
what a range covers and lacks, the playback playlist, thumbnails for scrubbing,
and (on-prem) the signed media files themselves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse

from footage.audit import AuditAction, AuditEvent
from footage.auth import Principal
from footage.config import Camera
from footage.coverage import Gap
from footage.errors import StorageError
from footage.keys import SPRITE_TILES
from footage.models import SegmentStatus
from footage.services.footage_query import camera_coverage, camera_footage
from footage.services.playback import MIN_URL_TTL, PlaybackCodec, playback_playlist, url_ttl
from footage.services.renditions import MAX_PARTS, parse_segment_id, rendition_url
from footage.signing import SignatureError, verify_signed_path
from footage.storage import attachment
from footage.thumbnails import parse_thumbnail
from functions.api.cache import Answer
from functions.api.deps import (
    ApiContext,
    Context,
    CurrentPrincipal,
    client_address,
    record_access,
    visible_camera,
)
from functions.api.errors import unprocessable
from functions.api.schemas import (
    ApiTime,
    CoverageOut,
    FootageOut,
    GapOut,
    RangeOut,
    SegmentOut,
    ThumbnailOut,
    ThumbnailsOut,
)

router = APIRouter(tags=["footage"])
Start = Annotated[ApiTime, Query(description="ISO 8601 with a zone")]
End = Annotated[ApiTime, Query(description="ISO 8601 with a zone")]
CameraId = Annotated[str, Query(min_length=1, max_length=64)]
Codec = Annotated[
    PlaybackCodec | None,
    Query(description="what the viewer decodes when it cannot decode HEVC: footage it "
          "cannot play is listed as H.264 renditions made on demand"),
]  # fmt: skip
_T = TypeVar("_T")
#: How long a list of recent footage (within the revision's lag) is kept.
RECENT_FOR_S = 15
_DENIED: dict[int | str, dict[str, Any]] = {
    403: {"description": "the camera's site is not yours"},
    404: {"description": "no such camera"},
}


@router.get(
    "/api/footage",
    response_model=FootageOut,
    responses={**_DENIED, 304: {"description": "not modified (If-None-Match)"}},
)
async def get_footage(
    context: Context,
    principal: CurrentPrincipal,
    request: Request,
    camera: CameraId,
    start: Start,
    end: End,
) -> Response:
    """Segments and gaps; answers are cached per catalog revision (ETag, gzip).
    Audited once a minute per user, range and client (a repeat costs no write)."""
    configured = visible_camera(context, principal, camera)
    read = _read(context, request, principal, AuditAction.FOOTAGE, configured, start, end)
    # A range ending within the revision's lag may hold segments the revision does
    # not count yet: kept for RECENT_FOR_S only, not per revision (an incident a
    # minute ago is listed within seconds; a page polling it costs a query per
    # RECENT_FOR_S, not one per poll)
    lag = context.revision_lag  # on-prem 0: the revision moves with the write
    now = context.clock.now()
    if lag and end > now - lag:
        version: object = ("recent", int(now.timestamp() // RECENT_FOR_S))
    else:
        version = context.catalog.camera_revision(camera)  # one primary-key read
    key = ("footage", camera, start.isoformat(), end.isoformat(), version)
    answer = context.answers.peek(key)
    if answer is None:  # the query, serialization and audit write block: off the event loop

        def produce() -> Answer:
            def body() -> bytes:
                return _footage_json(context, configured.site, camera, start, end)

            made = context.answers.get(key, body)
            context.audit.record_read(read)  # once the range is known to be valid
            return made

        answer = await run_in_threadpool(produce)
    elif not context.audit.recent_reads.recorded(read):
        await run_in_threadpool(context.audit.record_read, read)
    return answer.respond(request)


def _footage_json(
    context: ApiContext, site: str, camera: str, start: datetime, end: datetime
) -> bytes:
    found = _checked(lambda: camera_footage(context.catalog, camera, start, end))
    # Built without validation (the values come from the index): 1,440 segments
    # a camera-day, where validating them again would double the cost.
    segments = [
        SegmentOut.model_construct(
            start=s.start, end=s.end, duration_s=s.duration_s, size_bytes=s.size_bytes,
            codec=s.codec, width=s.width, height=s.height, status=s.status.value,
            reason=s.reason,
        )
        for s in found.segments
    ]  # fmt: skip
    gaps = [_gap(g) for g in found.gaps]
    out = FootageOut.model_construct(camera=camera, site=site, start=start, end=end,
                                     segments=segments, gaps=gaps)  # fmt: skip
    return out.model_dump_json().encode()


def _gap(gap: Gap) -> GapOut:
    return GapOut.model_construct(start=gap.start, end=gap.end, reason=gap.reason.value,
                                  detail=gap.detail)  # fmt: skip


@router.get("/api/cameras/{camera_id}/coverage", responses=_DENIED)
def get_coverage(
    context: Context,
    principal: CurrentPrincipal,
    request: Request,
    camera_id: str,
    start: Start,
    end: End,
) -> CoverageOut:
    """What [start, end) covers and lacks, with why: what an export of it will hold
    (the export dialog asks before exporting). Audited as a footage read."""
    camera = visible_camera(context, principal, camera_id)
    found = _checked(lambda: camera_coverage(context.catalog, camera.id, start, end))
    context.audit.record_read(
        _read(context, request, principal, AuditAction.FOOTAGE, camera, start, end)
    )
    return CoverageOut(
        camera=camera.id, site=camera.site, timezone=context.config.site(camera.site).timezone,
        start=start, end=end, covered=[RangeOut(start=r.start, end=r.end) for r in found.covered],
        missing=[_gap(g) for g in found.missing], covered_s=found.covered_s,
        missing_s=found.missing_s,
    )  # fmt: skip


@router.get(
    "/api/cameras/{camera_id}/playback.m3u8",
    response_class=Response,
    responses={200: {"content": {"application/vnd.apple.mpegurl": {}}},
               **_DENIED, 404: {"description": "no camera, or no footage in the range"},
               502: {"description": "a recorded file in the range cannot be read"}},
)  # fmt: skip
def get_playlist(
    context: Context,
    principal: CurrentPrincipal,
    request: Request,
    camera_id: str,
    start: Start,
    end: End,
    codec: Codec = None,
) -> Response:
    camera = visible_camera(context, principal, camera_id)
    playlist = _checked(
        lambda: playback_playlist(context.catalog, context.storage, camera.id, start, end, codec)
    )
    record_access(context, request, principal, AuditAction.PLAYBACK, camera, start, end)
    return Response(
        playlist.text,
        media_type="application/vnd.apple.mpegurl",
        headers={"Cache-Control": "private, no-store", "X-Footage-Gaps": str(len(playlist.gaps))},
    )


@router.get(
    "/api/cameras/{camera_id}/renditions/{segment_id}/{part}",
    response_class=RedirectResponse,
    status_code=status.HTTP_302_FOUND,
    responses={**_DENIED, 404: {"description": "no camera, or no such HEVC segment or part"},
               502: {"description": "the part could not be made"},
               503: {"description": "renditions are not made here"}},
)  # fmt: skip
def get_rendition(
    context: Context,
    principal: CurrentPrincipal,
    camera_id: str,
    segment_id: Annotated[str, Path(pattern=r"^\d{8}T\d{6}Z$", description="segment start")],
    part: Annotated[int, Path(ge=0, lt=MAX_PARTS)],
) -> RedirectResponse:
    """Part ``part`` of the H.264 rendition of the camera's HEVC segment that starts
    at ``segment_id`` (``YYYYMMDDTHHMMSSZ``): made first if it is not stored yet,
    then a redirect to it. The playback playlist (``codec=h264``) lists these."""
    camera = visible_camera(context, principal, camera_id)
    if context.make_rendition is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "renditions are not made here")
    start = _checked(lambda: parse_segment_id(segment_id))
    url = rendition_url(context.catalog, context.storage, context.make_rendition, camera.id,
                        start, part, MIN_URL_TTL)  # fmt: skip
    return RedirectResponse(url, status.HTTP_302_FOUND, headers={"Cache-Control": "no-store"})


@router.get("/api/cameras/{camera_id}/thumbnails", responses=_DENIED)
def get_thumbnails(
    context: Context,
    principal: CurrentPrincipal,
    request: Request,
    camera_id: str,
    start: Start,
    end: End,
) -> ThumbnailsOut:
    camera = visible_camera(context, principal, camera_id)
    found = _checked(lambda: camera_footage(context.catalog, camera.id, start, end))
    context.audit.record_read(
        _read(context, request, principal, AuditAction.THUMBNAILS, camera, start, end)
    )
    with_thumbs = [s for s in found.segments if s.thumbnail_key and s.status is SegmentStatus.OK]
    refs = [parse_thumbnail(s.thumbnail_key or "") for s in with_thumbs]
    keys = list(dict.fromkeys(ref.key for ref in refs))  # a sprite once for its window
    urls = dict(zip(keys, context.storage.presign_many(keys, url_ttl(start, end)), strict=True))
    return ThumbnailsOut(
        camera=camera.id,
        thumbnails=[
            ThumbnailOut(time=s.start, url=urls[ref.key], tile=ref.tile,
                         tiles=SPRITE_TILES if ref.tile is not None else None)
            for s, ref in zip(with_thumbs, refs, strict=True)
        ],
    )  # fmt: skip


@router.get(
    "/media/{key:path}",
    response_class=FileResponse,
    responses={206: {"description": "the byte range asked for (Range)"},
               403: {"description": "bad or missing signature"},
               404: {"description": "no such file, or footage is not served from here"},
               410: {"description": "the link expired"},
               416: {"description": "the Range lies past the end of the file",
                     "content": {"text/plain": {}}}},
)  # fmt: skip
def get_media(
    context: Context,
    request: Request,
    key: str,
    download: Annotated[str | None, Query(max_length=200)] = None,
) -> FileResponse:
    """Footage in a local folder, for signed links only (``?exp=&sig=``); Range works."""
    if context.media_key is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "footage is not served from here")
    try:
        verify_signed_path(_request_target(request), context.clock.now(), context.media_key)
        path = context.storage.local_path(key)
    except SignatureError as exc:
        code = status.HTTP_410_GONE if exc.expired else status.HTTP_403_FORBIDDEN
        raise HTTPException(code, str(exc)) from exc
    except StorageError as exc:  # not a key we would sign
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file") from exc
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file (deleted by retention?)")
    media_type = "image/jpeg" if path.suffix == ".jpg" else "video/mp4"
    headers = {"Cache-Control": "private, max-age=3600"}
    if download:
        headers["Content-Disposition"] = attachment(download)
    return FileResponse(path, media_type=media_type, headers=headers)


def _read(
    context: ApiContext,
    request: Request,
    principal: Principal,
    action: AuditAction,
    camera: Camera,
    start: datetime,
    end: datetime,
) -> AuditEvent:
    """The audit event of a frequent read (AuditLog.record_read coalesces repeats)."""
    return AuditEvent(context.clock.now(), principal.username, action, camera.id, camera.site,
                      client_address(request), start, end)  # fmt: skip


def _request_target(request: Request) -> str:
    """The path and query string as the client sent them (ASGI ``raw_path`` and
    ``query_string``), never ``request.url``: that is rebuilt from the Host
    header, which the client chooses."""
    raw_path: bytes | None = request.scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else quote(request.scope["path"])
    query: bytes = request.scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


def _checked(query: Callable[[], _T]) -> _T:
    """Domain validation errors (range too long, end before start) -> 422."""
    try:
        return query()
    except ValueError as exc:
        raise unprocessable(str(exc), "query") from exc
