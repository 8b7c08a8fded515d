"""Readers: every kind of input to :class:`~storyline.article.RawDocument`, safely.

The one entry point is :func:`read_inputs`; the pieces (the safe fetcher, feed
polling, OPML) are exported for the server's feed worker and the CLI.
"""

from storyline.ingest.feeds import FeedPoll, discover_feeds, is_truncated, poll_feed
from storyline.ingest.fetch import Fetcher, FetchError, FetchResult, fetch
from storyline.ingest.inputs import read_inputs
from storyline.ingest.opml import OPMLError, OutlineFeed, read_opml, write_opml
from storyline.ingest.options import IngestOptions

__all__ = [
    "FeedPoll",
    "FetchError",
    "FetchResult",
    "Fetcher",
    "IngestOptions",
    "OPMLError",
    "OutlineFeed",
    "discover_feeds",
    "fetch",
    "is_truncated",
    "poll_feed",
    "read_inputs",
    "read_opml",
    "write_opml",
]
