"""What listeners (and curators) change about their weekly playlists.

"Not for me" on a pick (that track never returns; its artist is damped), "don't recommend this
artist", the familiar <-> discover setting, and "rebuild my playlist now" (rate-limited). Each
takes effect at the next build; a rebuild applies them at once.
"""

from __future__ import annotations

from django.core.cache import cache

from webapp.catalog.models import Artist, Track
from webapp.listening.models import ListenSource
from webapp.listening.services import track_refuse, track_unrefuse
from webapp.playlists.models import HiddenArtist, PlaylistSettings

#: A listener may ask for a rebuild this often.
REBUILD_EVERY_SECONDS = 10 * 60


def pick_refuse(*, user, track: Track) -> None:
    """ "Not for me": never recommend this track again; its artist is damped from now on."""
    track_refuse(user=user, track=track, source=ListenSource.WEEKLY)


def pick_unrefuse(*, user, track: Track) -> None:
    track_unrefuse(user=user, track=track)


def artist_hide(*, user, artist: Artist) -> None:
    """ "Don't recommend this artist": none of their tracks is picked for this listener."""
    HiddenArtist.objects.get_or_create(user=user, artist=artist)


def artist_unhide(*, user, artist: Artist) -> None:
    HiddenArtist.objects.filter(user=user, artist=artist).delete()


def discovery_set(*, user, discovery: float) -> PlaylistSettings:
    """0 keeps to artists the listener knows; 1 brings mostly artists new to them."""
    if not 0.0 <= discovery <= 1.0:
        raise ValueError("discovery must be between 0 (familiar) and 1 (discover)")
    settings, _ = PlaylistSettings.objects.update_or_create(
        user=user, defaults={"discovery": discovery}
    )
    return settings


def discovery_of(*, user) -> float | None:
    return PlaylistSettings.objects.filter(user=user).values_list("discovery", flat=True).first()


def rebuild_allowed(*, user) -> bool:
    """True once per REBUILD_EVERY_SECONDS per listener (counted in the shared cache)."""
    return cache.add(f"playlist-rebuild:{user.pk}", 1, timeout=REBUILD_EVERY_SECONDS)


def hidden_artists(*, user) -> list[Artist]:
    return [h.artist for h in HiddenArtist.objects.filter(user=user).select_related("artist")]
