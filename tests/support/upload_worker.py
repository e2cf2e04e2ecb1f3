"""An edge uploader in its own process, for tests that kill it mid-upload.

    python -m tests.support.upload_worker --spool DIR --endpoint URL --bucket B

Uploads the spool's backlog with the real Uploader (journal, resumable S3
multipart in 5 MB parts) and prints {"sent": bytes put on the wire} when done.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from edge_uploader.journal import Journal
from edge_uploader.uploader import Uplink, Uploader, UploadPolicy
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.bandwidth import TokenBucket
from footage.clock import SystemClock

MB = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spool", type=Path, required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    args = parser.parse_args()
    journal = Journal(args.spool / "journal.sqlite3")
    journal.initialize()
    client = make_s3_client(args.endpoint, "ap-southeast-3")
    store = S3Storage(client, args.bucket, "", multipart_threshold=5 * MB, multipart_chunk=5 * MB)
    meter = TokenBucket(lambda: None)  # no cap: it only counts what is sent
    policy = UploadPolicy(workers=1, retry_initial_s=1, retry_max_s=2)
    uploader = Uploader(journal, store, SystemClock(), policy, random.Random(1),
                        Uplink({"HO": meter}))  # fmt: skip
    while journal.stats.backlog().count:
        if uploader.tick() == 0:
            time.sleep(0.2)  # a failed upload waits for its retry
    print(json.dumps({"sent": meter.consumed}), flush=True)


if __name__ == "__main__":
    main()
