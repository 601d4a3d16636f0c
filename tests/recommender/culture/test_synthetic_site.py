"""The synthetic music-writing site: deterministic, labelled, with the boilerplate and the
genre and taste words a crawl should find."""

import hashlib
import html

import numpy as np

from recommender.culture.synthetic_site import (
    BASE_URL_TOKEN,
    SYNTHETIC_NOTICE,
    generate_pages,
    scene_words,
    write_site,
)
from recommender.synthetic import generate_world


def world():
    return generate_world(n_listeners=2, n_tracks=120, mean_listens_per_listener=1, seed=5)


def digest(folder) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def test_the_same_world_always_writes_the_same_site(tmp_path):
    write_site(world(), tmp_path / "a")
    write_site(world(), tmp_path / "b")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_every_artist_has_a_review_that_names_it_and_uses_its_genres_words(tmp_path):
    w = world()
    pages = generate_pages(w)
    reviews = [p for p in pages if p.path.startswith("articles/")]
    assert len(reviews) == len(w.artist_names)
    scene = scene_words(w, np.random.default_rng(w.seed + 10_007))
    for artist, review in enumerate(reviews):
        assert review.title.startswith(w.artist_names[artist])
        genre = int(w.artist_genre[artist])
        assert html.escape(w.genre_names[genre].lower()) in review.body
        assert any(word in review.body for word in scene.descriptors[genre])


def test_pages_are_labelled_synthetic_and_carry_boilerplate_robots_and_a_sitemap(tmp_path):
    crawlable = write_site(world(), tmp_path)
    page = (tmp_path / crawlable[-1]).read_text()
    assert SYNTHETIC_NOTICE in page and "cookie" in page and "<footer>" in page
    assert "Disallow: /drafts/" in (tmp_path / "robots.txt").read_text()
    sitemap = (tmp_path / "sitemap.xml").read_text()
    assert f"<loc>{BASE_URL_TOKEN}/articles/" in sitemap
    assert not any(path.startswith("drafts/") for path in crawlable)
