"""JSON Schemas of what the code already says: DRF serializers, type hints and model fields.

A serializer is read in one of three modes: ``read`` (what replies carry: every field but the
write-only ones, read-only ones marked ``readOnly``), ``write`` (what a client sends: writable
fields, ``required`` as the serializer requires them) and ``partial`` (a write where nothing is
required, as ``patch`` validates it). Serializers are hoisted into ``components.schemas``.
"""

import datetime
import decimal
import inspect
import json
import types
import typing
import uuid

from django.db import models
from rest_framework import fields, relations, serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings as drf_settings

# Component name suffix per mode, as drf-spectacular names request bodies.
MODE_NAMES = {"read": "{}", "write": "{}Request", "partial": "Patched{}Request"}

# Fields by kind, most specific first: (field class, schema).
STRING_FORMATS = [
    (fields.EmailField, {"type": "string", "format": "email"}),
    (fields.URLField, {"type": "string", "format": "uri"}),
    (fields.UUIDField, {"type": "string", "format": "uuid"}),
    (fields.IPAddressField, {"type": "string"}),
    (fields.DateTimeField, {"type": "string", "format": "date-time"}),
    (fields.DateField, {"type": "string", "format": "date"}),
    (fields.TimeField, {"type": "string", "format": "time"}),
    (fields.DurationField, {"type": "string", "format": "duration"}),
    (fields.FileField, {"type": "string", "format": "uri"}),
]
SCALARS = [
    (fields.BooleanField, {"type": "boolean"}),
    (fields.IntegerField, {"type": "integer"}),
    (fields.FloatField, {"type": "number"}),
    (fields.JSONField, {}),
    (fields.ReadOnlyField, {}),
    (fields.SerializerMethodField, {}),
    (relations.HyperlinkedRelatedField, {"type": "string", "format": "uri"}),
    (relations.SlugRelatedField, {"type": "string"}),
    (relations.StringRelatedField, {"type": "string"}),
]
ANNOTATIONS = {
    bool: {"type": "boolean"},  # before int, its base class
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    list: {"type": "array"},
    tuple: {"type": "array"},
    dict: {"type": "object"},
    uuid.UUID: {"type": "string", "format": "uuid"},
    decimal.Decimal: {"type": "string", "format": "decimal"},
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
    datetime.time: {"type": "string", "format": "time"},
}


def nullable(schema):
    """``schema`` or null, in JSON Schema terms (AsyncAPI schemas have no ``nullable``)."""
    if not schema:
        return schema
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return {"oneOf": [schema, {"type": "null"}]}


def json_value(value):
    """``value`` if it is plain JSON (a usable ``default``/``enum`` entry), else ``None``."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value


def serializer_schema(serializer, mode, components):
    """A ``$ref`` to the hoisted schema of a serializer class or instance (a list for ``many=True``)."""
    if isinstance(serializer, serializers.ListSerializer):
        return {"type": "array", "items": serializer_schema(serializer.child, mode, components)}
    serializer_class = serializer if isinstance(serializer, type) else type(serializer)
    base = serializer_class.__name__.removesuffix("Serializer") or serializer_class.__name__
    return components.schema_ref(
        (serializer_class, mode),
        MODE_NAMES[mode].format(base),
        lambda: object_schema(serializer_fields(serializer), mode, components, serializer_class.__doc__),
        module=serializer_class.__module__,
    )


def serializer_fields(serializer):
    if isinstance(serializer, type):
        serializer = serializer()
    return serializer.fields


def object_schema(field_map, mode, components, doc=None):
    """The object schema of a serializer's fields in ``mode``."""
    properties, required = {}, []
    for name, field in field_map.items():
        if isinstance(field, fields.HiddenField):
            continue
        if mode == "read" and field.write_only or mode != "read" and field.read_only:
            continue
        properties[name] = field_schema(field, mode, components)
        if mode == "write" and field.required:
            required.append(name)
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    description = inspect.cleandoc(doc).split("\n\n")[0] if doc else ""
    if description:
        schema["description"] = description
    return schema


def field_schema(field, mode, components):
    """One field: its kind, constraints, ``default``, ``description`` and read/write marks."""
    schema = dict(field_kind(field, mode, components))
    if getattr(field, "allow_null", False):
        schema = nullable(schema)
    if field.default is not empty and not callable(field.default) and json_value(field.default) is not None:
        schema["default"] = field.default
    if field.help_text:
        schema["description"] = str(field.help_text)
    if field.read_only and mode == "read":
        schema["readOnly"] = True
    if field.write_only:
        schema["writeOnly"] = True
    if "$ref" in schema and len(schema) > 1:
        # Siblings of a $ref are ignored by JSON Schema draft 7: keep them next to it with allOf.
        schema = {"allOf": [{"$ref": schema.pop("$ref")}], **schema}
    return schema


def field_kind(field, mode, components):
    """The schema of a field's value, without its annotations."""
    if isinstance(field, serializers.BaseSerializer):
        return serializer_schema(field, mode, components)
    if isinstance(field, relations.ManyRelatedField):
        return {"type": "array", "items": field_kind(field.child_relation, mode, components)}
    if isinstance(field, fields.ChoiceField):
        choices = [json_value(choice) for choice in field.choices]
        enum = {"enum": [choice for choice in choices if choice is not None]}
        if isinstance(field, fields.MultipleChoiceField):
            return {"type": "array", "items": enum, "uniqueItems": True}
        return enum
    if isinstance(field, fields.ListField):
        return array_schema(field, field_kind(field.child, mode, components))
    if isinstance(field, fields.DictField):
        return {"type": "object", "additionalProperties": field_kind(field.child, mode, components)}
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return related_pk_schema(field)
    if isinstance(field, fields.DecimalField):
        as_string = getattr(field, "coerce_to_string", None)
        if as_string is None:
            as_string = drf_settings.COERCE_DECIMAL_TO_STRING
        return {"type": "string", "format": "decimal"} if as_string else {"type": "number"}
    if isinstance(field, fields.IntegerField | fields.FloatField):
        return number_schema(field, dict(lookup(SCALARS, field)))
    text = string_schema(field) if isinstance(field, fields.CharField) else {}
    for field_class, schema in STRING_FORMATS:
        if isinstance(field, field_class):
            return {**text, **schema}
    if text:
        return text
    return dict(lookup(SCALARS, field) or {})


def lookup(table, field):
    for field_class, schema in table:
        if isinstance(field, field_class):
            return schema
    return None


def string_schema(field):
    schema = {"type": "string"}
    if field.max_length is not None:
        schema["maxLength"] = field.max_length
    if field.min_length is not None:
        schema["minLength"] = field.min_length
    elif not field.allow_blank and not field.read_only:
        schema["minLength"] = 1
    if isinstance(field, fields.RegexField):
        schema["pattern"] = field.validators[-1].regex.pattern
    return schema


def number_schema(field, schema):
    if field.max_value is not None:
        schema["maximum"] = field.max_value
    if field.min_value is not None:
        schema["minimum"] = field.min_value
    return schema


def array_schema(field, items):
    schema = {"type": "array", "items": items}
    if field.min_length is not None:
        schema["minItems"] = field.min_length
    if field.max_length is not None:
        schema["maxItems"] = field.max_length
    return schema


def related_pk_schema(field):
    """A primary key relation carries the related model's pk, typed as that field is."""
    model = field.queryset.model if field.queryset is not None else source_model(field)
    return model_field_schema(model._meta.pk) if model is not None else {}


def source_model(field):
    """The related model of a read-only relation, found from the parent serializer's model."""
    parent_model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if parent_model is None:
        return None
    try:
        return parent_model._meta.get_field(field.source).related_model
    except Exception:
        return None


def model_field_schema(model_field):
    """The JSON type a model field's values have on the wire (lookup arguments, relations)."""
    if model_field is None:
        return {}
    if model_field.is_relation and getattr(model_field, "target_field", None) is not None:
        model_field = model_field.target_field
    if isinstance(model_field, models.AutoField | models.IntegerField):
        return {"type": "integer"}
    if isinstance(model_field, models.UUIDField):
        return {"type": "string", "format": "uuid"}
    if isinstance(model_field, models.BooleanField):
        return {"type": "boolean"}
    return {"type": "string"}


def annotation_schema(annotation):
    """A parameter's type hint as a schema; ``{}`` (any JSON) when it says nothing usable."""
    if annotation is inspect.Parameter.empty or annotation is typing.Any:
        return {}
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return {"enum": [json_value(value) for value in arguments]}
    if origin in (typing.Union, types.UnionType):
        options = [annotation_schema(argument) for argument in arguments if argument is not type(None)]
        schema = options[0] if len(options) == 1 else {"oneOf": options} if all(options) else {}
        return nullable(schema) if type(None) in arguments else schema
    if origin in (list, tuple, set, frozenset):
        items = annotation_schema(arguments[0]) if arguments else {}
        return {"type": "array", "items": items} if items else {"type": "array"}
    if origin is dict:
        values = annotation_schema(arguments[1]) if len(arguments) == 2 else {}
        return {"type": "object", "additionalProperties": values} if values else {"type": "object"}
    for kind, schema in ANNOTATIONS.items():
        if isinstance(annotation, type) and issubclass(annotation, kind):
            return dict(schema)
    return {}
