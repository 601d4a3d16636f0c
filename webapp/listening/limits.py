"""Limits shared by the ListenBrainz-compatible API and the listen-history importer."""

#: listened_at before 2002-10-01 00:00:00 UTC is refused, as ListenBrainz does (LISTEN_MINIMUM_TS).
LISTEN_MINIMUM_TS = 1_033_430_400
