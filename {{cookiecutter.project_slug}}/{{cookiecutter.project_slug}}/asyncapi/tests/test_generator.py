"""The document a client developer reads: every action with its reply, every event, valid references."""

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework import serializers, viewsets

from {{ cookiecutter.project_slug }}.channels_rest import mixins
from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer, view_as_consumer
from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.observer import model_observer
from {{ cookiecutter.project_slug }}.channels_rest.observer.generics import ObserverModelListMixin
from {{ cookiecutter.project_slug }}.channels_rest.pagination import WebsocketLimitOffsetPagination
from {{ cookiecutter.project_slug }}.channels_rest.tests.observed.models import Post, Topic

from ..documentation import document_action, document_event
from ..generator import DocumentError, build_document


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "name"]


class PostSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title", "topic"]


class TopicConsumer(mixins.CreateModelMixin, mixins.PaginatedModelListMixin, GenericAsyncAPIConsumer):
    """Topics of the forum."""

    queryset = Topic.objects.all()
    serializer_class = TopicSerializer
    pagination_class = WebsocketLimitOffsetPagination

    @action()
    async def rename(self, pk, name: str, shout: bool = False):
        """Give a topic a new name.

        Everyone sees the new name at once.
        """

    @action(name="count-posts")
    async def count_posts(self, **kwargs):
        pass

    @action()
    async def watch_posts(self, request_id=None, **kwargs):
        await self.post_activity.subscribe(request_id=request_id)

    @document_event(summary="A post changed.", actions=["create", "update"])
    @model_observer(Post, serializer_class=PostSerializer)
    async def post_activity(self, message, action=None, **kwargs):
        pass


class PostConsumer(ObserverModelListMixin, GenericAsyncAPIConsumer):
    queryset = Post.objects.all()
    serializer_class = PostSerializer
    filter_fields = ("topic",)


def document(*consumers, **kwargs):
    routes = [path(f"ws/{consumer.__name__.lower()}/", consumer.as_asgi()) for consumer in consumers]
    return build_document(urlpatterns=routes, **kwargs)


def payload(doc, message_ref):
    """The payload of a message reference, followed through the channel and components."""
    name = message_ref["$ref"].rsplit("/", 1)[1]
    return doc["components"]["messages"][name]["payload"]


def references(value):
    if isinstance(value, dict):
        if "$ref" in value:
            yield value["$ref"]
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def resolve(doc, ref):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_a_single_consumer_document_names_operations_by_action():
    doc = document(TopicConsumer)
    assert doc["asyncapi"] == "3.0.0"
    assert doc["channels"]["topicconsumer"]["address"] == "/ws/topicconsumer/"
    assert set(doc["operations"]) == {"create", "list", "rename", "count-posts", "watch_posts", "post_activity"}


def test_signature_arguments():
    doc = document(TopicConsumer)
    operation = doc["operations"]["rename"]
    assert operation["action"] == "receive"
    assert operation["summary"] == "Give a topic a new name."
    request = payload(doc, operation["messages"][0])
    assert request["properties"]["action"] == {"type": "string", "const": "rename"}
    assert request["required"] == ["action", "pk", "name"]
    assert request["properties"]["pk"] == {"type": "integer"}  # the lookup field's type
    assert request["properties"]["name"] == {"type": "string"}
    assert request["properties"]["shout"] == {"type": "boolean", "default": False}
    assert request["additionalProperties"] is False  # the consumer refuses unexpected arguments


def test_renamed_actions_keep_their_wire_name():
    doc = document(TopicConsumer)
    request = payload(doc, doc["operations"]["count-posts"]["messages"][0])
    assert request["properties"]["action"]["const"] == "count-posts"
    assert "additionalProperties" not in request


def test_replies_are_correlated_envelopes_with_an_error_alternative():
    doc = document(TopicConsumer)
    operation = doc["operations"]["create"]
    request_name = operation["messages"][0]["$ref"].rsplit("/", 1)[1]
    assert doc["components"]["messages"][request_name]["correlationId"] == {
        "$ref": "#/components/correlationIds/requestId"
    }
    assert doc["components"]["correlationIds"]["requestId"]["location"] == "$message.payload#/request_id"
    success, error = operation["reply"]["messages"]
    reply = payload(doc, success)
    assert reply["required"] == ["action", "errors", "data", "response_status", "request_id"]
    assert reply["properties"]["data"] == {"$ref": "#/components/schemas/Topic"}
    assert reply["properties"]["response_status"] == {"type": "integer", "enum": [201]}
    assert payload(doc, error)["properties"]["errors"]["minItems"] == 1
    create = payload(doc, operation["messages"][0])
    assert create["properties"]["data"] == {"$ref": "#/components/schemas/TopicRequest"}
    assert doc["components"]["schemas"]["TopicRequest"]["required"] == ["name"]


def test_paginated_lists():
    doc = document(TopicConsumer)
    operation = doc["operations"]["list"]
    request = payload(doc, operation["messages"][0])
    assert {"limit", "offset"} <= set(request["properties"])
    page = payload(doc, operation["reply"]["messages"][0])["properties"]["data"]
    assert page["required"] == ["count", "results", "limit", "offset"]
    assert page["properties"]["results"] == {"type": "array", "items": {"$ref": "#/components/schemas/Topic"}}


def test_observers_are_send_operations_referenced_by_the_actions_that_subscribe():
    doc = document(TopicConsumer)
    event = doc["operations"]["post_activity"]
    assert event["action"] == "send"
    assert event["summary"] == "A post changed."
    body = payload(doc, event["messages"][0])
    assert body["properties"]["action"] == {"type": "string", "enum": ["create", "update"]}
    assert body["properties"]["data"] == {"$ref": "#/components/schemas/Post"}
    assert doc["operations"]["watch_posts"]["x-events"] == ["post_activity"]


def test_list_subscriptions_take_typed_filters_and_announce_their_events():
    doc = document(PostConsumer)
    subscribe = doc["operations"]["subscribe_list"]
    assert payload(doc, subscribe["messages"][0])["properties"]["topic"]["type"] == "integer"
    assert subscribe["x-events"] == ["list_change"]
    change = payload(doc, doc["operations"]["list_change"]["messages"][0])
    assert change["properties"]["action"]["enum"] == ["create", "update", "delete"]


def test_several_consumers_prefix_ids_and_message_names_with_the_label():
    doc = document(TopicConsumer, PostConsumer)
    assert "topicconsumer_rename" in doc["operations"]
    assert "postconsumer_subscribe_list" in doc["operations"]
    request = doc["operations"]["topicconsumer_rename"]["messages"][0]
    assert request == {"$ref": "#/channels/topicconsumer/messages/TopicconsumerRename"}
    assert payload(doc, request)["properties"]["action"]["const"] == "rename"


def test_every_reference_resolves():
    doc = document(TopicConsumer, PostConsumer)
    refs = set(references(doc))
    assert "#/components/schemas/Post" in refs
    for ref in refs:
        resolve(doc, ref)
    site = build_document()
    for ref in references(site):
        resolve(site, ref)


def test_choosing_consumers_by_label_and_unknown_labels():
    routes = [path("ws/topics/", TopicConsumer.as_asgi()), path("ws/posts/", PostConsumer.as_asgi())]
    doc = build_document(["posts"], urlpatterns=routes)
    assert list(doc["channels"]) == ["posts"]
    with pytest.raises(LookupError, match="topics, posts"):
        build_document(["nope"], urlpatterns=routes)


def test_overrides():
    class Note(serializers.Serializer):
        text = serializers.CharField()

    class NoteConsumer(AsyncAPIConsumer):
        @document_action(
            summary="Post a note.",
            tags=["notes"],
            examples={"short": {"text": "hi"}},
            payload=Note,
            reply=Note(many=True),
            deprecated=True,
        )
        @action()
        async def post(self, **kwargs):
            pass

    doc = document(NoteConsumer)
    operation = doc["operations"]["post"]
    assert operation["summary"] == "Post a note."
    assert operation["tags"] == [{"name": "notes"}]
    assert "deprecated" not in operation  # AsyncAPI 3.0 operations cannot be deprecated
    message = doc["components"]["messages"]["Post"]
    assert message["examples"] == [{"name": "short", "payload": {"action": "post", "text": "hi"}}]
    assert message["payload"]["deprecated"] is True
    assert message["payload"]["properties"]["text"] == {"type": "string", "minLength": 1}
    reply = payload(doc, operation["reply"]["messages"][0])
    assert reply["properties"]["data"] == {"type": "array", "items": {"$ref": "#/components/schemas/Note"}}


def test_name_collisions_fail_naming_both():
    class Clash(AsyncAPIConsumer):
        @action()
        async def foo_bar(self):
            pass

        @action(name="fooBar")
        async def other(self):
            pass

    with pytest.raises(DocumentError, match="'foo_bar' of .*Clash and action 'fooBar'"):
        document(Clash)


def test_an_action_and_an_observer_of_one_name_collide():
    class Clash(AsyncAPIConsumer):
        @action(name="post_activity")
        async def subscribe(self):
            pass

        @model_observer(Topic)
        async def post_activity(self, message, **kwargs):
            pass

    with pytest.raises(DocumentError, match="action 'post_activity' .* observer 'post_activity'"):
        document(Clash)


def test_view_as_consumer_routes_use_the_viewset_serializer():
    class TopicViewSet(viewsets.ModelViewSet):
        queryset = Topic.objects.all()
        serializer_class = TopicSerializer
        pagination_class = None

    routes = [path("ws/topics/", view_as_consumer(TopicViewSet.as_view({"get": "list", "post": "create"})))]
    doc = build_document(urlpatterns=routes)
    create = doc["operations"]["create"]
    request = payload(doc, create["messages"][0])
    assert set(request["properties"]) == {"action", "request_id", "query", "parameters", "data"}
    assert {"$ref": "#/components/schemas/TopicRequest"} in request["properties"]["data"]["oneOf"]
    listed = payload(doc, doc["operations"]["list"]["reply"]["messages"][0])
    assert listed["properties"]["data"] == {"type": "array", "items": {"$ref": "#/components/schemas/Topic"}}


@override_settings(SESSION_COOKIE_NAME="sid")
def test_security_schemes_are_attached_to_the_server():
    doc = document(TopicConsumer, host="example.com", protocol="wss")
    server = doc["servers"]["default"]
    assert (server["host"], server["protocol"]) == ("example.com", "wss")
    assert doc["components"]["securitySchemes"]["sessionCookie"] == {
        "type": "httpApiKey",
        "in": "cookie",
        "name": "sid",
        "description": "The Django session of a signed-in browser.",
    }
    names = {scheme["name"] for scheme in doc["components"]["securitySchemes"].values()}
    assert names == {"sid", "access_token", "token"}
    assert {"$ref": "#/components/securitySchemes/jwtQuery"} in server["security"]


def test_servers_setting_is_used_verbatim():
    servers = {"prod": {"host": "ws.example.com", "protocol": "wss"}}
    with override_settings(CHANNELS_SPECTACULAR_SETTINGS={"SERVERS": servers, "TITLE": "Forum"}):
        doc = document(TopicConsumer)
    assert doc["servers"] == servers
    assert doc["info"]["title"] == "Forum"


def test_the_site_document_lists_the_plain_ping_consumer_without_operations():
    channel = build_document(["ping"])["channels"]["ping"]
    assert channel["x-undocumented"] is True
    assert "PingConsumer" in channel["description"]
    assert channel["messages"] == {}
