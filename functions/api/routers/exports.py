"""POST /api/exports, GET /api/exports/{id}: one MP4 of a camera over a range, named
in the site's time, with what it lacks (and a JSON sidecar saying so)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from footage.audit import AuditAction
from footage.services.exports import DOWNLOAD_TTL, ExportJob, create_export
from functions.api.deps import ApiContext, Context, CurrentPrincipal, record_access, visible_camera
from functions.api.errors import unprocessable
from functions.api.schemas import ExportOut, ExportRequest, GapOut, RangeOut

router = APIRouter(prefix="/api/exports", tags=["exports"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={403: {"description": "the camera's site is not yours"},
               404: {"description": "no camera, or no footage in the range"},
               422: {"description": "invalid fields, or a range that is empty or longer"
                                    " than 2 hours"},
               429: {"description": "over your export quota: too many exports under way,"
                                    " or too many hours today (Retry-After when known)"}},
)  # fmt: skip
def post_export(
    body: ExportRequest, request: Request, context: Context, principal: CurrentPrincipal
) -> ExportOut:
    camera = visible_camera(context, principal, body.camera)
    quota = context.config.api.export_quota(principal.is_admin)
    try:
        job = create_export(
            context.exports, context.catalog, camera.id, camera.site, body.start, body.end,
            principal.username, context.clock.now(), quota,
            timezone=context.config.site(camera.site).timezone, evidence=body.evidence,
        )  # fmt: skip
    except ValueError as exc:
        raise unprocessable(str(exc), "body") from exc
    record_access(context, request, principal, AuditAction.EXPORT, camera, job.start, job.end,
                  "evidence package" if job.evidence else "")  # fmt: skip
    context.launch_export(job.id)
    return _out(context, job)


@router.get(
    "/{export_id}",
    responses={403: {"description": "the export's site is not yours"},
               404: {"description": "no export with that id (expired exports are deleted)"}},
)  # fmt: skip
def get_export(
    export_id: str, request: Request, context: Context, principal: CurrentPrincipal
) -> ExportOut:
    job = context.exports.load(export_id)
    camera = visible_camera(context, principal, job.camera)
    out = _out(context, job)
    if out.download_url:
        record_access(context, request, principal, AuditAction.DOWNLOAD, camera, job.start, job.end)
    return out


def _out(context: ApiContext, job: ExportJob) -> ExportOut:
    url = context.exports.download_url(job)
    expires = context.clock.now() + DOWNLOAD_TTL if url else None
    return ExportOut(
        id=job.id, camera=job.camera, site=job.site, start=job.start, end=job.end,
        status=job.status.value, progress=round(job.progress, 3), error=job.error,
        download_url=url, expires_at=expires, size_bytes=job.size_bytes,
        duration_s=job.duration_s, file_name=job.download_name or job.file_name,
        sidecar_url=context.exports.sidecar_url(job),
        covered=[RangeOut(start=r.start, end=r.end) for r in job.covered],
        missing=[GapOut(start=g.start, end=g.end, reason=g.reason.value, detail=g.detail)
                 for g in job.missing],
        missing_s=job.missing_s, evidence=job.evidence,
        package_url=context.exports.package_url(job),
    )  # fmt: skip
