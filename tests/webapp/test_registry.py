"""The serving registry: immutable snapshots swapped whole, damaged artifacts served as "no
model", and listener vectors applied by sequence with no lost update under threads, and never
replaced by a solve from older signals."""

import datetime as dt
import logging
import random
import threading

import numpy as np
import pytest
from django.db import connection, connections
from django.utils import timezone

from tests.webapp.cf_world import make_world
from webapp.listening.models import Listen, ListenSource
from webapp.training import registry as registry_module
from webapp.training import services
from webapp.training.models import ListenerVector, ModelVersion, RunStatus
from webapp.training.registry import Registry, registry

pytestmark = pytest.mark.usefixtures("small_cf")


def _version(tmp_path, name: str, *, active: bool = True) -> ModelVersion:
    path = tmp_path / name
    path.write_text(name)
    return ModelVersion.objects.create(
        kind="culture", status=RunStatus.SUCCEEDED, is_active=active, artifact_path=str(path)
    )


@pytest.mark.django_db
def test_a_snapshot_is_loaded_once_per_version_and_swapped_whole(tmp_path):
    loads = []
    fake = Registry()
    fake.register("culture", load=lambda path: loads.append(path) or open(path).read())
    first = _version(tmp_path, "one")
    held = fake.snapshot("culture")
    assert held.model == "one" and fake.snapshot("culture") is held and len(loads) == 1
    ModelVersion.objects.filter(pk=first.pk).update(is_active=False)
    _version(tmp_path, "two")
    assert fake.snapshot("culture").model == "two"
    assert held.model == "one"  # a thread holding the old snapshot still has the old model
    ModelVersion.objects.update(is_active=False)
    assert fake.snapshot("culture") is None


@pytest.mark.django_db
def test_a_damaged_artifact_is_logged_once_and_served_as_no_model(tmp_path, caplog):
    fake = Registry()

    def load(path):
        raise ValueError(f"{path} is truncated")

    fake.register("culture", load=load)
    version = _version(tmp_path, "broken")
    with caplog.at_level(logging.ERROR):
        assert [fake.snapshot("culture") for _ in range(3)] == [None, None, None]
    assert len([r for r in caplog.records if "cannot be served" in r.message]) == 1
    assert list(fake.broken().values()) == [f"ValueError: {version.artifact_path} is truncated"]


@pytest.mark.django_db
def test_an_artifact_that_failed_to_load_is_tried_again_after_a_while(tmp_path, monkeypatch):
    """A file on shared storage not visible yet is not damage for the life of the process."""
    attempts = []

    def load(path):
        attempts.append(path)
        if len(attempts) == 1:
            raise OSError(f"{path} is not there yet")
        return open(path).read()

    fake = Registry()
    fake.register("culture", load=load)
    _version(tmp_path, "late")
    assert [fake.snapshot("culture") for _ in range(3)] == [None, None, None]
    assert len(attempts) == 1  # within the interval: no load per request
    monkeypatch.setattr(registry_module, "RETRY_BROKEN_AFTER_S", 0.0)
    assert fake.snapshot("culture").model == "late"
    assert len(attempts) == 2 and fake.broken() == {}


@pytest.mark.django_db
def test_a_truncated_cf_artifact_gives_pages_without_cf(client, tmp_path):
    users, groups = make_world(n_users_per_group=4, n_tracks_per_group=6)
    version = services.cf_retrain()
    registry.clear()
    with open(version.artifact_path, "r+b") as artifact:
        artifact.truncate(1000)
    assert services.cf_serving() is None
    response = client.get(groups[0][0].get_absolute_url())
    assert response.status_code == 200 and "Similar tracks" not in response.text


@pytest.mark.django_db
def test_served_arrays_are_read_only():
    make_world(n_users_per_group=4, n_tracks_per_group=6)
    services.cf_retrain()
    serving = services.cf_serving()
    with pytest.raises(ValueError):
        serving.item_factors[0, 0] = 1.0
    with pytest.raises(ValueError):
        serving.user_factors[0, 0] = 1.0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database that takes concurrent writers"
)
def test_threads_writing_and_serving_vectors_lose_no_update():
    users, _ = make_world(n_users_per_group=10, n_tracks_per_group=8)
    version = services.cf_retrain()
    listener_ids = [u.pk for group in users.values() for u in group]
    factors = services.cf_serving().factors
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(15):
                chosen = rng.sample(listener_ids, 3)
                vectors = np.random.default_rng(rng.randrange(1 << 30)).random((3, factors))
                services._vectors_write(version.pk, np.array(chosen), vectors.astype("f4"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def reader() -> None:
        try:
            seen = 0
            for _ in range(40):
                snapshot = registry.snapshot("cf")
                assert snapshot.applied_seq >= seen  # never goes back
                seen = snapshot.applied_seq
                assert np.isfinite(snapshot.model.user_vectors(listener_ids)).all()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(s,)) for s in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    final = registry.snapshot("cf")
    assert final.applied_seq == ModelVersion.objects.get(pk=version.pk).vector_seq == 60
    for user_id, stored in ListenerVector.objects.values_list("user_id", "factors"):
        served = final.model.user_vectors([user_id])[0]
        np.testing.assert_array_equal(served, np.frombuffer(bytes(stored), dtype="<f4"))


@pytest.mark.django_db
def test_a_solve_from_older_signals_never_replaces_a_newer_vector():
    users, _ = make_world(n_users_per_group=4, n_tracks_per_group=6)
    version = services.cf_retrain()
    user = users[0][0].pk
    older, newer, newest = (np.full((1, services.cf_serving().factors), v, "f4") for v in (1, 2, 3))
    now = services._database_now()
    services._vectors_write(version.pk, np.array([user]), newer, read_at=now)
    written = services._vectors_write(
        version.pk, np.array([user]), older, read_at=now - dt.timedelta(minutes=5)
    )
    assert written.tolist() == []
    stored = ListenerVector.objects.get(version=version, user_id=user)
    assert np.frombuffer(stored.factors, "<f4")[0] == 2.0 and stored.read_at == now
    services._vectors_write(
        version.pk, np.array([user]), newest, read_at=now + dt.timedelta(seconds=1)
    )
    stored.refresh_from_db()
    assert np.frombuffer(stored.factors, "<f4")[0] == 3.0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database that takes concurrent writers"
)
def test_the_nightly_batch_does_not_put_back_a_vector_older_than_the_listeners_own_solve(
    monkeypatch,
):
    """The batch reads everyone's signals; a listen arrives and that listener is re-solved and
    written; then the batch writes. The listener keeps the vector of their own, later solve."""
    users, groups = make_world(n_users_per_group=6, n_tracks_per_group=8)
    services.cf_retrain()
    listener, other = users[0][0], users[0][1]
    read = services.signals_weighted
    own: dict[int, np.ndarray] = {}

    def listen_and_solve_in_another_process() -> None:
        try:
            Listen.objects.bulk_create(
                Listen(
                    user=listener, track=track, listened_at=timezone.now(), source=ListenSource.API
                )
                for track in groups[1]
            )
            own.update(services.cf_listeners_solve(user_ids=[listener.pk]))
        finally:
            connections.close_all()

    def batch_read_then_a_listen(**kwargs):
        arrays = read(**kwargs)
        if len(kwargs["user_ids"]) > 1:  # the batch: the listener's own solve lands now
            other_process = threading.Thread(target=listen_and_solve_in_another_process)
            other_process.start(), other_process.join()
        return arrays

    monkeypatch.setattr(services, "signals_weighted", batch_read_then_a_listen)
    batch = services.cf_listeners_solve(user_ids=[listener.pk, other.pk])
    assert listener.pk in own, "the listener's own solve did not run"
    assert set(batch) == {other.pk}  # the batch's older vector for the listener was not written
    rows = dict(ListenerVector.objects.values_list("user_id", "factors"))
    np.testing.assert_array_equal(np.frombuffer(rows[listener.pk], "<f4"), own[listener.pk])
    np.testing.assert_array_equal(np.frombuffer(rows[other.pk], "<f4"), batch[other.pk])
