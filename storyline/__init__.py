"""storyline: a self-hosted news aggregator that understands the news."""

__version__ = "0.1.0"
