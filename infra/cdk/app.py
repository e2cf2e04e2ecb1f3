#!/usr/bin/env python3
"""CDK entry point: ``cdk synth|deploy [-c config=path/to/config.yaml]`` from infra/cdk.

The config path comes from ``-c config=...``, else $VMS_CONFIG, else
example-config.yaml beside this file (relative paths: from the current directory).
Build outputs (Lambda bundle, layers) land in <repo>/build/.
"""

from __future__ import annotations

from cctv_infra.application import build_app

if __name__ == "__main__":
    build_app().app.synth()
