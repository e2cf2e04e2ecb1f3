"""The edge's chain of custody: the site's signing key (keys.py), manifests sealed,
signed, time-stamped and sent (manifests.py), over edge_uploader.journal.chain."""

from edge_uploader.chain.keys import SiteKey, key_path, load_or_create
from edge_uploader.chain.manifests import ManifestPolicy, Manifests

__all__ = ["ManifestPolicy", "Manifests", "SiteKey", "key_path", "load_or_create"]
