"""Seal, sign, time-stamp and send the site manifests (footage.manifest).

Each tick (after the footage of the round, before sprites): a site with records
not yet in a manifest gets one once :attr:`ManifestPolicy.every` has passed since
its last (and at start and shutdown, :meth:`Manifests.flush`, for leftovers);
then every manifest not sent goes up write-once, ``.json`` first and ``.sig``
after (a store that says "exists" has it: sent before a crash). Where a TSA is
configured its token is fetched in the background (edge_uploader.chain.tsa.
BackgroundTokens: a slow or dead TSA never holds a tick) and sent as ``.tsr``
on a later tick; a TSA that fails never holds a manifest back: the token is
retried after :attr:`ManifestPolicy.retry` (logged).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from edge_uploader.chain.keys import SiteKey, key_path, load
from edge_uploader.chain.tsa import BackgroundTokens
from edge_uploader.journal import Journal
from edge_uploader.journal.chain import SENT, TSR_SENT, TSR_WANTED, SealedManifest
from footage.clock import Clock
from footage.errors import FootageError, ObjectExists
from footage.keys import build_manifest_key
from footage.manifest import MANIFEST_EVERY_S
from footage.storage import Storage

log = logging.getLogger(__name__)
#: Asks a TSA for an RFC 3161 token over some bytes (edge_uploader.chain.tsa).
Timestamper = Callable[[bytes], bytes]


@dataclass(frozen=True, slots=True)
class ManifestPolicy:
    #: per site: the longest retention of its cameras (the manifests' class)
    retention_days: Mapping[str, int]
    #: per site: its cameras (a new key appends a rekey record to each chain)
    cameras: Mapping[str, Sequence[str]] = field(default_factory=dict)
    every: timedelta = timedelta(seconds=MANIFEST_EVERY_S)
    retry: timedelta = timedelta(minutes=1)


class Manifests:
    def __init__(
        self, journal: Journal, storage: Storage, clock: Clock, keys: Mapping[str, SiteKey],
        policy: ManifestPolicy, workdir: Path, timestamper: Timestamper | None = None,
        data_dir: Path | None = None,
    ) -> None:  # fmt: skip
        self.journal, self.storage, self.clock = journal, storage, clock
        self.keys, self.policy, self.workdir = dict(keys), policy, workdir
        #: where the site keys live: a key rotated there (vms keys init --rotate) is used
        self.data_dir = data_dir
        self._key_files: dict[str, int] = {}
        self.timestamper = timestamper
        self._tokens = BackgroundTokens(timestamper) if timestamper is not None else None
        self._registered = False

    def _register(self) -> None:
        """Once, at the first tick (nothing opens the journal at construction)."""
        if not self._registered:
            for site, key in self.keys.items():
                cameras = list(self.policy.cameras.get(site, ()))
                self.journal.chain.register_key(site, key.key_id, cameras, self.clock.now())
            self._registered = True

    def _reload_keys(self) -> None:
        """A site key replaced on disk since the last look signs from now on (its
        change appends rekey records, edge_uploader.journal.chain.register_key)."""
        if self.data_dir is None:
            return
        for site in list(self.keys):
            try:
                stamp = key_path(self.data_dir, site).stat().st_mtime_ns
            except FileNotFoundError:
                continue
            if self._key_files.setdefault(site, stamp) == stamp:
                continue
            self._key_files[site] = stamp
            key = load(self.data_dir, site)
            if key is not None and key.key_id != self.keys[site].key_id:
                self.keys[site] = key
                cameras = list(self.policy.cameras.get(site, ()))
                self.journal.chain.register_key(site, key.key_id, cameras, self.clock.now())
                log.info("signing with the rotated key %s", key.key_id, extra={"site": site})

    def tick(self) -> int:
        """Seal what is due, send what is sealed; return how many were sent."""
        self._register()
        self._reload_keys()
        now = self.clock.now()
        for site in self.keys:
            last = self.journal.chain.last_issued(site)
            if last is None or now - last >= self.policy.every:
                self._seal(site)
        return self.send()

    def flush(self) -> int:
        """At start and shutdown: seal every site's leftovers now, and send."""
        self._register()
        for site in self.keys:
            self._seal(site)
        return self.send()

    def _seal(self, site: str) -> None:
        key = self.keys[site]
        manifest = self.journal.chain.seal(
            site, key.key_id, self.clock.now(), self.policy.retention_days[site], key.sign,
            want_tsr=self.timestamper is not None,
        )  # fmt: skip
        if manifest is not None:
            log.info("manifest %d sealed: %d records", manifest.seq, len(manifest.records()),
                     extra={"site": site})  # fmt: skip

    def send(self) -> int:
        sent = 0
        for manifest in self.journal.chain.pending(self.clock.now()):
            sent += self._send(manifest)
        return sent

    def _send(self, m: SealedManifest) -> int:
        name = build_manifest_key(m.site, m.issued_at, retention_days=m.retention_days)
        ctx = {"site": m.site, "key": name}
        try:
            if m.state != SENT:
                self._put(name, m.body, "application/json")
                self._put(name.removesuffix(".json") + ".sig", m.signature)
                self.journal.chain.sent(m.site, m.seq)
        except (FootageError, OSError) as exc:
            self.journal.chain.failed(m.site, m.seq, str(exc), self.clock.now() + self.policy.retry)
            log.warning("manifest upload failed (retried): %s", exc, extra=ctx)
            return 0
        if m.tsr_state == TSR_WANTED:
            self._stamp(m, name, ctx)
        return int(m.state != SENT)

    def _stamp(self, m: SealedManifest, name: str, ctx: dict[str, str]) -> None:
        """The token, fetched once and kept in the journal, then sent beside it."""
        try:
            token = m.tsr
            if token is None:
                if self._tokens is None:
                    return  # asked for by an earlier run with a TSA: none configured now
                token = self._tokens.poll((m.site, m.seq), m.body)
                if token is None:
                    return  # being fetched: a later tick sends it
                self.journal.chain.stamped(m.site, m.seq, token, TSR_WANTED)
            self._put(name.removesuffix(".json") + ".tsr", token)
            self.journal.chain.stamped(m.site, m.seq, None, TSR_SENT)
        except (FootageError, OSError) as exc:
            self.journal.chain.failed(m.site, m.seq, str(exc), self.clock.now() + self.policy.retry)
            log.warning("time-stamp failed (manifest kept, retried): %s", exc, extra=ctx)

    def _put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Write-once: an existing object is this one, sent before a crash."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.workdir, prefix="manifest-") as tmp:
            tmp.write(data)
            tmp.flush()
            try:
                self.storage.put_file(key, Path(tmp.name), content_type=content_type,
                                      if_absent=True)  # fmt: skip
            except ObjectExists:
                return
