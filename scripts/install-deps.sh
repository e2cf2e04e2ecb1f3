#!/usr/bin/env bash
# Installs what `make up` / `make test` need and is missing. Idempotent and quick
# when everything is present: it only calls apt/pip when a package is absent.
set -euo pipefail

APT_PACKAGES=(
  ffmpeg                                  # recorder, probe, thumbnails, transcode
  nginx libnginx-mod-rtmp                 # live relay (RTMP -> HLS)
  libnginx-mod-http-js                    # live relay: njs bounds a live token's expiry
  gir1.2-gst-rtsp-server-1.0 python3-gi   # simulated RTSP cameras
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad
  gstreamer1.0-x gstreamer1.0-tools       # clockoverlay (pango), gst-launch
  iproute2 procps nftables               # procps: pgrep; nftables: packet loss in fault tests
  chromium fonts-dejavu-core              # viewer e2e tests (headless, driven by Playwright)
  wrk                                     # bench/viewer_api.py: HTTP load (make bench, bench smoke)
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "installing uv"
  python3 -m pip install --quiet uv
fi
