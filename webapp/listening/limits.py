"""Limits shared by the ListenBrainz-compatible API and the listen-history importer.

ListenBrainz's own values (listenbrainz/webserver/views/api_tools.py), named here once.
"""

#: listened_at before 2002-10-01 00:00:00 UTC is refused, as ListenBrainz does (LISTEN_MINIMUM_TS).
LISTEN_MINIMUM_TS = 1_033_430_400
MAX_TAGS_PER_LISTEN = 50
MAX_TAG_SIZE = 64
#: duration (seconds) and duration_ms may not exceed 24 days.
MAX_DURATION_LIMIT = 24 * 24 * 60 * 60
MAX_DURATION_MS_LIMIT = MAX_DURATION_LIMIT * 1000
