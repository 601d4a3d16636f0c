"""Small builders of interaction data with a known structure, shared by the recommender tests."""

import numpy as np

from recommender.interactions import Interactions, build_matrix

GROUP_A_USERS = np.arange(100, 110)
GROUP_B_USERS = np.arange(200, 210)
GROUP_A_ITEMS = np.arange(1000, 1012)
GROUP_B_ITEMS = np.arange(2000, 2012)


def planted_rows(seed: int = 0, per_user: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two taste groups with disjoint catalogs; each user plays `per_user` of their group's."""
    rng = np.random.default_rng(seed)
    users, items, counts = [], [], []
    for group_users, group_items in (
        (GROUP_A_USERS, GROUP_A_ITEMS),
        (GROUP_B_USERS, GROUP_B_ITEMS),
    ):
        for user in group_users:
            picked = rng.choice(group_items, size=per_user, replace=False)
            users += [user] * per_user
            items += picked.tolist()
            counts += rng.integers(1, 30, size=per_user).tolist()
    return np.array(users), np.array(items), np.array(counts, dtype=float)


def planted_interactions(seed: int = 0, *, alpha: float = 2.0) -> Interactions:
    users, items, counts = planted_rows(seed)
    return build_matrix(users, items, counts, alpha=alpha)
