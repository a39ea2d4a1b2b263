"""Standard JSON in and out of a websocket, within limits that a hostile client cannot push past.

Python's ``json`` reads ``NaN`` and ``Infinity``, which other JSON parsers refuse; it reads strings holding
lone surrogates, which no database or UTF-8 encoder accepts; and it decodes nesting until the interpreter's
recursion limit, where it raises ``RecursionError``. ``decode`` refuses each of these with a ``FrameError``
that says what was wrong, so a consumer can answer it; ``encoder`` never writes ``NaN``.

The limits are settings (``DJANGO_CHANNELS_REST_API``): ``MAX_FRAME_SIZE`` in bytes, ``MAX_JSON_DEPTH`` in
levels of objects and lists. A frame over the size limit closes the socket with ``TOO_BIG_CLOSE_CODE``.
"""

import json
import math
import re

from rest_framework.utils.encoders import JSONEncoder

from .settings import api_settings

# DRF's encoder writes dates, decimals and UUIDs; a float that JSON cannot represent raises ValueError.
encoder = JSONEncoder(allow_nan=False)

# The close code of a frame over MAX_FRAME_SIZE: 1009 (message too big) in the application's range, since
# daphne (autobahn) lets an application close only with 1000 or 3000-4999.
TOO_BIG_CLOSE_CODE = 4009

# A \uD800-\uDFFF escape: a surrogate, paired or not; only then may a decoded string hold a lone one.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class FrameError(ValueError):
    """A text frame that is not one standard JSON document within the limits; the message says why."""


def frame_size(text):
    """The size in bytes of a text frame as it travels (UTF-8); raises ``FrameError`` for unencodable text."""
    if text.isascii():
        return len(text)
    try:
        return len(text.encode())
    except UnicodeEncodeError:
        raise FrameError("Frames must be valid UTF-8 text.") from None


def too_big(size):
    limit = api_settings.MAX_FRAME_SIZE
    return limit is not None and size > limit


def _refuse_constant(name):
    raise FrameError(f"{name} is not standard JSON.")


def _finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise FrameError(f"{text} is too large for a JSON number.")
    return value


def decode(text):
    """The JSON document of a text frame; raises ``FrameError`` for anything but standard JSON within the limits."""
    max_depth = api_settings.MAX_JSON_DEPTH
    try:
        content = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise FrameError(f"JSON nested deeper than {max_depth} levels.") from None
    except FrameError:
        raise
    except ValueError:
        raise FrameError("Malformed JSON.") from None
    # Counting brackets and searching for escapes are fast and clear almost every frame; only the rest are walked.
    deep = text.count("[") + text.count("{") > max_depth
    surrogates = SURROGATE_ESCAPE.search(text) is not None
    if deep or surrogates:
        check_content(content, max_depth, strings=surrogates)
    return content


def check_content(content, max_depth, strings=True):
    """Raise ``FrameError`` if ``content`` nests deeper than ``max_depth`` or (``strings``) holds a lone surrogate.

    Walks one level at a time, which costs far less than a stack of (value, depth) pairs on wide documents.
    """
    level, depth = [content], 0
    while level:
        depth += 1
        following = []
        for value in level:
            if isinstance(value, list):
                following.extend(value)
            elif isinstance(value, dict):
                following.extend(value.values())
                if strings:
                    for key in value:
                        check_string(key)
            elif strings and isinstance(value, str):
                check_string(value)
        if depth > max_depth and any(isinstance(value, list | dict) for value in level):
            raise FrameError(f"JSON nested deeper than {max_depth} levels.")
        level = following


def check_string(value):
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise FrameError("Strings must be valid Unicode: this one holds a lone surrogate.") from None
