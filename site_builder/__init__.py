"""site_builder: a static site generator for a daily tech-finance briefing."""

__version__ = "0.1.0"
