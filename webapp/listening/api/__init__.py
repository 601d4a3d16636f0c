"""The ListenBrainz-compatible JSON API under /1/.

HTTP in, services and selectors called, ListenBrainz-shaped JSON out. validation.py checks a
submission in plain Python, ratelimit.py counts requests in the cache, http.py holds the
plumbing every endpoint shares, views.py the endpoints, openapi.py the published schema.
"""
