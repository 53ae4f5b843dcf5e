"""The steering-group report as a PDF: WeasyPrint lays out the same HTML and SVG charts the
dashboard pages use (templates/analytics/report.html), with print styles of its own.

Nothing is fetched while the PDF is made: the styles are inline, the charts are inline SVG,
and the URL fetcher refuses every address, so a stray link can never reach the network.
"""

from __future__ import annotations

from weasyprint import HTML
from weasyprint.urls import URLFetcher


class NothingFetched(URLFetcher):
    """A URL fetcher that refuses every address (http, https, file, anything)."""

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else "relative"
        raise ValueError(f"the report fetches nothing, and was asked for a {scheme} address")


def render(html: str) -> bytes:
    """The PDF WeasyPrint makes from ``html``."""
    pdf = HTML(string=html, base_url=None, url_fetcher=NothingFetched()).write_pdf()
    if not pdf:
        raise RuntimeError("WeasyPrint made no PDF")
    return bytes(pdf)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, safe inside a <style> element."""
    escaped = "".join(c if c.isalnum() or c in " ,.:;()-_'/" else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'
