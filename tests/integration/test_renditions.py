"""An HEVC segment's H.264 rendition on the serverless path (moto): ingested as
HEVC, each part made once by the real rendition Lambda handler and cached, the
parts together holding every frame once at the segment's own media times."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from footage.keys import build_segment_key
from footage.services.playback import PlaybackCodec, playback_playlist
from footage.services.renditions import RenditionJob, part_key, rendition_url
from functions.local import LocalContext
from tests.support.cloud import serverless
from tests.support.media import make_hevc_clip

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
TTL = timedelta(hours=1)


def _video(path: Path) -> tuple[str, list[float]]:
    """The video stream's codec and its frames' times."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
         "packet=pts_time:stream=codec_name", "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    data = json.loads(done.stdout)
    return data["streams"][0]["codec_name"], sorted(float(p["pts_time"]) for p in data["packets"])


def test_an_hevc_segment_is_made_into_h264_parts_once_each(moto_server: str, tmp_path: Path):
    with serverless(moto_server, tmp_path, {"gate": ("HO", 30)}) as cloud:
        source = make_hevc_clip(tmp_path / "hevc.mp4", seconds=10)
        key = build_segment_key("HO", "gate", T0, retention_days=30)
        cloud.storage.put_file(key, source, if_absent=True)
        assert cloud.pump() == []
        row = cloud.catalog.get_segment("gate", T0)
        assert row is not None and row.codec == "hevc"
        sys.modules.pop("functions.rendition.handler", None)
        lambda_fn = importlib.import_module("functions.rendition.handler")
        made: list[int] = []

        def invoke(job: RenditionJob) -> None:  # what RenditionInvoker asks of Lambda
            made.append(job.index)
            answer = lambda_fn.handler(json.loads(json.dumps(job.to_event())),
                                       LocalContext("rendition"))  # fmt: skip
            assert answer == {"key": job.key}

        urls = [rendition_url(cloud.catalog, cloud.storage, invoke, "gate", T0, i, TTL)
                for i in (0, 1, 2, 3, 4, 0, 4)]  # fmt: skip

        assert made == [0, 1, 2, 3, 4]  # asked again: nothing made
        assert urls[5].split("?")[0] == urls[0].split("?")[0]
        head = cloud.storage.head(part_key(key, 0))
        assert head is not None and head.metadata["source"] == key
        tagging = cloud.storage.client.get_object_tagging(Bucket=cloud.names.bucket,
                                                          Key=part_key(key, 0))  # fmt: skip
        assert tagging["TagSet"] == [{"Key": "vms-cache", "Value": "rendition"}]  # its lifecycle
        pts: list[float] = []
        for index, url in enumerate(urls[:5]):
            path = tmp_path / f"part{index}.ts"
            path.write_bytes(httpx.get(url).raise_for_status().content)
            codec, times = _video(path)
            assert codec == "h264"
            pts += times
        source_pts = _video(source)[1]
        assert len(pts) == len(source_pts) == 150  # every frame once
        assert pts == pytest.approx(source_pts, abs=0.002)  # at the segment's own times

        text = playback_playlist(cloud.catalog, cloud.storage, "gate", T0,
                                 T0 + timedelta(seconds=10), PlaybackCodec.H264).text  # fmt: skip
        assert "renditions/2026" not in text and text.count(part_key(key, 0)) == 1
        assert made == [0, 1, 2, 3, 4]
