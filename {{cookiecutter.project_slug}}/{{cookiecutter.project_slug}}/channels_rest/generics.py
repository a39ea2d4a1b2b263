"""``GenericAsyncAPIConsumer``: a consumer bound to a queryset and a serializer, like DRF's ``GenericAPIView``.

Object permissions: ``get_object`` asks every permission's
``has_object_permission(scope, consumer, action, obj, **kwargs)`` and raises
``PermissionDenied`` (a 403 frame) on refusal. Permissions run on the event
loop: from its worker thread, ``get_object`` goes back to the loop for them only
when one of the action's permissions looks at objects. Code that delivers
objects outside an action, such as observers, awaits the consumer's
``check_object_permissions(action, obj, **kwargs)``.

The serializer context holds ``scope``, ``consumer`` and ``request``: a DRF
request built from the scope and authenticated as the scope's user, so
``context["request"].user`` and hyperlinked fields work as in DRF views.
"""

from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404

from .actions import current_action
from .consumers import AsyncAPIConsumer
from .exceptions import ObjectNotFound
from .lookups import field_value
from .scope_utils import api_request_from_scope
from .serializer_fields import FieldCache

# Keyword arguments of get_object that are not lookups and must not reach has_object_permission twice.
NOT_PERMISSION_KWARGS = ("action", "obj", "scope", "consumer")


class GenericAsyncAPIConsumer(AsyncAPIConsumer):
    """Base class of the model consumers; the mixins add the actions."""

    queryset = None
    serializer_class = None
    lookup_field = "pk"
    lookup_url_kwarg = None

    def get_queryset(self, **kwargs):
        """The queryset to act on; override for per-user querysets (``self.scope["user"]``).

        Receives the action's arguments. Returns a fresh ``.all()`` clone, so
        results are never cached across actions.
        """
        assert self.queryset is not None, (
            f"{type(self).__name__} should either include a `queryset` attribute, "
            "or override the `get_queryset()` method."
        )
        queryset = self.queryset
        if isinstance(queryset, QuerySet):
            queryset = queryset.all()
        return queryset

    def get_object(self, **kwargs):
        """The object named by the lookup argument (``pk`` by default), after object permissions.

        A missing lookup argument is a 400, an unknown one a 404, and so is one that is not a value
        of the lookup field (``field_value``). Runs in a worker thread, like every sync action.
        """
        queryset = self.filter_queryset(self.get_queryset(**kwargs), **kwargs)
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        if lookup_url_kwarg not in kwargs:
            raise ValidationError({lookup_url_kwarg: ["This argument is required."]})
        try:
            value = field_value(queryset.model, self.lookup_field, kwargs[lookup_url_kwarg])
        except (ValueError, TypeError, DjangoValidationError):
            raise ObjectNotFound() from None
        obj = get_object_or_404(queryset, **{self.lookup_field: value})
        running = current_action.get()
        action = kwargs.get("action") or (running and running.name)
        permissions = running and running.permissions
        if permissions is None or any(permission.checks_objects for permission in permissions):
            extra = {name: value for name, value in kwargs.items() if name not in NOT_PERMISSION_KWARGS}
            async_to_sync(self.check_object_permissions)(action, obj, **extra)
        return obj

    def get_serializer(self, action_kwargs=None, *args, **kwargs):
        """A serializer instance with the context of ``get_serializer_context``.

        A ``ModelSerializer`` gets copies of fields built once per connection (``serializer_fields``).
        """
        action_kwargs = action_kwargs or {}
        serializer_class = self.get_serializer_class(**action_kwargs)
        kwargs["context"] = self.get_serializer_context(**action_kwargs)
        serializer = serializer_class(*args, **kwargs)
        self.serializer_fields.fill(serializer)
        return serializer

    @cached_property
    def serializer_fields(self):
        """This connection's ``FieldCache``."""
        return FieldCache()

    def get_serializer_class(self, **kwargs):
        assert self.serializer_class is not None, (
            f"{type(self).__name__} should either include a `serializer_class` attribute, "
            "or override the `get_serializer_class()` method."
        )
        return self.serializer_class

    def get_serializer_context(self, **kwargs):
        return {"scope": self.scope, "consumer": self, "request": self.get_request()}

    def get_request(self):
        """A DRF request for the scope, built once per connection (again if the scope's user changes)."""
        user = self.scope.get("user")
        if getattr(self, "_request_user", None) is not user or not hasattr(self, "_request"):
            self._request = api_request_from_scope(self.scope)
            self._request_user = user
        return self._request

    def filter_queryset(self, queryset, **kwargs):
        """Narrow the queryset with the action's arguments; returns it unchanged unless overridden."""
        return queryset
