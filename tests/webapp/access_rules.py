"""What each visitor may see at each URL of the site: the table tests/webapp/test_access.py
walks. Holds no tests.

Four roles: an anonymous visitor, the wrong listener (eve, looking at ada's things), the owner
(ada) and a curator (staff in the Curators group). A rule says how to build one request to a
URL pattern (from the World the test builds) and the status each role gets, in ROLES order;
`hidden` names the owner's private things that must not appear in what a non-owner is shown.
Admin URLs follow the Curators group's grants (webapp/dashboard/curators.py), so a model added
to the admin is covered by the same rule.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "wrong", "owner", "curator")
#: The owner's private things (see World): her API token, a track only she saved, one only she
#: played, and one only her weekly playlist holds. Her listens are public through /1/ (as on
#: ListenBrainz) and every track is in the public catalog, so the titles are hidden only where
#: a page would show them as hers.
TOKEN, SAVED, PLAYED, WEEKLY = "token", "saved", "played", "weekly"
EVERYTHING = (TOKEN, SAVED, PLAYED, WEEKLY)
#: Every form post also asks to be sent off-site afterwards: no answer may follow it.
OFF_SITE = "https://elsewhere.example/"
LOGIN = "login"  # a redirect to the login page (the admin's, for admin URLs)


@dataclass(frozen=True)
class Rule:
    path: Callable[[Any], str]  # World -> the URL requested
    status: tuple[int | str, ...]  # anonymous, wrong, owner, curator: a status, or LOGIN
    method: str = "get"
    data: dict | str | None = None
    hidden: tuple[str, ...] = EVERYTHING
    api: bool = False  # sends the role's API token, as a scrobbler would


def _listen(world) -> str:
    import json

    listen = {"listened_at": 1_700_000_999, "track_metadata": world.public_track_metadata}
    return json.dumps({"listen_type": "single", "payload": [listen]})


def _page(path: str | Callable, status, **kwargs) -> Rule:
    return Rule(path if callable(path) else (lambda world, p=path: p), status, **kwargs)


SIGNED_IN = (LOGIN, 200, 200, 200)


def _first_version(world) -> str:
    from webapp.training.models import ModelVersion

    return f"/models/{ModelVersion.objects.order_by('pk').first().pk}/"


POST_ONLY = (LOGIN, 405, 405, 405)
PLAY = {"ms_played": "30000", "next": OFF_SITE}
FORM = {"next": OFF_SITE}
CATALOG = (TOKEN,)  # public catalog pages show every track; never a token

PAGES: dict[str, list[Rule]] = {
    "home": [_page("/", (200, 200, 200, 200))],
    "browse": [_page("/browse/?q=Only", (200, 200, 200, 200), hidden=CATALOG)],
    "library": [_page("/library/", SIGNED_IN)],
    "profile": [_page("/profile/", SIGNED_IN)],
    "token_regenerate": [
        _page("/profile/token", POST_ONLY),
        _page("/profile/token", (LOGIN, 302, 302, 302), method="post", data=FORM),
    ],
    "account_delete": [
        _page("/profile/delete", (LOGIN, 200, 200, 404)),
        _page(
            "/profile/delete", (LOGIN, 200, 200, 404), method="post", data={"password": "x", **FORM}
        ),  # fmt: skip
    ],
    "signup": [_page("/accounts/signup/", (200, 302, 302, 302))],
    "artist_detail": [
        _page(lambda w: f"/artists/{w.saved_track.artist_id}/", (200,) * 4, hidden=CATALOG)
    ],
    "track_detail": [
        _page(lambda w: f"/tracks/{w.saved_track.pk}/", (200,) * 4, hidden=CATALOG),
        _page(lambda w: f"/tracks/{w.played_track.pk}/", (200,) * 4, hidden=CATALOG),
    ],
    "listener_detail": [_page(lambda w: f"/listeners/{w.owner.username}/", (LOGIN, 404, 200, 200))],
    "dashboard": [_page("/dashboard/", (LOGIN, 302, 302, 302))],  # to the caller's own
    # staff only: the model version pages show metrics, never a listener's data
    "model_version_detail": [_page(_first_version, (LOGIN, 404, 404, 200))],
    "login": [_page("/accounts/login/", (200,) * 4)],
    "logout": [_page("/accounts/logout/", (405,) * 4)],
    "password_change": [_page("/accounts/password_change/", SIGNED_IN)],
    "password_change_done": [_page("/accounts/password_change/done/", SIGNED_IN)],
    "password_reset": [_page("/accounts/password_reset/", (200,) * 4)],
    "password_reset_done": [_page("/accounts/password_reset/done/", (200,) * 4)],
    "password_reset_confirm": [_page("/accounts/reset/MQ/not-a-token/", (200,) * 4)],
    "password_reset_complete": [_page("/accounts/reset/done/", (200,) * 4)],
}
for _action, _ok in (("play", 200), ("skip", 200), ("save", 302), ("unsave", 302)):
    PAGES[f"track_{_action}"] = [
        _page(lambda w, a=_action: f"/tracks/{w.played_track.pk}/{a}", POST_ONLY),
        _page(
            lambda w, a=_action: f"/tracks/{w.played_track.pk}/{a}",
            (LOGIN, _ok, _ok, _ok),
            method="post",
            data=PLAY,
        ),
    ]

#: The weekly playlist (webapp.playlists; rules apply where its URLs are mounted): a listener
#: sees and changes only their own. Only the owner has a playlist for World.week.
OWN_WEEK = (LOGIN, 404, 200, 404)
PAGES |= {
    "weekly": [_page("/weekly/", SIGNED_IN)],
    "weekly_week": [_page(lambda w: f"/weekly/{w.week}/", OWN_WEEK)],
    "weekly_jspf": [_page(lambda w: f"/weekly/{w.week}/playlist.jspf", OWN_WEEK)],
    "weekly_m3u": [_page(lambda w: f"/weekly/{w.week}/playlist.m3u", OWN_WEEK)],
    "weekly_discovery": [
        _page("/weekly/settings", POST_ONLY),
        _page(
            "/weekly/settings",
            (LOGIN, 302, 302, 302),
            method="post",
            data={"discovery": "0.75", **FORM},
        ),  # fmt: skip
    ],
    "weekly_rebuild": [
        _page("/weekly/rebuild", POST_ONLY),
        _page("/weekly/rebuild", (LOGIN, 302, 302, 302), method="post", data=FORM),
    ],
}
for _name, _url in (
    ("weekly_refuse", lambda w: f"/weekly/tracks/{w.weekly_track.pk}/refuse"),
    ("weekly_hide_artist", lambda w: f"/weekly/artists/{w.weekly_track.artist_id}/hide"),
    ("weekly_unhide_artist", lambda w: f"/weekly/artists/{w.weekly_track.artist_id}/unhide"),
):
    PAGES[_name] = [
        _page(_url, POST_ONLY),
        _page(_url, (LOGIN, 302, 302, 302), method="post", data=FORM),
    ]

#: The ListenBrainz API: reads are public (as on ListenBrainz), writes need the caller's token
#: and only ever write the caller's own listens.
API_READ = (TOKEN, SAVED)
API: dict[str, list[Rule]] = {
    "listenbrainz:openapi-json": [_page("/1/openapi.json", (200,) * 4, hidden=(TOKEN,))],
    "listenbrainz:submit_listens": [
        Rule(lambda w: "/1/submit-listens", (401, 200, 200, 200), "post", _listen, api=True)
    ],
    "listenbrainz:validate_token": [
        Rule(lambda w: "/1/validate-token", (400, 200, 200, 200), api=True),
    ],
    "listenbrainz:user_listens": [
        _page(lambda w: f"/1/user/{w.owner.username}/listens", (200,) * 4, hidden=API_READ)
    ],
    "listenbrainz:user_playing_now": [
        _page(lambda w: f"/1/user/{w.owner.username}/playing-now", (200,) * 4, hidden=API_READ)
    ],
    "listenbrainz:user_listen_count": [
        _page(lambda w: f"/1/user/{w.owner.username}/listen-count", (200,) * 4, hidden=API_READ)
    ],
    # Her weekly playlist is hers alone: her token only.
    "listenbrainz:user_weekly_playlist": [
        Rule(
            lambda w: f"/1/user/{w.owner.username}/weekly-playlist", (401, 403, 200, 403), api=True
        ),  # fmt: skip
    ],
    "listenbrainz:api-root": [_page("/1/", (404,) * 4)],
    "listenbrainz:api-not-found": [_page("/1/no-such-endpoint", (404,) * 4)],
}

STAFF_ONLY = (LOGIN, LOGIN, LOGIN, 200)
ADMIN: dict[str, list[Rule]] = {
    "admin:index": [_page("/admin/", STAFF_ONLY, hidden=())],
    "admin:login": [_page("/admin/login/", (200, 200, 200, 302), hidden=())],
    "admin:logout": [_page("/admin/logout/", (302, 302, 302, 405))],  # non-staff: to /admin/
    # Nobody but a superuser sets another account's password (curators hold no auth grants).
    "admin:auth_user_password_change": [
        _page(lambda w: f"/admin/auth/user/{w.owner.pk}/password/", (LOGIN, LOGIN, LOGIN, 403))
    ],
    "admin:password_change": [_page("/admin/password_change/", STAFF_ONLY)],
    "admin:password_change_done": [_page("/admin/password_change/done/", STAFF_ONLY)],
    "admin:jsi18n": [_page("/admin/jsi18n/", STAFF_ONLY)],
    "admin:autocomplete": [_page("/admin/autocomplete/", (LOGIN, LOGIN, LOGIN, 403))],
    "admin:view_on_site": [_page(lambda w: w.view_on_site, (LOGIN, LOGIN, LOGIN, 302))],
    "admin:training_modelversion_retrain": [
        _page("/admin/training/modelversion/retrain/", (LOGIN, LOGIN, LOGIN, 405)),
        _page("/admin/training/modelversion/retrain/", (LOGIN, LOGIN, LOGIN, 302), method="post"),
    ],
    # The catch-all (an unknown admin URL): unnamed, so keyed by its route.
    "admin/(?P<url>.*)$": [_page("/admin/no-such-page/", (LOGIN, LOGIN, LOGIN, 404))],
}


@dataclass(frozen=True)
class Grants:
    """What the Curators group may do with a model, as admin URLs answer it."""

    actions: frozenset[str] = field(default_factory=frozenset)

    def curator_status(self, action: str) -> int:
        """The status a curator gets for one of a model's admin URLs (an object exists)."""
        may_see = bool({"view", "change"} & self.actions)
        allowed = {
            "changelist": may_see,
            "change": may_see,
            "history": may_see,
            "add": "add" in self.actions,
            "delete": "delete" in self.actions,
        }[action]
        return 200 if allowed else 403


def model_admin_rules(app: str, model: str, pk: int, grants: Grants, can_add: bool) -> dict:
    """The rules of one registered model's admin URLs (named and the unnamed redirect)."""
    base = f"/admin/{app}/{model}/"
    paths = {
        "changelist": base,
        "add": base + "add/",
        "change": f"{base}{pk}/change/",
        "delete": f"{base}{pk}/delete/",
        "history": f"{base}{pk}/history/",
    }
    rules = {}
    for action, path in paths.items():
        status = grants.curator_status(action)
        if action == "add" and not can_add:
            status = 403
        rules[f"admin:{app}_{model}_{action}"] = [
            _page(path, (LOGIN, LOGIN, LOGIN, status), hidden=() if status == 200 else EVERYTHING)
        ]
    redirect = (LOGIN, LOGIN, LOGIN, 302)  # the old-style object URL: to its change page
    rules[f"admin/{app}/{model}/<path:object_id>/"] = [_page(f"{base}{pk}/", redirect)]
    return rules


def app_list_rules(app_labels: list[str], curator_apps: set[str]) -> list[Rule]:
    """admin:app_list for every app the admin lists: a curator sees those they hold a grant in."""
    return [
        _page(f"/admin/{label}/", (LOGIN, LOGIN, LOGIN, 200 if label in curator_apps else 404))
        for label in app_labels
    ]
