"""The deployment's view of the one YAML config: what the stacks need, computed once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from footage.config import AwsDeployment, Config, LambdaArchitecture
from footage.config_loader import load_config
from footage.pricing import transitions

#: S3 allows 1,000 lifecycle rules per bucket; each retention class in use takes
#: RULES_PER_CLASS (segments, thumbnails, quarantine, manifests), whatever its camera count.
MAX_LIFECYCLE_RULES = 1000
RULES_PER_CLASS = 4
SHARED_RULES = 5  # quarantine backstop, renditions, rendition cache, exports, housekeeping

CDK_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = CDK_DIR.parent.parent
DEFAULT_CONFIG = CDK_DIR / "example-config.yaml"
CONFIG_ENV = "VMS_CONFIG"

# Prefixes of the key scheme (footage.keys): the edge uploads under SEGMENTS,
# ingest writes the others.
SEGMENTS_PREFIX = "segments/"
QUARANTINE_PREFIX = "quarantine/"
#: The ingest function's timeout; the data stack sizes the queue's visibility from it.
INGEST_TIMEOUT_S = 300
METRICS_NAMESPACE = "CctvVms"
SERVICE_NAME = "cctv-vms"


@dataclass(frozen=True, slots=True)
class DeploySettings:
    config: Config
    config_path: Path

    @property
    def aws(self) -> AwsDeployment:
        return self.config.aws

    @property
    def lambda_arch(self) -> str:
        """Architecture as the wheel/ELF world names it: x86_64 or aarch64."""
        return "aarch64" if self.aws.architecture is LambdaArchitecture.ARM64 else "x86_64"

    @property
    def site_ids(self) -> list[str]:
        return [site.id for site in self.config.sites]

    @property
    def retention_classes(self) -> list[int]:
        """The retention classes the cameras use (footage.keys), ascending."""
        return sorted({c.retention_days for c in self.config.cameras})

    def site_retention_classes(self, site_id: str) -> list[int]:
        """The classes one site's cameras write into (its edge's upload grants)."""
        return sorted({c.retention_days for c in self.config.cameras if c.site == site_id})

    @property
    def lifecycle_rule_count(self) -> int:
        return RULES_PER_CLASS * len(self.retention_classes) + SHARED_RULES

    @property
    def max_retention_days(self) -> int:
        return max((c.retention_days for c in self.config.cameras), default=180)

    def transitions(self, retention_days: int) -> bool:
        """Glacier IR only pays when an object stays there its 90-day minimum."""
        return transitions(self.aws.transition_days, retention_days)

    def stack_name(self, part: str) -> str:
        return f"{self.aws.stack_prefix}-{part}"


def config_path_from(context_value: str | None) -> Path:
    """``-c config=...`` wins, then $VMS_CONFIG, then the example config."""
    raw = context_value or os.environ.get(CONFIG_ENV)
    return Path(raw).resolve() if raw else DEFAULT_CONFIG


def load_settings(path: Path) -> DeploySettings:
    # The config caps the retention classes (footage.config.MAX_RETENTION_CLASSES)
    # far below what MAX_LIFECYCLE_RULES allows (a test checks it).
    return DeploySettings(config=load_config(path), config_path=path)
