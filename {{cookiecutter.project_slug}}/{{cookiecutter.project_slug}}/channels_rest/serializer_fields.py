"""A connection's ``ModelSerializer`` fields, built once and copied for every serializer.

DRF builds a ``ModelSerializer``'s fields again for every serializer instance: model introspection and one
``build_field`` per model field, which costs far more than serializing the object (DRF's ``ListSerializer``
avoids it for the rows of one list by reusing one child serializer). What ``ModelSerializer.get_fields``
returns depends on the serializer class and its context, not on the instance, so a consumer keeps the
unbound fields of each class for its context (the same objects under the same keys) and gives every new
serializer its own copies, which it binds as DRF does. Copies share nothing that a serializer changes: a
plain DRF field is copied with its own validator list and error messages, a field holding other fields (a
nested serializer, ``ListField``, ``many=True`` relations) or of a class of its own is copied the way DRF
copies declared fields (``deepcopy``). A class that overrides ``get_fields`` or ``fields``, and a serializer
that built its fields in ``__init__``, are left to DRF.
"""

import copy

from rest_framework import fields, relations
from rest_framework.serializers import ListSerializer, ModelSerializer, Serializer
from rest_framework.utils.serializer_helpers import BindingDict

# Modules of DRF's own field classes; only their fields that hold no other field are copied shallowly.
LEAF_FIELD_MODULES = frozenset({fields.__name__, relations.__name__})
COMPOSITE_FIELDS = (fields.ListField, fields.DictField, relations.ManyRelatedField)


class FieldCache:
    """Unbound fields per serializer class, with the context they were built for; one per connection."""

    def __init__(self):
        self.prototypes = {}  # serializer class -> (context, {name: unbound field})

    def fill(self, serializer):
        """Give ``serializer`` (or a ``many=True`` serializer's child) fresh copies of the cached fields."""
        if isinstance(serializer, ListSerializer):
            serializer = serializer.child
        serializer_class = type(serializer)
        if (
            serializer_class.get_fields is not ModelSerializer.get_fields
            or serializer_class.fields is not Serializer.fields
            or "fields" in vars(serializer)
        ):
            return
        context = serializer.context
        cached = self.prototypes.get(serializer_class)
        if cached is None or not same_context(cached[0], context):
            cached = self.prototypes[serializer_class] = (dict(context), serializer.get_fields())
        bound = BindingDict(serializer)
        for name, field in cached[1].items():
            bound[name] = fresh_copy(field)
        serializer.fields = bound


CONTEXT_FREE = FieldCache()
"""The process's cache for serializers made without a context, such as an observer's broadcast body.

Without a context a class's fields depend on the class alone, so one cache serves every thread: it only
ever adds a class's entry, and every serializer still gets copies of its own.
"""


def same_context(cached, context):
    """The same values under the same keys, compared by identity (so no value's ``__eq__`` ever runs)."""
    return len(cached) == len(context) and all(context.get(key, cached) is value for key, value in cached.items())


def fresh_copy(field):
    """A field as ``get_fields`` would build it again, sharing nothing that binding or validation changes."""
    if type(field).__module__ not in LEAF_FIELD_MODULES or isinstance(field, COMPOSITE_FIELDS):
        return copy.deepcopy(field)
    clone = object.__new__(type(field))  # copy.copy without its generic protocol, three times faster here
    clone.__dict__.update(vars(field))
    if "_validators" in vars(clone):
        clone._validators = list(clone._validators)
    clone.error_messages = dict(clone.error_messages)
    return clone
