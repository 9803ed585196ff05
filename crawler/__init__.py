"""mediamon: scheduled media-monitoring crawler."""

__version__ = "0.1.0"
