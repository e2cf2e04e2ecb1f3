"""gcp-storage-emulator with GCS's write-once precondition, ``ifGenerationMatch=0``.

The emulator ignores preconditions, so on it a write-once put would silently
overwrite. Real GCS answers 412 Precondition Failed when ``ifGenerationMatch=0``
is given and the object exists: on a single-request upload at once, on a
resumable upload when the session is finalized (the precondition is fixed when
the session is opened). This wrapper adds exactly that, and nothing else, to
the emulator's JSON-API upload handlers, then runs it:

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
)}  # fmt: skip


def _write_once(request: Any) -> bool:
    return request.query.get("ifGenerationMatch", [None])[0] == "0"


def _exists(storage: Any, bucket: str, name: str | None) -> bool:
    try:
        storage.get_file_obj(bucket, name)
    except NotFound:
        return False
    return True


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
    return _PLAIN["_media_upload"](request, response, storage)  # type: ignore[no-any-return]


def _multipart_upload(request: Any, response: Any, storage: Any) -> None:
    name = request.query.get("name", [request.data["meta"].get("name")])[0]
    if _write_once(request) and _exists(storage, request.params["bucket_name"], name):
        return _refuse(response)
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
    _ONCE_UPLOADS.discard(upload_id)
    _PLAIN["_finalize_resumable_object"](response, storage, obj, data, upload_id)


def main() -> int:
    for name, strict in (("_media_upload", _media_upload),
                         ("_multipart_upload", _multipart_upload),
                         ("_create_resumable_upload", _create_resumable_upload),
                         ("_finalize_resumable_object", _finalize_resumable_object)):  # fmt: skip
        setattr(objects, name, strict)  # the handlers look these up at call time
    from gcp_storage_emulator.__main__ import main as emulator_main

    return int(emulator_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
