"""``vms camera``: simulated RTSP test cameras (edge_uploader.harness.camsim)."""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import fail

camera_app = typer.Typer(help="Cameras: run simulated RTSP test cameras.")


@camera_app.command("simulate")
def camera_simulate(
    port: Annotated[int, typer.Option(help="first RTSP port")] = 8554,
    count: Annotated[int, typer.Option(min=1, max=32)] = 1,
    codec: Annotated[str, typer.Option(help="h264 or h265")] = "h264",
    audio: Annotated[str, typer.Option(help="none, pcma or pcmu (G.711)")] = "none",
    width: int = 1280,
    height: int = 720,
    fps: int = 15,
) -> None:
    """Start real RTSP test cameras (GStreamer, TCP and UDP) until Ctrl-C."""
    from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera

    if codec not in {"h264", "h265"} or audio not in {"none", "pcma", "pcmu"}:
        fail("codec must be h264/h265 and audio none/pcma/pcmu", 2)
    specs = [
        CameraSpec(port=port + i, mount=f"/cam{i + 1}", codec=codec, audio=audio,  # type: ignore[arg-type]
                   width=width, height=height, fps=fps, label=f"CAM {i + 1}")
        for i in range(count)
    ]  # fmt: skip
    cams = [SimulatedCamera(spec).start() for spec in specs]
    for cam in cams:
        typer.echo(cam.url)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        for cam in cams:
            cam.stop()
