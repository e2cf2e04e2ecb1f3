"""The footage bucket, its access-log bucket, lifecycle rules per retention class, CORS, and the
bucket policy that makes segments, signed manifests and the edge's sprites write-once."""

from __future__ import annotations

import math

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cctv_infra.buckets import log_bucket, secure_bucket
from cctv_infra.renditions import rendition_cache_rule
from cctv_infra.settings import QUARANTINE_PREFIX, SEGMENTS_PREFIX, DeploySettings
from footage.keys import (
    EXPORTS_PREFIX,
    MANIFESTS_PREFIX,
    SPRITE,
    THUMBNAIL_EXTENSION,
    KeyKind,
    announcement_filter,
    build_class_prefix,
)
from footage.retention import expiry_schedule
from footage.services.exports import EXPORT_LIFETIME

#: What hls.js and the export download read from a pre-signed URL's response.
CORS_EXPOSED_HEADERS = ["Content-Length", "Content-Range", "ETag", "Accept-Ranges"]
CORS_MAX_AGE_S = 3600
#: Sid of the statement that refuses a segment write without If-None-Match.
WRITE_ONCE_SID = "SegmentsAreWriteOnce"
#: The edge's sprites (footage.keys.build_sprite_key), and only them under thumbnails/:
#: ingest's own per-segment thumbnails end ``<stamp>[-<variant>].jpg`` and are rewritten
#: freely (a re-ingest makes the same JPEG again).
WRITE_ONCE_SPRITES = f"{KeyKind.THUMBNAIL.value}/*.{SPRITE}.{THUMBNAIL_EXTENSION}"


class FootageBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, settings: DeploySettings) -> None:
        super().__init__(scope, construct_id)
        self._settings = settings
        # Server access logs arrive through a bucket policy for the logging
        # service (feature flag in application.py), so ACLs stay disabled.
        self.log_bucket = log_bucket(self, "AccessLogs", s3.ObjectOwnership.BUCKET_OWNER_ENFORCED)
        self.bucket = self._build_bucket()
        self._build_write_once()

    def notify(self, queue: sqs.IQueue) -> None:
        """Each site manifest's signature (its 10 minutes of segments) becomes an
        ingest message; with ``aws.segment_events``, every upload under segments/."""
        prefix, suffix = announcement_filter(self._settings.aws.segment_events)
        self.bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(queue),
            s3.NotificationKeyFilter(prefix=prefix, suffix=suffix or None),
        )

    def _build_bucket(self) -> s3.Bucket:
        return secure_bucket(
            self,
            "Bucket",
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="footage/",
            versioned=True,
            # Object Lock without a default retention: ordinary footage expires by
            # the rules below; evidence can additionally get legal holds.
            object_lock_enabled=True,
            lifecycle_rules=self._lifecycle_rules(),
            cors=[self._cors_rule()],
        )

    def _build_write_once(self) -> None:
        """Nobody, not even an admin role or ingest, can replace a segment, a signed
        manifest or a sprite: every PutObject/CompleteMultipartUpload under segments/
        and manifests/, and of a ``thumbnails/*.sprite.jpg``, must carry If-None-Match
        (the edge sends ``*``), so S3 answers 412 when the key exists. A stolen edge
        key can then add footage for its site but never overwrite what is there.
        Ingest's per-segment thumbnails (made by its FFmpeg path) are not covered.

        The documented form (AWS, "Enforce conditional writes on Amazon S3 buckets",
        https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html):
        s3:if-none-match is Null when the header is absent; CompleteMultipartUpload is
        an s3:PutObject request and must carry the header too, while
        CreateMultipartUpload/UploadPart/UploadPartCopy accept no conditional headers
        and are exempted by s3:ObjectCreationOperation (false for them). The same page
        says CopyObject into the prefix is refused (403, or 501 with the header):
        nothing here copies into segments/ (quarantine and evidence holds copy out of it).
        """
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid=WRITE_ONCE_SID,
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:PutObject"],
                resources=[
                    self.bucket.arn_for_objects(f"{SEGMENTS_PREFIX}*"),
                    self.bucket.arn_for_objects(f"{MANIFESTS_PREFIX}*"),  # signed manifests
                    self.bucket.arn_for_objects(WRITE_ONCE_SPRITES),  # the edge's sprites
                ],
                conditions={
                    "Null": {"s3:if-none-match": "true"},
                    "Bool": {"s3:ObjectCreationOperation": "true"},
                },
            )
        )

    def _cors_rule(self) -> s3.CorsRule:
        """The viewer (CloudFront, another origin) fetches pre-signed segment,
        thumbnail and export URLs with hls.js, which needs CORS to read the bytes.
        CORS is not the access control here: the signature in each URL is. It only
        says which pages a browser lets read the response, so without a custom
        domain (this stack cannot know the CloudFront host, which lives in the
        compute stack that depends on it) any origin may."""
        domain = self._settings.aws.domain
        return s3.CorsRule(
            allowed_methods=[s3.HttpMethods.GET, s3.HttpMethods.HEAD],
            allowed_origins=[f"https://{domain.name}" if domain else "*"],
            # Byte-range playlists: the only header hls.js sets on S3 requests.
            allowed_headers=["Range"],
            exposed_headers=CORS_EXPOSED_HEADERS,
            max_age=CORS_MAX_AGE_S,
        )

    def _lifecycle_rules(self) -> list[s3.LifecycleRule]:
        classed = [
            self._expire(kind, days)
            for days in self._settings.retention_classes
            for kind in (KeyKind.SEGMENT, KeyKind.THUMBNAIL, KeyKind.QUARANTINE)
        ]
        manifests = [self._expire_manifests(days) for days in self._settings.retention_classes]
        return [
            *classed,
            *manifests,
            self._quarantine_rule(),
            self._renditions_rule(),
            rendition_cache_rule(),
            self._exports_rule(),
            self._housekeeping_rule(),
        ]

    def _expire(self, kind: KeyKind, days: int) -> s3.LifecycleRule:
        """One rule per (kind, retention class) in use, however many cameras share it:
        the class is in the key (footage.keys), so no per-object request (a tag would
        cost a PUT per segment) and nothing more the edge must send. The noncurrent
        version goes a day after the delete marker, so the bytes are gone by the
        class's retention (footage.retention.expiry_schedule). Evidence holds move
        objects under evidence/, which no rule covers."""
        schedule = expiry_schedule(days)
        # Thumbnails and quarantined files are few or far below Glacier IR's 128 KB
        # minimum billable size: only segments move there, where it pays.
        cold = kind is KeyKind.SEGMENT and self._settings.transitions(
            schedule.expire_current_after_days
        )
        transitions = [
            s3.Transition(
                storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                transition_after=Duration.days(self._settings.aws.transition_days),
            )
        ]
        return s3.LifecycleRule(
            id=f"{kind.value}-retention-{days}",
            prefix=build_class_prefix(kind, days),
            expiration=Duration.days(schedule.expire_current_after_days),
            noncurrent_version_expiration=Duration.days(schedule.noncurrent_after_days),
            transitions=transitions if cold else None,
        )

    def _expire_manifests(self, days: int) -> s3.LifecycleRule:
        """Signed manifests (footage.manifest) in class ``days``: the edge writes them
        in the longest class of the site's cameras, so a manifest is written after,
        and expires no earlier than, every segment it vouches for. One rule per class
        in use (a class no site's longest now may still hold older manifests). Held
        evidence keeps its manifests under evidence/, which no rule covers."""
        schedule = expiry_schedule(days)
        return s3.LifecycleRule(
            id=f"manifests-retention-{days}",
            prefix=f"{MANIFESTS_PREFIX}retention={days}/",
            expiration=Duration.days(schedule.expire_current_after_days),
            noncurrent_version_expiration=Duration.days(schedule.noncurrent_after_days),
        )

    def _quarantine_rule(self) -> s3.LifecycleRule:
        # Quarantined files expire with their class; this is the backstop for those
        # from before classes, at the longest retention of any camera.
        return s3.LifecycleRule(
            id="quarantine",
            prefix=QUARANTINE_PREFIX,
            expiration=Duration.days(self._settings.max_retention_days),
        )

    def _renditions_rule(self) -> s3.LifecycleRule:
        # Renditions carry no class: none outlives the longest retention.
        schedule = expiry_schedule(self._settings.max_retention_days)
        return s3.LifecycleRule(
            id="renditions",
            prefix=build_class_prefix(KeyKind.RENDITION, None),
            expiration=Duration.days(schedule.expire_current_after_days),
            noncurrent_version_expiration=Duration.days(schedule.noncurrent_after_days),
        )

    def _exports_rule(self) -> s3.LifecycleRule:
        # Exports are downloads for a day (the API stops offering them then); their
        # versions (the deleted parts too) go a day later instead of noncurrent_days:
        # an export can be gigabytes. Where rules overlap, S3 takes the shortest.
        lifetime = Duration.days(math.ceil(EXPORT_LIFETIME.total_seconds() / 86400))
        return s3.LifecycleRule(
            id="exports",
            prefix=EXPORTS_PREFIX,
            expiration=lifetime,
            noncurrent_version_expiration=Duration.days(1),
        )

    def _housekeeping_rule(self) -> s3.LifecycleRule:
        # Expiration in a versioned bucket only adds a delete marker; the data goes
        # after noncurrent_days (unless legally held). Unfiltered: every object, so
        # also the versions each site's edge leaves by overwriting status/<SITE>.json
        # once a minute (1,440 tiny objects a day per site).
        return s3.LifecycleRule(
            id="versions-and-uploads",
            noncurrent_version_expiration=Duration.days(self._settings.aws.noncurrent_days),
            expired_object_delete_marker=True,
            abort_incomplete_multipart_upload_after=Duration.days(1),
        )
