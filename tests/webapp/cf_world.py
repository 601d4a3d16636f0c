"""A planted two-taste world for CF tests: group g's listeners play only group g's tracks."""

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from webapp.catalog.models import Artist, Track
from webapp.listening.models import Listen, ListenSource

User = get_user_model()


def make_world(
    n_users_per_group: int = 20, n_tracks_per_group: int = 15, n_artists_per_group: int = 5
):
    """Two taste groups: group g's listeners play only group g's tracks (a planted structure).

    Group g's tracks are spread round-robin over its `n_artists_per_group` artists.
    """
    artists = Artist.objects.bulk_create(
        [
            Artist(name=f"Group {g} artist {a}", name_normalized=f"group {g} artist {a}")
            for g in (0, 1)
            for a in range(n_artists_per_group)
        ]
    )
    tracks = Track.objects.bulk_create(
        [
            Track(
                artist=artists[g * n_artists_per_group + i % n_artists_per_group],
                title=f"T{g}-{i}",
                title_normalized=f"t{g} {i}",
            )
            for g in (0, 1)
            for i in range(n_tracks_per_group)
        ]
    )
    groups = {g: tracks[g * n_tracks_per_group : (g + 1) * n_tracks_per_group] for g in (0, 1)}
    users = {g: [] for g in (0, 1)}
    rng = np.random.default_rng(1)
    now = timezone.now()
    listens = []
    for g in (0, 1):
        for u in range(n_users_per_group):
            user = User.objects.create_user(f"u{g}_{u}")
            users[g].append(user)
            picks = rng.choice(n_tracks_per_group, size=min(8, n_tracks_per_group), replace=False)
            for k, i in enumerate(picks):
                for repeat in range(1 + k % 3):
                    listens.append(
                        Listen(
                            user=user,
                            track=groups[g][i],
                            listened_at=now - timezone.timedelta(hours=k * 5 + repeat),
                            source=ListenSource.SYNTHETIC,
                        )
                    )
    Listen.objects.bulk_create(listens)
    return users, groups
