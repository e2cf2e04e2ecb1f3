"""gcp-storage-emulator with GCS's write-once precondition and temporary holds.

The emulator ignores preconditions, so on it a write-once put would silently
overwrite. Real GCS answers 412 Precondition Failed when ``ifGenerationMatch=0``
is given and the object exists: on a single-request upload at once, on a
resumable upload when the session is finalized (the precondition is fixed when
the session is opened). This wrapper adds exactly that, and nothing else, to
the emulator's JSON-API upload handlers.

The emulator also ignores ``temporaryHold`` (it is not among the fields a PATCH
may set) and deletes held objects. Real GCS keeps the flag and answers 403
("... is under active Temporary hold and cannot be deleted, overwritten or
archived until hold is removed") to a delete or an upload over a held object;
this wrapper does the same (evidence holds, footage.adapters.gcs). Then it runs
the emulator:

    python tests/support/gcs_strict.py start --host 127.0.0.1 --port N --in-memory
"""

from __future__ import annotations

import sys
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from gcp_storage_emulator.exceptions import NotFound
from gcp_storage_emulator.handlers import objects

_ONCE_UPLOADS: set[str] = set()  # resumable sessions opened with ifGenerationMatch=0
_PLAIN = {name: getattr(objects, name) for name in (
    "_media_upload", "_multipart_upload", "_create_resumable_upload", "_finalize_resumable_object",
    "_patch", "_delete", "delete",
)}  # fmt: skip


def _write_once(request: Any) -> bool:
    return request.query.get("ifGenerationMatch", [None])[0] == "0"


def _exists(storage: Any, bucket: str, name: str | None) -> bool:
    try:
        storage.get_file_obj(bucket, name)
    except NotFound:
        return False
    return True


def _held(storage: Any, bucket: str, name: str | None) -> bool:
    try:
        return bool(storage.get_file_obj(bucket, name).get("temporaryHold"))
    except NotFound:
        return False


def _refuse_held(response: Any, bucket: str, name: str | None) -> None:
    response.status = HTTPStatus.FORBIDDEN
    message = (f"Object '{bucket}/{name}' is under active Temporary hold and cannot be "
               "deleted, overwritten or archived until hold is removed.")  # fmt: skip
    response.json({"error": {"code": 403, "message": message,
                             "errors": [{"reason": "forbidden", "message": message}]}})  # fmt: skip


def _patch(storage: Any, bucket: str, name: str, metadata: dict[str, Any] | None) -> Any:
    obj = _PLAIN["_patch"](storage, bucket, name, metadata)
    if obj is not None and "temporaryHold" in (metadata or {}):
        obj["temporaryHold"] = bool((metadata or {})["temporaryHold"])
        storage.patch_object(bucket, name, obj)
    return obj


def _delete(storage: Any, bucket: str, name: str) -> bool:
    """The batch API's delete: a held object stays (the batch answers 404 for it)."""
    return not _held(storage, bucket, name) and bool(_PLAIN["_delete"](storage, bucket, name))


def delete(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> None:
    bucket, name = request.params["bucket_name"], request.params["object_id"]
    if _held(storage, bucket, name):
        return _refuse_held(response, bucket, name)
    return _PLAIN["delete"](request, response, storage, *args, **kwargs)  # type: ignore[no-any-return]


def _refuse(response: Any) -> None:
    response.status = HTTPStatus.PRECONDITION_FAILED
    response.json(
        {
            "error": {
                "code": 412,
                "message": "At least one of the pre-conditions you specified did not hold.",
                "errors": [{"reason": "conditionNotMet"}],
            }
        }
    )


def _media_upload(request: Any, response: Any, storage: Any) -> None:
    name = request.query["name"][0]
    if _write_once(request) and _exists(storage, request.params["bucket_name"], name):
        return _refuse(response)
    if _held(storage, request.params["bucket_name"], name):
        return _refuse_held(response, request.params["bucket_name"], name)
    return _PLAIN["_media_upload"](request, response, storage)  # type: ignore[no-any-return]


def _multipart_upload(request: Any, response: Any, storage: Any) -> None:
    name = request.query.get("name", [request.data["meta"].get("name")])[0]
    if _write_once(request) and _exists(storage, request.params["bucket_name"], name):
        return _refuse(response)
    if _held(storage, request.params["bucket_name"], name):
        return _refuse_held(response, request.params["bucket_name"], name)
    return _PLAIN["_multipart_upload"](request, response, storage)  # type: ignore[no-any-return]


def _create_resumable_upload(request: Any, response: Any, storage: Any) -> None:
    _PLAIN["_create_resumable_upload"](request, response, storage)
    if _write_once(request) and "upload_id" not in request.query:
        location = parse_qs(urlsplit(response["Location"]).query)
        _ONCE_UPLOADS.update(location.get("upload_id", []))


def _finalize_resumable_object(
    response: Any, storage: Any, obj: dict[str, Any], data: bytes, upload_id: str
) -> None:
    if upload_id in _ONCE_UPLOADS and _exists(storage, obj["bucket"], obj["name"]):
        return _refuse(response)
    if _held(storage, obj["bucket"], obj["name"]):
        return _refuse_held(response, obj["bucket"], obj["name"])
    _ONCE_UPLOADS.discard(upload_id)
    _PLAIN["_finalize_resumable_object"](response, storage, obj, data, upload_id)


def main() -> int:
    for name, strict in (("_media_upload", _media_upload),
                         ("_multipart_upload", _multipart_upload),
                         ("_create_resumable_upload", _create_resumable_upload),
                         ("_finalize_resumable_object", _finalize_resumable_object),
                         ("_patch", _patch), ("_delete", _delete), ("delete", delete)):  # fmt: skip
        setattr(objects, name, strict)  # the handlers look these up at call time
    from gcp_storage_emulator.__main__ import main as emulator_main

    return int(emulator_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
