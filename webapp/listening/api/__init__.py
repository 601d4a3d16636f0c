"""The ListenBrainz-compatible JSON API under /1/, on django-ninja.

HTTP in, services and selectors called, ListenBrainz-shaped JSON out. schemas.py and
responses.py declare requests and answers (ninja validates with them and publishes
/1/openapi.json), body.py reads a JSON body, errors.py words every failure as ListenBrainz
does, auth.py reads the token, ratelimit.py counts requests in the shared cache, http.py
wraps every URL (CORS, OPTIONS, HEAD, 405, 429, JSON 404), app.py builds the ninja API,
views.py holds the endpoints.
"""
