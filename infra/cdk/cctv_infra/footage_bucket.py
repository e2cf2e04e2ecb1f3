"""The footage bucket, its access-log bucket, and lifecycle rules per camera."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cctv_infra.buckets import log_bucket, secure_bucket
from cctv_infra.settings import QUARANTINE_PREFIX, SEGMENTS_PREFIX, DeploySettings
from footage.config import Camera
from footage.keys import KeyKind, build_camera_prefix


class FootageBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, settings: DeploySettings) -> None:
        super().__init__(scope, construct_id)
        self._settings = settings
        # Server access logs arrive through a bucket policy for the logging
        # service (feature flag in application.py), so ACLs stay disabled.
        self.log_bucket = log_bucket(self, "AccessLogs", s3.ObjectOwnership.BUCKET_OWNER_ENFORCED)
        self.bucket = self._build_bucket()

    def notify(self, queue: sqs.IQueue) -> None:
        """Every new upload under segments/ becomes an ingest message."""
        self.bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(queue),
            s3.NotificationKeyFilter(prefix=SEGMENTS_PREFIX),
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
        )

    def _lifecycle_rules(self) -> list[s3.LifecycleRule]:
        cameras = [
            rule for camera in self._settings.config.cameras for rule in self._camera(camera)
        ]
        return [*cameras, self._quarantine_rule(), self._housekeeping_rule()]

    def _camera(self, camera: Camera) -> list[s3.LifecycleRule]:
        """Retention is per camera, by key prefix: no per-object request (a tag would
        cost one PUT per segment) and nothing the edge must send. Evidence holds
        move objects under evidence/, which no rule covers."""
        days = camera.retention_days
        cold = self._settings.transitions(days)
        return [
            self._expire(KeyKind.SEGMENT, camera, days, cold),
            self._expire(KeyKind.RENDITION, camera, days, cold),
            # Thumbnails are far below Glacier IR's 128 KB minimum billable size.
            self._expire(KeyKind.THUMBNAIL, camera, days, cold=False),
        ]

    def _expire(self, kind: KeyKind, camera: Camera, days: int, cold: bool) -> s3.LifecycleRule:
        transitions = [
            s3.Transition(
                storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                transition_after=Duration.days(self._settings.aws.transition_days),
            )
        ]
        return s3.LifecycleRule(
            id=f"{kind.value}-{camera.site}-{camera.id}",
            prefix=build_camera_prefix(kind, camera.site, camera.id),
            expiration=Duration.days(days),
            transitions=transitions if cold else None,
        )

    def _quarantine_rule(self) -> s3.LifecycleRule:
        # Rare objects the sweep deletes at their camera's retention; this is the
        # backstop, at the longest retention of any camera.
        return s3.LifecycleRule(
            id="quarantine",
            prefix=QUARANTINE_PREFIX,
            expiration=Duration.days(self._settings.max_retention_days),
        )

    def _housekeeping_rule(self) -> s3.LifecycleRule:
        # Expiration in a versioned bucket only adds a delete marker; the data goes
        # after noncurrent_days (unless legally held). Unfiltered: every object.
        return s3.LifecycleRule(
            id="versions-and-uploads",
            noncurrent_version_expiration=Duration.days(self._settings.aws.noncurrent_days),
            expired_object_delete_marker=True,
            abort_incomplete_multipart_upload_after=Duration.days(1),
        )
