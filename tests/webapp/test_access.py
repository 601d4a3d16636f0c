"""Who may see what (issue 8): every URL pattern of the site, walked from the URL resolver, as
an anonymous visitor, the wrong listener, the owner and a curator.

A pattern without a rule in access_rules.py fails test_every_url_pattern_has_a_rule, so a new
page is covered the day it is added; a model added to the admin gets its rules from the
Curators group's grants, and a row made from its fields to look at. For every request: the
status (a redirect to login where one is due), no redirect off the site, none of the owner's
private things in what anyone else is shown, and none of the owner's rows changed by anyone
else. Each request runs in a savepoint rolled back after it, so all see the same world. Rules
for URLs this site does not mount (yet) are skipped.
"""

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from tests.webapp.access_rules import (
    ADMIN,
    API,
    LOGIN,
    PAGES,
    PLAYED,
    ROLES,
    SAVED,
    TOKEN,
    WEEKLY,
    Grants,
    Rule,
    app_list_rules,
    model_admin_rules,
)
from webapp.catalog.models import Track
from webapp.catalog.services import TrackRef, tracks_resolve
from webapp.dashboard.curators import CURATORS, GRANTS
from webapp.listening import models as listening
from webapp.listening.services import ListenRecord as Record
from webapp.listening.services import (
    artist_visit_record,
    listener_create,
    listener_token_regenerate,
    listens_store,
    playing_now_set,
    track_refuse,
    track_save,
    track_skip_record,
)
from webapp.training.models import ModelVersion

pytestmark = pytest.mark.django_db
#: Models whose rows only jobs make: the admin offers no "add" for them.
ADDED_BY_JOBS_ONLY = {
    ("training", "modelversion"),
    ("training", "cftuning"),
    ("culture", "crawlrun"),
    ("culture", "document"),
    ("audio", "trackanalysis"),
}


@dataclass
class World:
    owner: object
    wrong: object
    curator: object
    tokens: dict
    saved_track: Track
    played_track: Track
    public_track_metadata: dict
    view_on_site: str
    secrets: dict
    week: dt.date | None = None  # of the owner's weekly playlist, where playlists are served
    weekly_track: Track | None = None


def _track(artist: str, title: str) -> Track:
    (pk,) = tracks_resolve(refs=[TrackRef(artist_name=artist, track_name=title)])
    return Track.objects.get(pk=pk)


def _listen(user, artist: str, title: str, when: int) -> None:
    at = dt.datetime.fromtimestamp(when, dt.UTC)
    ref = TrackRef(artist_name=artist, track_name=title)
    listens_store(user_id=user.pk, records=[Record(track=ref, listened_at=at)], source="api")


@pytest.fixture
def world(settings) -> World:
    settings.RATELIMIT_PER_TOKEN = settings.RATELIMIT_PER_IP = 10**6
    owner, wrong = listener_create(username="ada"), listener_create(username="eve")
    curator = listener_create(username="cleo")
    curator.is_staff = True
    curator.save(update_fields=["is_staff"])
    curator.groups.add(Group.objects.get(name=CURATORS))
    tokens = {"anonymous": None}
    for role, user in (("wrong", wrong), ("owner", owner), ("curator", curator)):
        tokens[role] = listener_token_regenerate(user=user)
    saved = _track("Ada's Artist", "Only Ada Saved This")
    track_save(user=owner, track=saved)
    for i in range(3):
        _listen(owner, "Ada's Artist", "Only Ada Played This", 1_700_000_000 + 600 * i)
    _listen(wrong, "Public Artist", "Everyone's Song", 1_700_000_000)
    played = Track.objects.get(title="Only Ada Played This")
    artist_visit_record(user=owner, artist=played.artist)
    track_skip_record(user=owner, track=played, ms_played=2000)
    track_refuse(user=owner, track=saved)
    now_playing = TrackRef(artist_name="Ada's Artist", track_name="Only Ada Played This")
    playing_now_set(user_id=owner.pk, track=now_playing)
    ModelVersion.objects.create(kind="cf", status="failed", error="a test run")
    for model in admin.site._registry:
        _row(model)  # one of each model the admin shows, to look at its object pages
    content_type = ContentType.objects.get_for_model(Track)
    world = World(
        owner=owner,
        wrong=wrong,
        curator=curator,
        tokens=tokens,
        saved_track=saved,
        played_track=played,
        public_track_metadata={"artist_name": "Public Artist", "track_name": "Everyone's Song"},
        view_on_site=f"/admin/r/{content_type.pk}/{saved.pk}/",
        secrets={TOKEN: tokens["owner"], SAVED: saved.title, PLAYED: played.title},
    )
    if "weekly" in url_patterns():
        world.week, world.weekly_track = _weekly_playlist(owner)
        world.secrets[WEEKLY] = world.weekly_track.title
    return world


_serial = itertools.count(1)


def _value(field: models.Field):
    """A value a required field takes (a related row for a foreign key)."""
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.OneToOneField):
        return _new_row(field.related_model)
    if isinstance(field, models.ForeignKey):
        return _row(field.related_model)
    n = next(_serial)
    for kind, value in (
        (models.FileField, ""),  # no file
        (models.EmailField, f"row{n}@example.org"),
        (models.URLField, f"https://example.org/{n}"),
        (models.CharField, f"row {n}"),
        (models.TextField, f"row {n}"),
        (models.BooleanField, False),
        (models.DateTimeField, timezone.now()),
        (models.DateField, timezone.now().date()),
        (models.UUIDField, uuid.uuid4()),
        (models.JSONField, {}),
        (models.BinaryField, b""),
        (models.DecimalField, 1),
        (models.FloatField, 1.0),
        (models.IntegerField, 1),
    ):
        if isinstance(field, kind):
            return value[: field.max_length] if isinstance(value, str) else value
    raise TypeError(f"no test value for {field!r}: add one to _value")


def _new_row(model):
    maker = _ROW_MAKERS.get((model._meta.app_label, model._meta.model_name))
    if maker is not None:
        return maker()
    required = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key or field.null or field.has_default())
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    ]
    return model.objects.create(**{field.name: _value(field) for field in required})


def _row(model):
    return model.objects.order_by("pk").first() or _new_row(model)


def _curator_block():
    """A curator block names a track or an artist (a check constraint): a track here."""
    block = apps.get_model("playlists", "CuratorBlock")
    return block.objects.create(track=_track("Blocked Artist", "A Blocked Song"))


#: Models whose rows the generic maker cannot build (constraints beyond NOT NULL).
_ROW_MAKERS = {("playlists", "curatorblock"): _curator_block}


def _weekly_playlist(owner) -> tuple[dt.date, Track]:
    """A playlist of the owner's for this week holding a track nobody else is shown as theirs."""
    playlist_model = apps.get_model("playlists", "WeeklyPlaylist")
    today = timezone.now().date()
    week = today - dt.timedelta(days=today.weekday())
    pick = _track("Ada's Weekly Artist", "Only Ada's Playlist Holds This")
    playlist = playlist_model.objects.create(user=owner, week=week, created_at=timezone.now())
    playlist.items.create(position=1, track=pick, score=1.0, reason="because you listen")
    return week, pick


def all_rules(world: World) -> dict[str, list[Rule]]:
    """The rules of the URL patterns this site mounts."""
    mounted = url_patterns()
    rules = {key: rule for key, rule in {**PAGES, **API, **ADMIN}.items() if key in mounted}
    curator_apps = set()
    for model in admin.site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        row = _row(model)
        actions = frozenset(GRANTS.get((app, name), ()))
        curator_apps |= {app} if actions else set()
        can_add = (app, name) not in ADDED_BY_JOBS_ONLY
        rules.update(model_admin_rules(app, name, row.pk, Grants(actions), can_add))
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    rules["admin:app_list"] = app_list_rules(labels, curator_apps)
    return rules


def url_patterns() -> dict[str, str]:
    """Every URL pattern of the site: its name (namespaced) or, unnamed, its route."""
    found = {}

    def walk(resolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace) if n)
                walk(pattern, route, inner)
            else:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found[name if pattern.name else route] = route

    walk(get_resolver(), "", "")
    return found


def owner_state(world: World) -> tuple:
    user = type(world.owner).objects.get(pk=world.owner.pk)
    mine = {"user_id": user.pk}
    return (
        user.username,
        user.password,
        user.is_active,
        listening.Profile.objects.get(**mine).token_hash,
        *(
            model.objects.filter(**mine).count()
            for model in (
                listening.Listen,
                listening.SavedTrack,
                listening.Skip,
                listening.ArtistVisit,
                listening.TrackRefusal,
                listening.PlayingNow,
            )
        ),
    )


def _send(client, role: str, rule: Rule, world: World):
    path = rule.path(world)
    headers = {}
    if rule.api and world.tokens[role]:
        headers["HTTP_AUTHORIZATION"] = f"Token {world.tokens[role]}"
    data = rule.data(world) if callable(rule.data) else rule.data
    if rule.method == "post" and isinstance(data, str):
        return path, client.post(path, data=data, content_type="application/json", **headers)
    return path, getattr(client, rule.method)(path, data=data or {}, **headers)


def check(client, role: str, rule: Rule, world: World) -> list[str]:
    """What is wrong with one role's answer to one rule's request (nothing, mostly)."""
    expected = rule.status[ROLES.index(role)]
    before = owner_state(world)
    with transaction.atomic():
        path, response = _send(client, role, rule, world)
        after = owner_state(world)
        transaction.set_rollback(True)
    where = f"{role} {rule.method.upper()} {path}"
    problems = []
    location = response.get("Location", "")
    if location and not url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}):
        problems.append(f"{where}: redirects off the site, to {location}")
    if expected == LOGIN:
        login = "/admin/login/" if path.startswith("/admin/") else "/accounts/login/"
        if response.status_code != 302 or not response["Location"].startswith(login):
            problems.append(f"{where}: {response.status_code}, not a redirect to {login}")
    elif response.status_code != expected:
        problems.append(f"{where}: {response.status_code}, expected {expected}")
    if role != "owner":
        text = response.content.decode("utf-8", "replace")
        shown = [key for key in rule.hidden if key in world.secrets and world.secrets[key] in text]
        problems += [f"{where}: shows the owner's {key}" for key in shown]
        if after != before:
            problems.append(f"{where}: changed the owner's rows {before} -> {after}")
    return problems


def _log_in(client, role: str, world: World) -> None:
    user = {"wrong": world.wrong, "owner": world.owner, "curator": world.curator}.get(role)
    if user is not None:
        client.force_login(user)


def test_every_url_pattern_has_a_rule(world):
    missing = set(url_patterns()) - set(all_rules(world))

    assert not missing, f"URL patterns with no access rule in access_rules.py: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_each_url_answers_each_visitor_as_its_rule_says(client, world, role):
    _log_in(client, role, world)

    problems = [
        problem
        for rules in all_rules(world).values()
        for rule in rules
        for problem in check(client, role, rule, world)
    ]

    assert not problems, "\n".join(problems)


def test_no_page_ever_shows_an_api_token_in_full(client, world):
    """Only its hash is stored: not even its owner sees it again after the page that issued it."""
    _log_in(client, "owner", world)
    pages = [
        rule
        for key, rules in all_rules(world).items()
        if key in PAGES or key in API
        for rule in rules
        if rule.method == "get"
    ]

    shown = [
        rule.path(world)
        for rule in pages
        if world.tokens["owner"] in _send(client, "owner", rule, world)[1].content.decode()
    ]

    assert not shown
