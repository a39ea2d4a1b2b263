"""``FieldCache``: serializers filled from cached fields give exactly what DRF gives with fields of their own."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from rest_framework import serializers

from {{ cookiecutter.project_slug }}.channels_rest.observer import Action, model_observer
from {{ cookiecutter.project_slug }}.channels_rest.serializer_fields import CONTEXT_FREE, FieldCache

from .observed.models import Post, Tag, Topic
from .serializers import UserSerializer

pytestmark = pytest.mark.django_db

User = get_user_model()


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "name"]


class PostSerializer(serializers.ModelSerializer):
    """Nested, method, many-to-many and hidden fields, and a field that reads the context."""

    topic = TopicSerializer()
    author = UserSerializer(allow_null=True)
    tag_names = serializers.SerializerMethodField()
    viewer = serializers.SerializerMethodField()
    created_by = serializers.HiddenField(default=serializers.CurrentUserDefault())

    class Meta:
        model = Post
        fields = ["id", "topic", "author", "title", "price", "tags", "tag_names", "viewer", "created_by"]

    def get_tag_names(self, post):
        return sorted(tag.name for tag in post.tags.all())

    def get_viewer(self, post):
        request = self.context.get("request")
        return request.user.username if request else None


@pytest.fixture
def posts():
    alice = User.objects.create_user("alice")
    news, blog = Topic.objects.create(name="news"), Topic.objects.create(name="blog")
    first = Post.objects.create(topic=news, author=alice, title="first", price=Decimal("1.50"))
    second = Post.objects.create(topic=blog, title="second")
    first.tags.set([Tag.objects.create(name="b"), Tag.objects.create(name="a")])
    return first, second


def request_of(username):
    return SimpleNamespace(user=SimpleNamespace(username=username))


def filled(cache, *args, **kwargs):
    serializer = PostSerializer(*args, **kwargs)
    cache.fill(serializer)
    return serializer


def test_each_instance_serializes_as_drf_does(posts):
    cache = FieldCache()
    for post in posts + posts:
        assert filled(cache, post).data == PostSerializer(post).data


def test_context_changes_rebuild_the_fields(posts):
    cache = FieldCache()
    first, _ = posts
    for username in ["alice", "bob", "alice"]:
        context = {"request": request_of(username)}
        data = filled(cache, first, context=context).data
        assert data == PostSerializer(first, context=context).data
        assert data["viewer"] == username


def test_copies_are_bound_to_their_own_serializer(posts):
    cache = FieldCache()
    one, two = filled(cache, posts[0]), filled(cache, posts[1])
    assert one.fields["topic"] is not two.fields["topic"]
    assert one.fields["topic"].parent is one
    assert two.fields["tag_names"].parent is two
    assert one.fields["title"].validators is not two.fields["title"].validators


def test_validation_uses_the_hidden_field_of_each_request(posts):
    cache = FieldCache()
    first, _ = posts
    payload = {"topic": {"name": "x"}, "author": None, "title": "t", "price": "2.00", "tags": []}
    for username in ["alice", "bob"]:
        context = {"request": request_of(username)}
        serializer = filled(cache, data=payload, context=context)
        assert serializer.is_valid(), serializer.errors
        assert serializer.validated_data["created_by"].username == username
    context, too_long = {"request": request_of("bob")}, {**payload, "title": "t" * 101}
    invalid = filled(cache, data=too_long, context=context)
    expected = PostSerializer(data=too_long, context=context)
    assert not invalid.is_valid()
    assert not expected.is_valid()
    assert invalid.errors == expected.errors


def test_many_fills_the_child(posts):
    cache = FieldCache()
    serializer = PostSerializer(posts, many=True)
    cache.fill(serializer)
    assert serializer.data == PostSerializer(posts, many=True).data


def test_a_class_with_its_own_get_fields_is_left_to_drf(posts):
    class Narrowed(PostSerializer):
        def get_fields(self):
            fields = super().get_fields()
            fields.pop("viewer")
            return fields

    serializer = Narrowed(posts[0])
    FieldCache().fill(serializer)
    assert "fields" not in vars(serializer)
    assert "viewer" not in serializer.data


def test_observer_body_is_drf_output_from_the_shared_cache(posts):
    async def post_changed(consumer, message, **kwargs):
        pass

    observer = model_observer(Post, serializer_class=PostSerializer)(post_changed)
    for post in posts + posts:
        assert observer.serialize(post, Action.UPDATE) == PostSerializer(post).data
    assert PostSerializer in CONTEXT_FREE.prototypes
