"""The command-line face: `groundqa index | ask | search | cite | eval | serve | ...`, thin over app.api."""
from app.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
