"""Channel-layer group names for observers.

Channel layers accept group names of fewer than 100 ASCII letters, digits,
hyphens, underscores and periods. Observer groups are built from observer ids,
model labels, primary keys and strings that group functions return, so every
name is hashed into that alphabet (73 characters).
"""

import hashlib
from functools import lru_cache

PREFIX = "observer-"


@lru_cache(maxsize=8192)
def group_name(name):
    """The layer-safe group name for ``name``; the same name always gives the same group."""
    return PREFIX + hashlib.sha256(name.encode()).hexdigest()


def unique(names):
    """``names`` without repeats, in order (group functions may yield a name twice)."""
    return list(dict.fromkeys(names))
