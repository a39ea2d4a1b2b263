"""When model observers send: after commit, once per object and transaction, never after a rollback.

These tests listen on an observer's group with a bare channel, so they see
exactly what goes onto the channel layer. To show that nothing was sent, they
make one more change afterwards and check that it is the next message.
"""

import asyncio
import uuid
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models.signals import post_init, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from {{ cookiecutter.project_slug }}.channels_rest.consumers import AsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.observer import model_observer, notify

from .observed.models import Post, Tag, Topic

pytestmark = pytest.mark.django_db(transaction=True)


class TopicConsumer(AsyncAPIConsumer):
    @model_observer(Topic)
    async def topic_activity(self, message, **kwargs):
        await self.send_json(message)

    @topic_activity.serializer
    def topic_activity(self, instance, action, **kwargs):
        return {"name": instance.name}


class PostConsumer(AsyncAPIConsumer):
    @model_observer(Post, many_to_many=True)
    async def post_activity(self, message, **kwargs):
        await self.send_json(message)

    @post_activity.serializer
    def post_activity(self, instance, action, **kwargs):
        return {"id": instance.pk, "price": instance.price, "published_at": instance.published_at, "tags": None}


class StatusConsumer(AsyncAPIConsumer):
    """Groups that depend on a field: one group per post status."""

    @model_observer(Post)
    async def post_status(self, message, **kwargs):
        await self.send_json(message)

    @post_status.groups_for_signal
    def post_status(self, instance, **kwargs):
        yield f"status-{instance.status}"

    @post_status.groups_for_consumer
    def post_status(self, status, **kwargs):
        yield f"status-{status}"


class Inbox:
    """A bare channel in some groups: what the channel layer delivers, in order."""

    def __init__(self, layer, channel):
        self.layer = layer
        self.channel = channel

    async def next(self):
        return await asyncio.wait_for(self.layer.receive(self.channel), 5)


@pytest.fixture
async def listen():
    layer = get_channel_layer()
    joined = []

    async def open_inbox(*groups):
        channel = await layer.new_channel()
        for group in groups:
            await layer.group_add(group, channel)
            joined.append((group, channel))
        return Inbox(layer, channel)

    yield open_inbox
    for group, channel in joined:
        await layer.group_discard(group, channel)


def topic_group():
    return TopicConsumer.topic_activity.default_group_names()[0]


def in_thread(func):
    """Run ORM code the way the site does: in a database thread, off the event loop."""
    return database_sync_to_async(func)()


async def test_autocommit_save_is_sent_at_once(listen):
    inbox = await listen(topic_group())
    topic = await in_thread(lambda: Topic.objects.create(name="first"))
    message = await inbox.next()
    assert message == {
        "type": "topic.activity",
        "group": topic_group(),
        "action": "create",
        "body": {"name": "first"},
    }
    topic.name = "renamed"
    await in_thread(topic.save)
    assert (await inbox.next())["action"] == "update"
    await in_thread(topic.delete)
    assert await inbox.next() == {
        "type": "topic.activity",
        "group": topic_group(),
        "action": "delete",
        "body": {"name": "renamed"},
    }


async def test_nothing_is_sent_before_commit(listen):
    inbox = await listen(topic_group())

    def save_then_mark():
        with transaction.atomic():
            Topic.objects.create(name="pending")
            # Sent while the transaction is still open: it must arrive first.
            async_to_sync(inbox.layer.send)(inbox.channel, {"type": "marker"})

    await in_thread(save_then_mark)
    assert (await inbox.next())["type"] == "marker"
    assert (await inbox.next())["body"] == {"name": "pending"}


async def test_rollback_sends_nothing(listen):
    inbox = await listen(topic_group())

    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            Topic.objects.create(name="rolled back")
            raise RuntimeError

    await in_thread(rolled_back)
    await in_thread(lambda: Topic.objects.create(name="sentinel"))
    assert (await inbox.next())["body"] == {"name": "sentinel"}


async def test_saves_in_one_transaction_are_one_event_with_the_final_state(listen):
    topic = await in_thread(lambda: Topic.objects.create(name="v1"))
    inbox = await listen(topic_group())

    def edit_three_times():
        with transaction.atomic():
            for name in ("v2", "v3", "v4"):
                topic.name = name
                topic.save()
            # Another Python object for the same row is the same change.
            Topic.objects.get(pk=topic.pk).save()

    await in_thread(edit_three_times)
    await in_thread(lambda: Topic.objects.create(name="sentinel"))
    assert await inbox.next() == {
        "type": "topic.activity",
        "group": topic_group(),
        "action": "update",
        "body": {"name": "v4"},
    }
    assert (await inbox.next())["body"] == {"name": "sentinel"}


async def test_create_then_update_is_a_create_and_create_then_delete_is_nothing(listen):
    inbox = await listen(topic_group())

    def create_and_update():
        with transaction.atomic():
            topic = Topic.objects.create(name="draft")
            topic.name = "final"
            topic.save()
            Topic.objects.create(name="short-lived").delete()

    await in_thread(create_and_update)
    await in_thread(lambda: Topic.objects.create(name="sentinel"))
    first = await inbox.next()
    assert (first["action"], first["body"]) == ("create", {"name": "final"})
    assert (await inbox.next())["body"] == {"name": "sentinel"}


async def test_rolled_back_savepoint_drops_its_edits_only(listen):
    kept = await in_thread(lambda: Topic.objects.create(name="kept"))
    doomed = await in_thread(lambda: Topic.objects.create(name="doomed"))
    inbox = await listen(topic_group())

    def nested():
        with transaction.atomic():
            kept.name = "kept and renamed"
            kept.save()
            with pytest.raises(RuntimeError), transaction.atomic():
                # A delete of the same row and a change of another, both undone.
                Topic.objects.get(pk=kept.pk).delete()
                doomed.name = "never"
                doomed.save()
                raise RuntimeError
            with transaction.atomic():
                Topic.objects.create(name="in a released savepoint")

    await in_thread(nested)
    await in_thread(lambda: Topic.objects.create(name="sentinel"))
    received = [await inbox.next() for _ in range(3)]
    assert [(message["action"], message["body"]["name"]) for message in received] == [
        ("update", "kept and renamed"),
        ("create", "in a released savepoint"),
        ("create", "sentinel"),
    ]


async def test_first_edit_in_a_rolled_back_savepoint_does_not_lose_later_edits(listen):
    topic = await in_thread(lambda: Topic.objects.create(name="start"))
    inbox = await listen(topic_group())

    def nested():
        with transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                topic.name = "undone"
                topic.save()
                raise RuntimeError
            topic.name = "done"
            topic.save()

    await in_thread(nested)
    message = await inbox.next()
    assert (message["action"], message["body"]) == ("update", {"name": "done"})


async def test_a_new_transaction_after_a_rollback_starts_afresh(listen):
    inbox = await listen(topic_group())

    def rolled_back_then_committed():
        with pytest.raises(RuntimeError), transaction.atomic():
            Topic.objects.create(name="gone")
            raise RuntimeError
        with transaction.atomic():
            Topic.objects.create(name="committed")

    await in_thread(rolled_back_then_committed)
    await in_thread(lambda: Topic.objects.create(name="sentinel"))
    assert (await inbox.next())["body"] == {"name": "committed"}
    assert (await inbox.next())["body"] == {"name": "sentinel"}


@pytest.mark.django_db(transaction=True, databases=["default", "observer_mirror"])
async def test_changes_follow_the_transactions_of_their_own_database(listen):
    """``observer_mirror`` is another connection to the test database (see the test settings)."""
    inbox = await listen(topic_group())

    def on_both_databases():
        with transaction.atomic():  # "default": not where the topic is saved
            Topic.objects.using("observer_mirror").create(name="saved at once")
            async_to_sync(inbox.layer.send)(inbox.channel, {"type": "marker"})
        with transaction.atomic(using="observer_mirror"):
            Topic.objects.using("observer_mirror").create(name="saved on commit")
            async_to_sync(inbox.layer.send)(inbox.channel, {"type": "marker"})

    await in_thread(on_both_databases)
    received = [await inbox.next() for _ in range(4)]
    assert [message.get("body", message["type"]) for message in received] == [
        {"name": "saved at once"},
        "marker",
        "marker",
        {"name": "saved on commit"},
    ]


async def test_payloads_are_json_safe(listen):
    """UUID primary keys, Decimals and datetimes reach the layer as JSON strings (msgpack-safe)."""
    inbox = await listen(PostConsumer.post_activity.default_group_names()[0])
    published = timezone.now()
    topic = await in_thread(lambda: Topic.objects.create(name="prices"))
    post = await in_thread(
        lambda: Post.objects.create(topic=topic, title="t", price=Decimal("12.50"), published_at=published)
    )
    message = await inbox.next()
    assert message["body"] == {
        "id": str(post.pk),
        "price": "12.50",
        "published_at": DjangoJSONEncoder().default(published),
        "tags": None,
    }
    assert isinstance(uuid.UUID(message["body"]["id"]), uuid.UUID)


async def test_many_to_many_changes_are_updates_of_either_side(listen):
    inbox = await listen(PostConsumer.post_activity.default_group_names()[0])
    topic = await in_thread(lambda: Topic.objects.create(name="m2m"))
    post = await in_thread(lambda: Post.objects.create(topic=topic, title="tagged"))
    tag = await in_thread(lambda: Tag.objects.create(name="news"))
    assert (await inbox.next())["action"] == "create"

    await in_thread(lambda: post.tags.add(tag))
    message = await inbox.next()
    assert (message["action"], message["body"]["id"]) == ("update", str(post.pk))
    await in_thread(lambda: tag.posts.remove(post))
    message = await inbox.next()
    assert (message["action"], message["body"]["id"]) == ("update", str(post.pk))
    await in_thread(lambda: post.tags.add(tag))
    assert (await inbox.next())["action"] == "update"
    await in_thread(tag.posts.clear)
    message = await inbox.next()
    assert (message["action"], message["body"]["id"]) == ("update", str(post.pk))


async def test_observers_without_many_to_many_do_not_hear_relation_changes(listen):
    """``PostConsumer`` asked for many-to-many changes of ``Post``; ``StatusConsumer``, observing it too, did not."""
    topic = await in_thread(lambda: Topic.objects.create(name="m2m"))
    post = await in_thread(lambda: Post.objects.create(topic=topic, title="tagged"))
    tag = await in_thread(lambda: Tag.objects.create(name="news"))
    [drafts] = StatusConsumer.post_status.group_names_for_consumer(StatusConsumer(), status="draft")
    inbox = await listen(drafts)
    await in_thread(lambda: post.tags.add(tag))
    await in_thread(tag.posts.clear)
    await inbox.layer.send(inbox.channel, {"type": "marker"})
    assert (await inbox.next())["type"] == "marker"


async def test_moving_between_field_groups_is_delete_and_create(listen):
    topic = await in_thread(lambda: Topic.objects.create(name="status"))
    post = await in_thread(lambda: Post.objects.create(topic=topic, title="moving"))
    consumer = StatusConsumer()
    [drafts] = StatusConsumer.post_status.group_names_for_consumer(consumer, status="draft")
    [published] = StatusConsumer.post_status.group_names_for_consumer(consumer, status="published")
    draft_inbox = await listen(drafts)
    published_inbox = await listen(published)

    def publish():
        with transaction.atomic():
            post.title = "renamed first"
            post.save()
            post.status = "published"
            post.save()

    await in_thread(publish)
    assert (await draft_inbox.next())["action"] == "delete"
    assert (await published_inbox.next())["action"] == "create"
    post.title = "renamed again"
    await in_thread(post.save)
    assert (await published_inbox.next())["action"] == "update"


def test_loading_observed_rows_does_no_observer_work():
    """No post_init receiver: loading rows of an observed model costs what it costs without observers."""
    assert not post_init.has_listeners(Post)
    assert not post_init.has_listeners(Topic)


def test_the_previous_state_is_read_only_for_field_dependent_groups_and_once_per_transaction():
    tag = Tag.objects.create(name="no extra query")
    with CaptureQueriesContext(connection) as queries:
        tag.name = "renamed"
        tag.save()
    assert len(queries) == 1  # the UPDATE: no observer of Tag has groups that depend on fields
    assert not pre_save.has_listeners(Tag)

    topic = Topic.objects.create(name="posts")
    post = Post.objects.create(topic=topic, title="status groups")
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for title in ("a", "b", "c"):
            post.title = title
            post.save()
    selects = [query["sql"] for query in queries if query["sql"].startswith("SELECT")]
    assert len(selects) == 1  # the state before the transaction, read at the first save only


def test_current_groups_change_when_the_transaction_commits():
    """DCRF's ``consumer.<observer>.get_observer_state(instance).current_groups``, for groups that depend on fields."""
    consumer = StatusConsumer()
    observer = consumer.post_status
    [drafts] = observer.group_names_for_consumer(consumer, status="draft")
    [published] = observer.group_names_for_consumer(consumer, status="published")
    topic = Topic.objects.create(name="groups")

    def groups(instance):
        return observer.get_observer_state(instance).current_groups

    with transaction.atomic():
        post = Post.objects.create(topic=topic, title="new")
        assert groups(post) == set()
    assert groups(post) == {drafts}

    with transaction.atomic():
        post.status = "published"
        post.save()
        assert groups(post) == groups(Post.objects.get(pk=post.pk)) == {drafts}
    assert groups(post) == groups(Post.objects.get(pk=post.pk)) == {published}

    loaded = Post.objects.get(pk=post.pk)
    loaded.status = "draft"  # not saved
    assert groups(loaded) == {published}
    with pytest.raises(RuntimeError), transaction.atomic():
        loaded.save()
        raise RuntimeError("rolled back")
    assert groups(loaded) == {published}

    with transaction.atomic():
        post.delete()
        assert groups(post) == {published}
    assert groups(post) == set()


def test_current_groups_of_an_observer_with_one_group():
    """The groups of a default observer do not depend on fields; an object is in it from commit to delete."""
    observer = TopicConsumer.topic_activity
    [group] = observer.default_group_names()

    def groups(instance):
        return observer.get_observer_state(instance).current_groups

    assert groups(Topic(name="unsaved")) == set()
    with transaction.atomic():
        topic = Topic.objects.create(name="one group")
        assert groups(topic) == set()
    assert groups(topic) == groups(Topic.objects.get(pk=topic.pk)) == {group}
    with transaction.atomic():
        Topic.objects.get(pk=topic.pk).delete()
        assert groups(topic) == {group}
    assert groups(Topic.objects.create(name="autocommit")) == {group}


async def test_notify_announces_bulk_writes(listen):
    inbox = await listen(topic_group())

    def bulk_work():
        topics = Topic.objects.bulk_create([Topic(name="bulk 1"), Topic(name="bulk 2")])
        notify(topics, action="create")
        Topic.objects.filter(name__startswith="bulk").update(name="bulk renamed")
        with transaction.atomic():
            TopicConsumer.topic_activity.notify(Topic.objects.filter(name="bulk renamed"))

    await in_thread(bulk_work)
    received = [await inbox.next() for _ in range(4)]
    assert [(message["action"], message["body"]["name"]) for message in received] == [
        ("create", "bulk 1"),
        ("create", "bulk 2"),
        ("update", "bulk renamed"),
        ("update", "bulk renamed"),
    ]
