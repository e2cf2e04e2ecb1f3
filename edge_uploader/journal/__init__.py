"""The spool journal: a durable on-disk queue (SQLite), split by concern.

``Journal`` (.store) is the file, its schema and transactions; its concerns are
its attributes: ``uploads`` (each segment's state: edge_uploader.lifecycle),
``stats``, ``ingest``, ``sessions``, ``watched`` and ``plan``.
"""

from edge_uploader.journal.store import Journal

__all__ = ["Journal"]
