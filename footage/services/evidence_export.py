"""Evidence packages, the I/O part: an export's clip, the stored segments it was
cut from, the signed manifests that list them and the site's public keys, into
one deterministic ZIP (footage.services.evidence_package) stored beside the clip
(``exports/<id>/<clip name>_evidence.zip``).

Footage goes through the ZIP one object at a time (downloaded to the work
folder, streamed in while hashed, deleted), so memory stays flat and the disk
holds the ZIP plus one segment. ``progress(n)`` is called after each segment.
Segments are those the export plays plus every segment a signed record of the
camera places in the range (so a package never leaves out footage the chain
knows of); each is taken whole, because the manifests hash whole objects.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from footage.catalog import Catalog
from footage.chain import RecordKind
from footage.config import Config
from footage.errors import KeyFormatError, NoFootage, ObjectNotFound
from footage.keys import build_export_key, chain_object_name
from footage.manifest import PublicKey, public_pem, verifier_keys
from footage.services.evidence_package import (
    README_EN,
    README_ID,
    STATEMENT,
    SUMS,
    KeyEntry,
    ManifestEntry,
    PackageContents,
    PackageFacts,
    PackageWriter,
    PackedFile,
    SegmentEntry,
    key_file_name,
    manifest_file_name,
    segment_file_name,
    sha256sums,
    statement_json,
)
from footage.services.evidence_readme import readme
from footage.services.export_job import ExportJob, ExportStatus
from footage.services.manifest_find import (
    StoredManifest,
    covering,
    find_manifests,
    manifest_days,
    touches,
)
from footage.storage import Storage

PACKAGE_SUFFIX = "_evidence.zip"


@dataclass(frozen=True, slots=True)
class EvidenceSources:
    """What the config knows of a site: its registered keys, and the retention
    classes its manifests may be stored under."""

    keys: tuple[PublicKey, ...]
    classes: tuple[int, ...]


def sources_from_config(config: Config, site: str) -> EvidenceSources:
    classes = {c.retention_days for c in config.cameras if c.site == site}
    return EvidenceSources(tuple(verifier_keys(config.site(site).signing_keys)),
                           tuple(sorted(classes)))  # fmt: skip


def package_name(job: ExportJob) -> str:
    return (job.download_name or job.file_name or job.id).removesuffix(".mp4") + PACKAGE_SUFFIX


@dataclass(frozen=True, slots=True)
class _Source:
    object: str  # as records name it
    key: str  # where storage has it
    start: datetime
    end: datetime


def build_package(
    storage: Storage, catalog: Catalog, job: ExportJob, sources: EvidenceSources,
    workdir: Path, now: datetime, progress: Callable[[int], None],
) -> str:  # fmt: skip
    """Write the package of a finished export; return its stored file name."""
    stored = find_manifests(storage, job.site, sources.classes,
                            manifest_days(job.start, job.end, now.date()))  # fmt: skip
    chosen = covering(stored, job.camera, job.start, job.end)
    segments = _sources(catalog, job, chosen)
    name = package_name(job)
    scratch = workdir / f"evidence-{job.id}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        writer = PackageWriter(scratch / name)
        try:
            contents = _fill(writer, storage, job, sources, chosen, segments, now, scratch,
                             progress)  # fmt: skip
            _finish(writer, contents, name)
        except BaseException:
            writer.abort()
            raise
        storage.put_file(build_export_key(job.id, name), scratch / name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return name


def _fill(
    writer: PackageWriter, storage: Storage, job: ExportJob, sources: EvidenceSources,
    chosen: Sequence[StoredManifest], segments: Sequence[_Source], now: datetime,
    scratch: Path, progress: Callable[[int], None],
) -> PackageContents:  # fmt: skip
    if job.file_name is None:
        raise NoFootage("the export has no clip to package")
    clip_name = f"clip/{job.download_name or job.file_name}"
    clip = _add_stored(writer, storage, build_export_key(job.id, job.file_name), clip_name, scratch)
    entries: list[SegmentEntry] = []
    for number, source in enumerate(segments, 1):
        packed = _add_stored(writer, storage, source.key, segment_file_name(source.object), scratch)
        entries.append(SegmentEntry(packed, source.object, source.start, source.end))
        progress(number)
    manifests = [_add_manifest(writer, m) for m in chosen]
    used = {m.key_id for m in manifests}
    keys = [KeyEntry(writer.add_bytes(key_file_name(k.key_id), public_pem(k.raw)), k)
            for k in sources.keys if k.key_id in used]  # fmt: skip
    facts = PackageFacts(job.id, job.camera, job.site, job.timezone, job.start, job.end,
                         job.covered, job.missing, job.created_by, job.created_at, now)  # fmt: skip
    return PackageContents(facts, clip, job.duration_s or 0.0, tuple(entries), tuple(manifests),
                           tuple(keys))  # fmt: skip


def _finish(writer: PackageWriter, contents: PackageContents, name: str) -> None:
    writer.add_bytes(STATEMENT, statement_json(contents))
    writer.add_bytes(README_ID, readme(contents, "id", name))
    writer.add_bytes(README_EN, readme(contents, "en", name))
    writer.add_bytes(SUMS, sha256sums(writer.files))
    writer.close()


def _add_stored(
    writer: PackageWriter, storage: Storage, key: str, name: str, scratch: Path
) -> PackedFile:
    local = scratch / "staged"
    try:
        storage.download(key, local)
    except ObjectNotFound as exc:
        raise NoFootage(f"{key} is no longer stored (deleted?)") from exc
    try:
        return writer.add_file(name, local)
    finally:
        local.unlink(missing_ok=True)


def _add_manifest(writer: PackageWriter, stored: StoredManifest) -> ManifestEntry:
    assert stored.manifest is not None  # covering() keeps parsed manifests only
    name = manifest_file_name(stored.key)
    base = name.removesuffix(".json")
    body = writer.add_bytes(name, stored.body)
    signature = writer.add_bytes(f"{base}.sig", stored.signature or b"")
    token = writer.add_bytes(f"{base}.tsr", stored.token) if stored.token else None
    m = stored.manifest
    return ManifestEntry(body, signature, token, m.seq, m.key_id, m.issued_at)


def _sources(catalog: Catalog, job: ExportJob, chosen: Sequence[StoredManifest]) -> list[_Source]:
    """The segments the export plays, and those the camera's signed records place
    in its range, by object name; where storage has each (the catalog's key)."""
    rows = catalog.query_camera(job.camera, job.start, job.end, include_quarantined=True)
    where: dict[str, _Source] = {}
    for row in rows:
        try:
            name = chain_object_name(row.key)
        except KeyFormatError:
            continue
        where.setdefault(name, _Source(name, row.key, row.start, row.end))
    wanted = {s.object: s for s in where.values() if s.start < job.end and s.end > job.start}
    for stored in chosen:
        assert stored.manifest is not None
        for record in stored.manifest.cameras.get(job.camera, ()):
            if record.kind is RecordKind.SEGMENT and touches(record, job.start, job.end):
                name = str(record.fields["object"])
                if name in where:
                    wanted.setdefault(name, where[name])
    return sorted(wanted.values(), key=lambda s: (s.start, s.object))


#: the site's keys and classes, by site (the config's, through sources_from_config)
SourcesOf = Callable[[str], EvidenceSources]


def package_export(
    storage: Storage, catalog: Catalog, job: ExportJob, sources_of: SourcesOf | None,
    workdir: Path, now: datetime, save: Callable[[ExportJob], None],
) -> ExportJob:  # fmt: skip
    """The job of a finished clip, packaged: ``running`` (saved, with progress)
    while the ZIP is written, then ``done`` with ``package`` set."""
    if sources_of is None:
        raise NoFootage("this worker cannot package evidence: it was given no site keys")
    job = replace(job, status=ExportStatus.RUNNING, packed=0)
    save(job)
    name = build_package(storage, catalog, job, sources_of(job.site), workdir, now,
                         lambda n: save(replace(job, packed=n)))  # fmt: skip
    return replace(job, status=ExportStatus.DONE, package=name, packed=job.segments_total)
