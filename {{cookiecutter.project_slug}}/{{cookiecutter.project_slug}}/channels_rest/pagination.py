"""Limit/offset pagination with the limit and offset taken from the action's arguments."""

from rest_framework.pagination import LimitOffsetPagination, _positive_int

from .settings import api_settings

# Page size when neither the paginator nor the PAGE_SIZE setting gives one.
FALLBACK_PAGE_SIZE = 25


class WebsocketLimitOffsetPagination(LimitOffsetPagination):
    """``{"action": "list", "limit": 10, "offset": 20}`` -> ``{"count", "results", "limit", "offset"}``.

    A missing or invalid ``limit`` falls back to ``default_limit`` (the
    ``PAGE_SIZE`` setting, or 25); a missing or invalid ``offset`` to 0.
    """

    @property
    def default_limit(self):
        return api_settings.PAGE_SIZE or FALLBACK_PAGE_SIZE

    def paginate_queryset(self, queryset, scope=None, view=None, **kwargs):
        self.limit = self.get_limit(kwargs)
        self.count = self.get_count(queryset)
        self.offset = self.get_offset(kwargs)
        if self.count == 0 or self.offset > self.count:
            return []
        return list(queryset[self.offset : self.offset + self.limit])

    def get_limit(self, arguments):
        try:
            return _positive_int(arguments[self.limit_query_param], strict=True, cutoff=self.max_limit)
        except (KeyError, TypeError, ValueError):
            return self.default_limit

    def get_offset(self, arguments):
        try:
            return _positive_int(arguments[self.offset_query_param])
        except (KeyError, TypeError, ValueError):
            return 0

    def get_paginated_response(self, data):
        return {"count": self.count, "results": data, "limit": self.limit, "offset": self.offset}
