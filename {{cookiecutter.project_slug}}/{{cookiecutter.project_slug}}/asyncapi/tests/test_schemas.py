"""Serializer fields and type hints as JSON Schema: what a client may send and what it gets back."""

import typing
from decimal import Decimal

from rest_framework import serializers

from {{ cookiecutter.project_slug }}.channels_rest.tests.observed.models import Post, Topic

from ..components import Components
from ..schemas import annotation_schema, serializer_schema


class TagSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class ArticleSerializer(serializers.Serializer):
    """An article with every kind of field."""

    title = serializers.CharField(max_length=100, min_length=3, help_text="Shown in lists.")
    email = serializers.EmailField(required=False)
    status = serializers.ChoiceField(choices=["draft", "published"], default="draft")
    rating = serializers.IntegerField(min_value=1, max_value=5, allow_null=True)
    price = serializers.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1.00"))
    topic = serializers.PrimaryKeyRelatedField(queryset=Topic.objects.all())
    post = serializers.PrimaryKeyRelatedField(queryset=Post.objects.all(), required=False)
    words = serializers.ListField(child=serializers.CharField(), max_length=3)
    tags = TagSerializer(many=True)
    main_tag = TagSerializer(allow_null=True, required=False)
    secret = serializers.CharField(write_only=True)
    created_at = serializers.DateTimeField(read_only=True)


def resolve(components, ref):
    return components.schemas[ref["$ref"].rsplit("/", 1)[1]]


def test_write_schema_has_writable_fields_with_their_constraints():
    components = Components()
    schema = resolve(components, serializer_schema(ArticleSerializer, "write", components))
    properties = schema["properties"]
    assert "created_at" not in properties
    assert set(schema["required"]) == {"title", "rating", "topic", "words", "tags", "secret"}
    assert properties["title"] == {
        "type": "string",
        "maxLength": 100,
        "minLength": 3,
        "description": "Shown in lists.",
    }
    assert properties["email"] == {"type": "string", "format": "email", "minLength": 1}
    assert properties["status"] == {"enum": ["draft", "published"], "default": "draft"}
    assert properties["rating"] == {"type": ["integer", "null"], "maximum": 5, "minimum": 1}
    assert properties["price"]["format"] == "decimal"
    assert properties["topic"] == {"type": "integer"}
    assert properties["post"] == {"type": "string", "format": "uuid"}  # Post has a UUID primary key
    assert properties["words"] == {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 3}
    assert properties["tags"] == {"type": "array", "items": {"$ref": "#/components/schemas/TagRequest"}}
    assert properties["main_tag"] == {"oneOf": [{"$ref": "#/components/schemas/TagRequest"}, {"type": "null"}]}
    assert properties["secret"]["writeOnly"] is True
    assert components.schemas["TagRequest"]["required"] == ["name"]
    assert schema["description"] == "An article with every kind of field."


def test_read_schema_drops_write_only_fields_and_marks_read_only_ones():
    components = Components()
    schema = resolve(components, serializer_schema(ArticleSerializer, "read", components))
    assert "secret" not in schema["properties"]
    assert schema["properties"]["created_at"] == {"type": "string", "format": "date-time", "readOnly": True}
    assert schema["properties"]["tags"]["items"] == {"$ref": "#/components/schemas/Tag"}


def test_partial_schema_requires_nothing():
    components = Components()
    ref = serializer_schema(ArticleSerializer, "partial", components)
    assert ref == {"$ref": "#/components/schemas/PatchedArticleRequest"}
    assert "required" not in resolve(components, ref)


def test_serializers_of_one_name_from_two_apps_get_distinct_stable_names():
    components = Components()
    first = type("TagSerializer", (serializers.Serializer,), {"__module__": "shop.serializers"})
    second = type("TagSerializer", (serializers.Serializer,), {"__module__": "blog.serializers"})
    assert serializer_schema(first, "read", components) == {"$ref": "#/components/schemas/Tag"}
    assert serializer_schema(second, "read", components) == {"$ref": "#/components/schemas/BlogTag"}
    assert serializer_schema(first, "read", components) == {"$ref": "#/components/schemas/Tag"}


def test_type_hints():
    assert annotation_schema(int) == {"type": "integer"}
    assert annotation_schema(bool) == {"type": "boolean"}
    assert annotation_schema(typing.Optional[int]) == {"type": ["integer", "null"]}  # noqa: UP045
    assert annotation_schema(str | None) == {"type": ["string", "null"]}
    assert annotation_schema(list[str]) == {"type": "array", "items": {"type": "string"}}
    assert annotation_schema(typing.Literal["a", "b"]) == {"enum": ["a", "b"]}
    assert annotation_schema(object) == {}
