"""Who may see what (issue 8): every URL pattern of the site, walked from the URL resolver, as
an anonymous visitor, the wrong listener, the owner and a curator.

A pattern without a rule in access_rules.py fails test_every_url_pattern_has_a_rule, so a new
page is covered the day it is added; a model added to the admin gets its rules from the
Curators group's grants (and needs a row here to be looked at). For every request: the
status (a redirect to login where one is due), none of the owner's private things in what
anyone else is shown, and none of the owner's rows changed by anyone else. Each request runs
in a savepoint rolled back after it, so all see the same world.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, IntervalSchedule, SolarSchedule

from tests.webapp.access_rules import (
    ADMIN,
    API,
    LOGIN,
    PAGES,
    PLAYED,
    ROLES,
    SAVED,
    TOKEN,
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
from webapp.training.models import CFTuning, ListenerVector, ModelVersion

pytestmark = pytest.mark.django_db
#: Models whose rows only jobs make: the admin offers no "add" for them.
ADDED_BY_JOBS_ONLY = {("training", "modelversion"), ("training", "cftuning")}


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
    _rows_for_every_admin_model(owner)
    content_type = ContentType.objects.get_for_model(Track)
    return World(
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


def _rows_for_every_admin_model(owner) -> None:
    """One row of each model the admin shows, so that its object pages can be looked at."""
    version = ModelVersion.objects.create(kind="cf", status="failed", error="a test run")
    factories = {
        ListenerVector: lambda: ListenerVector.objects.create(
            version=version, user=owner, factors=b"", seq=1, updated_at=timezone.now()
        ),
        CFTuning: lambda: CFTuning.objects.create(params={}),
        listening.Invite: lambda: listening.Invite.objects.create(note="for a friend"),
        ClockedSchedule: lambda: ClockedSchedule.objects.create(clocked_time=timezone.now()),
        IntervalSchedule: lambda: IntervalSchedule.objects.create(every=1, period="days"),
        SolarSchedule: lambda: SolarSchedule.objects.create(
            event="sunrise", latitude=0, longitude=0
        ),
    }
    for model in admin.site._registry:
        if not model.objects.exists() and model in factories:
            factories[model]()


def all_rules(world: World) -> dict[str, list[Rule]]:
    rules = {**PAGES, **API, **ADMIN}
    curator_apps = set()
    for model in admin.site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        row = model.objects.order_by("pk").first()
        assert row is not None, f"no {app}.{name} row: give it one in _rows_for_every_admin_model"
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
    if expected == LOGIN:
        login = "/admin/login/" if path.startswith("/admin/") else "/accounts/login/"
        if response.status_code != 302 or not response["Location"].startswith(login):
            problems.append(f"{where}: {response.status_code}, not a redirect to {login}")
    elif response.status_code != expected:
        problems.append(f"{where}: {response.status_code}, expected {expected}")
    if role != "owner":
        text = response.content.decode("utf-8", "replace")
        shown = [key for key in rule.hidden if world.secrets[key] in text]
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
    pages = [rule for rules in {**PAGES, **API}.values() for rule in rules if rule.method == "get"]

    shown = [
        rule.path(world)
        for rule in pages
        if world.tokens["owner"] in _send(client, "owner", rule, world)[1].content.decode()
    ]

    assert not shown
