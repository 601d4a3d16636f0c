"""Downloader middleware: stop a redirect loop at its first repeat, as a counted refusal.

Scrapy's duplicate filter would silently drop the second visit of a looping URL; this sees
each redirect before RedirectMiddleware follows it and refuses one that points back into its
own chain (IgnoreRequest, which the spider's errback counts as "redirect_loop").
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest

REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class RedirectLoopMiddleware:
    def process_response(self, request, response, spider=None):
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            raise IgnoreRequest(f"redirect loop: {request.url} -> {target}")
        return response
