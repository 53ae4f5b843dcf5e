"""PDFs the hub hands out (certificates, the pocket card): WeasyPrint over inline HTML.

Nothing is fetched while a PDF is made: styles are inline and the URL fetcher refuses every
address, so a link in the text can never reach the network. (The same approach as analytics'
report_pdf; services do not import one another.)
"""

from __future__ import annotations

from weasyprint import HTML
from weasyprint.urls import URLFetcher


class NothingFetched(URLFetcher):
    """A URL fetcher that refuses every address."""

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else "relative"
        raise ValueError(f"hub PDFs fetch nothing, and one asked for a {scheme} address")


def render(html: str) -> bytes:
    pdf = HTML(string=html, base_url=None, url_fetcher=NothingFetched()).write_pdf()
    if not pdf:
        raise RuntimeError("WeasyPrint made no PDF")
    return bytes(pdf)


def attachment(data: bytes, filename: str):
    """A response that downloads ``data`` as ``filename``; never cached (it may carry a name)."""
    from flask import Response

    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
