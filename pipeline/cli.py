"""The ``docmine`` console script: the library's CLI plus the flow commands (being written)."""
from docmine.cli import app


def main() -> None:
    app()
