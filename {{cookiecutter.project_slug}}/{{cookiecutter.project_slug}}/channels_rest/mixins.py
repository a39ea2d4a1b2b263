"""Actions for ``GenericAsyncAPIConsumer``, one small class per verb as in DRF.

Each action is a sync method (it runs in a database thread, atomic when the
database has ``ATOMIC_REQUESTS``) and receives the message's arguments, which it
passes on to ``get_queryset``/``get_object``/``filter_queryset``. Override the
``perform_*`` hooks to change how objects are saved or deleted.
"""

import asyncio

from rest_framework import status

from .decorators import action
from .settings import SettingDefault


class CreateModelMixin:
    """``create``: ``{"action": "create", "data": {...}}`` -> 201 with the new object."""

    @action()
    def create(self, data, **kwargs):
        serializer = self.get_serializer(data=data, action_kwargs=kwargs)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer, **kwargs)
        return serializer.data, status.HTTP_201_CREATED

    def perform_create(self, serializer, **kwargs):
        serializer.save()


class ListModelMixin:
    """``list``: every object of the (filtered) queryset."""

    @action()
    def list(self, **kwargs):
        queryset = self.filter_queryset(self.get_queryset(**kwargs), **kwargs)
        serializer = self.get_serializer(instance=queryset, many=True, action_kwargs=kwargs)
        return serializer.data, status.HTTP_200_OK


class RetrieveModelMixin:
    """``retrieve``: ``{"action": "retrieve", "pk": 1}`` -> the object."""

    @action()
    def retrieve(self, **kwargs):
        instance = self.get_object(**kwargs)
        serializer = self.get_serializer(instance=instance, action_kwargs=kwargs)
        return serializer.data, status.HTTP_200_OK


def _forget_prefetched_relations(instance):
    """Drop ``instance``'s prefetched relations, stale once it is saved: the serializer reads them again (as DRF)."""
    if getattr(instance, "_prefetched_objects_cache", None):
        instance._prefetched_objects_cache = {}


class UpdateModelMixin:
    """``update``: ``{"action": "update", "pk": 1, "data": {...}}``, every required field given."""

    @action()
    def update(self, data, **kwargs):
        instance = self.get_object(data=data, **kwargs)
        serializer = self.get_serializer(instance=instance, data=data, action_kwargs=kwargs, partial=False)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer, **kwargs)
        _forget_prefetched_relations(instance)
        return serializer.data, status.HTTP_200_OK

    def perform_update(self, serializer, **kwargs):
        serializer.save()


class PatchModelMixin:
    """``patch``: ``{"action": "patch", "pk": 1, "data": {...}}``, only the fields given."""

    @action()
    def patch(self, data, **kwargs):
        instance = self.get_object(data=data, **kwargs)
        serializer = self.get_serializer(instance=instance, data=data, action_kwargs=kwargs, partial=True)
        serializer.is_valid(raise_exception=True)
        self.perform_patch(serializer, **kwargs)
        _forget_prefetched_relations(instance)
        return serializer.data, status.HTTP_200_OK

    def perform_patch(self, serializer, **kwargs):
        serializer.save()


class DeleteModelMixin:
    """``delete``: ``{"action": "delete", "pk": 1}`` -> 204, ``data`` null."""

    @action()
    def delete(self, **kwargs):
        instance = self.get_object(**kwargs)
        self.perform_delete(instance, **kwargs)
        return None, status.HTTP_204_NO_CONTENT

    def perform_delete(self, instance, **kwargs):
        instance.delete()


class PaginatedModelListMixin(ListModelMixin):
    """``list`` one page at a time: ``{"count", "results", "limit", "offset"}``.

    The paginator is ``pagination_class`` (default: the
    ``DEFAULT_PAGINATION_CLASS`` setting); without one, ``list`` returns every
    object as ``ListModelMixin`` does.
    """

    pagination_class = SettingDefault("DEFAULT_PAGINATION_CLASS")

    @action()
    def list(self, **kwargs):
        queryset = self.filter_queryset(self.get_queryset(**kwargs), **kwargs)
        page = self.paginate_queryset(queryset, **kwargs)
        if page is None:
            serializer = self.get_serializer(instance=queryset, many=True, action_kwargs=kwargs)
            return serializer.data, status.HTTP_200_OK
        serializer = self.get_serializer(instance=page, many=True, action_kwargs=kwargs)
        return self.get_paginated_response(serializer.data), status.HTTP_200_OK

    @property
    def paginator(self):
        """The paginator instance of this connection, or ``None`` when pagination is off."""
        if not hasattr(self, "_paginator"):
            pagination_class = self.pagination_class
            self._paginator = None if pagination_class is None else pagination_class()
        return self._paginator

    def paginate_queryset(self, queryset, **kwargs):
        if self.paginator is None:
            return None
        return self.paginator.paginate_queryset(queryset, self.scope, view=self, **kwargs)

    def get_paginated_response(self, data):
        return self.paginator.get_paginated_response(data)


class StreamedPaginatedListMixin(PaginatedModelListMixin):
    """``list`` sends every page from ``offset`` on, one ``list`` reply per page.

    The stream runs as a detached task, so the socket serves other actions
    meanwhile; ``list_cancel`` stops every stream in flight (and replies 200,
    ``data`` null). ``sleep_time_between_pages`` paces the pages.
    """

    sleep_time_between_pages = 0

    @action(detached=True)
    async def list(self, action, request_id, **kwargs):
        while True:
            data, response_status = await super().list(**kwargs)
            await self.reply(action=action, data=data, status=response_status, request_id=request_id)
            if not isinstance(data, dict) or data["offset"] + data["limit"] >= data["count"]:
                return
            kwargs["offset"] = data["offset"] + data["limit"]
            kwargs["limit"] = data["limit"]
            await asyncio.sleep(self.sleep_time_between_pages)

    @action()
    async def list_cancel(self, **kwargs):
        await self.cancel_detached_tasks("list")
        return None, status.HTTP_200_OK
