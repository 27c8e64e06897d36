"""afc: add realtime to an AFC Stack monorepo, preview it, and take it out again."""

__version__ = "0.1.0"
