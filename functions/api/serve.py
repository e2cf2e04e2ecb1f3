"""The API and the web viewer on-prem: ``python -m functions.api.serve``.

``vms up`` starts this next to the recorders (same config and data dir), on
``http://127.0.0.1:5000`` by default. It serves the API under ``/api``, signed
footage links under ``/media`` (NAS folder storage) and the built viewer
(``web/dist``) at ``/``. Accounts are local (``vms user add``); exports run on
a worker thread here, and exports left unfinished by a restart are resumed.
H.264 renditions of HEVC footage are made here, in the request that asks for a
part (footage.services.renditions.LocalRenditions).
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import multiprocessing
import os
import queue
import sys
import threading
from functools import partial
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from footage.adapters.factory import (
    build_audit_log,
    build_catalog,
    build_drill_log,
    build_storage,
)
from footage.adapters.sqlite_alerts import ALERTS_DB_NAME, SqliteAlertStore
from footage.adapters.sqlite_login_limiter import SqliteLoginLimiter
from footage.adapters.sqlite_push import SqlitePushSubscriptions
from footage.adapters.sqlite_users import SqliteUserStore
from footage.alerts.config import WebPushChannel
from footage.clock import Clock, SystemClock
from footage.config import Config, FilesystemStorage
from footage.config_loader import load_config, resolve_paths
from footage.errors import FootageError
from footage.live import key_lookup, live_keys, read_relay_status, relay_status_path
from footage.logs import configure_logging
from footage.notify.base import Channel
from footage.notify.channels import build_channels
from footage.notify.webpush import application_server_key
from footage.procs import die_with_parent
from footage.push import DEFAULT_PUSH_HOSTS
from footage.secrets import SIGNING_KEY, TOKEN_KEY, VAPID_KEY, installation_key
from footage.services.accounts import bootstrap_admin
from footage.services.evidence_export import sources_from_config
from footage.services.exports import ExportStore, expire_exports, pending_exports, run_export
from footage.services.renditions import LocalRenditions
from footage.services.share import Sender, deliver_share
from functions.api.app import create_app
from functions.api.deps import ApiContext, LiveAccess, LocalTokens, PushAccess

log = logging.getLogger(__name__)
WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"


class LocalExports:
    """Runs export jobs one at a time on a daemon thread of this process (a stop
    never waits for a long export: the job stays "running" and the next start
    resumes it). With several worker processes, a lock file per job lets only
    one of them work on it."""

    def __init__(
        self, store: ExportStore, context: ApiContext, workdir: Path, sender: Sender | None = None
    ) -> None:
        self._store, self._context, self._workdir = store, context, workdir
        self._sender = sender  # sends a shared clip once its export is done
        self._queue: queue.SimpleQueue[str] = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="exports", daemon=True).start()

    def launch(self, export_id: str) -> None:
        self._queue.put(export_id)

    def _loop(self) -> None:
        while True:
            self._run(self._queue.get())

    def _run(self, export_id: str) -> None:
        self._workdir.mkdir(parents=True, exist_ok=True)
        with (self._workdir / f"export-{export_id}.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another worker process has it
            self._work(export_id)

    def _work(self, export_id: str) -> None:
        try:
            config = self._context.config
            job = run_export(self._store, self._context.catalog, export_id, self._workdir,
                             self._context.clock.now,
                             evidence=lambda site: sources_from_config(config, site))  # fmt: skip
            log.info("export %s: %s", export_id, job.status.value,
                     extra={"camera": job.camera, "site": job.site})  # fmt: skip
            if self._sender is not None:
                self._share(export_id)
            self.expire()
        except Exception:  # a worker must survive any one job
            log.exception("export %s crashed", export_id)

    def _share(self, export_id: str) -> None:
        assert self._sender is not None
        context = self._context
        share = deliver_share(self._store, context.catalog, context.config, self._sender, export_id)
        if share is not None and share.status != "pending":
            log.info("share %s to %s: %s %s", export_id, share.recipient, share.status,
                     share.error, extra={"key": export_id})  # fmt: skip

    def expire(self) -> None:
        """Exports are kept a day (in S3 a lifecycle rule does this)."""
        removed = expire_exports(self._store, self._context.clock.now())
        if removed:
            log.info("deleted %d files of expired exports", removed)


def prepare(config_path: Path, data_dir: Path, clock: Clock | None = None) -> None:
    """Once, before any worker starts: schemas, keys and the admin account (its
    generated password is printed here, once)."""
    config = load_config(config_path)
    paths = resolve_paths(config, data_dir)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    for key in (SIGNING_KEY, TOKEN_KEY):
        installation_key(paths.data_dir, key, os.environ)
    live_keys(paths.data_dir, config, os.environ)
    build_catalog(config.index, paths).initialize()
    build_audit_log(config.index, paths).initialize()
    build_drill_log(config.index, paths).initialize()
    SqliteAlertStore(paths.data_dir / ALERTS_DB_NAME).initialize()
    users = SqliteUserStore(paths.users)
    users.initialize()
    SqlitePushSubscriptions(paths.users).initialize()
    SqliteLoginLimiter(paths.users).initialize()
    generated = bootstrap_admin(users, os.environ, (clock or SystemClock()).now())
    if generated:
        print(f"created user 'admin' with password: {generated}  (shown only once)", flush=True)


def build_local_app(
    config_path: Path, data_dir: Path, web_dir: Path | None, clock: Clock | None = None
) -> FastAPI:
    """The app of one worker process (after :func:`prepare`)."""
    config = load_config(config_path)
    paths = resolve_paths(config, data_dir)
    env = os.environ
    signing = installation_key(paths.data_dir, SIGNING_KEY, env)
    token_key = installation_key(paths.data_dir, TOKEN_KEY, env)
    users = SqliteUserStore(paths.users)
    storage = build_storage(config.storage, paths, signing)
    context = ApiContext(
        config=config, storage=storage,
        catalog=build_catalog(config.index, paths), clock=clock or SystemClock(),
        verifier=LocalTokens(token_key, users), audit=build_audit_log(config.index, paths),
        launch_export=lambda _: None, token_key=token_key, users=users,
        limiter=SqliteLoginLimiter(paths.users),
        media_key=signing if isinstance(config.storage, FilesystemStorage) else None,
        live=LiveAccess(key_lookup(live_keys(paths.data_dir, config, env)),
                        partial(read_relay_status, relay_status_path(paths.data_dir))),
        make_rendition=LocalRenditions(storage, paths.data_dir / "tmp"),
        drills=build_drill_log(config.index, paths),
        alerts=SqliteAlertStore(paths.data_dir / ALERTS_DB_NAME),
        push=_push_access(config, paths.users, paths.data_dir), shares=True,
    )  # fmt: skip
    channels = build_channels(config.alerts.channels, paths.data_dir, env, context.clock.now)
    sender = Sender({n: c for n, c in channels.items() if isinstance(c, Channel)},
                    context.clock.now, paths.data_dir / "tmp")  # fmt: skip
    exports = LocalExports(context.exports, context, paths.data_dir / "tmp", sender)
    context.launch_export = exports.launch
    app = create_app(context)
    if web_dir is not None and (web_dir / "index.html").exists():
        app.mount("/", StaticFiles(directory=web_dir, html=True), name="viewer")
    elif web_dir is not None:
        log.warning("no viewer build in %s (run: make web); serving the API only", web_dir)
    exports.expire()
    for job in pending_exports(context.exports, context.clock.now()):
        exports.launch(job.id)
    return app


def _push_access(config: Config, users: Path, data_dir: Path) -> PushAccess:
    """Browsers may subscribe with a push service host a webpush channel allows (the
    well-known ones when none is configured yet: they hear once one is)."""
    pushes = [c for c in config.alerts.channels.values() if isinstance(c, WebPushChannel)]
    hosts = tuple(sorted({h for c in pushes for h in c.allowed_hosts})) or DEFAULT_PUSH_HOSTS
    key = application_server_key(installation_key(data_dir, VAPID_KEY, os.environ))
    return PushAccess(SqlitePushSubscriptions(users), key, hosts)


_ENV_CONFIG, _ENV_DATA, _ENV_WEB = "VMS_SERVE_CONFIG", "VMS_SERVE_DATA_DIR", "VMS_SERVE_WEB_DIR"


def app_from_env() -> FastAPI:
    """The uvicorn factory each worker process calls (``main`` sets the variables)."""
    _die_with_main()
    configure_logging()
    web = os.environ.get(_ENV_WEB)
    return build_local_app(
        Path(os.environ[_ENV_CONFIG]), Path(os.environ[_ENV_DATA]), Path(web) if web else None
    )


def _die_with_main() -> None:
    """A worker ends with uvicorn's main process (SIGTERM: it finishes its requests),
    even after a kill -9 of that process, which would leave it serving the port on
    its own; it exits at once if the main process is already gone."""
    main_process = multiprocessing.parent_process()
    if main_process is not None and main_process.pid is not None:
        die_with_parent(main_process.pid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m functions.api.serve", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="sites and cameras YAML")
    parser.add_argument("--data-dir", type=Path, required=True, help="as given to vms up")
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve the LAN")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--web-dir", type=Path, default=WEB_DIST, help="the built viewer")
    parser.add_argument(
        "--workers", type=int, default=min(4, os.cpu_count() or 1),
        help="processes serving requests (default: one per core, at most 4)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    configure_logging()
    try:
        prepare(args.config, args.data_dir)
    except FootageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    os.environ[_ENV_CONFIG] = str(args.config.resolve())
    os.environ[_ENV_DATA] = str(args.data_dir.resolve())
    os.environ[_ENV_WEB] = str(args.web_dir)
    uvicorn.run(
        "functions.api.serve:app_from_env",
        factory=True, host=args.host, port=args.port, workers=args.workers, log_config=None,
        access_log=False, timeout_graceful_shutdown=5,
        # idle keep-alive connections outlive nginx's (streaming.nginx: 2 s), so nginx,
        # not uvicorn, always closes them: a request never meets a connection closing
        timeout_keep_alive=65,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
