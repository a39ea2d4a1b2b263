"""A save's way to a subscriber's frame goes through the framework's modules one way: none is entered twice.

Every call made while a saved object travels to a subscribed socket is recorded with the stack of framework
modules above it (the signal receivers, the transaction, the listener, the layer, the hub, the inbox, the
observer, the consumer). A stack in which a module appears, then others, then that module again, is a loop in
the design: the test fails and names it.
"""

import sys

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from {{ cookiecutter.project_slug }}.channels_rest.decorators import action
from {{ cookiecutter.project_slug }}.channels_rest.generics import GenericAsyncAPIConsumer
from {{ cookiecutter.project_slug }}.channels_rest.observer import ObserverModelInstanceMixin, model_observer

from .serializers import UserSerializer

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "{{ cookiecutter.project_slug }}.channels_rest."
User = get_user_model()


class TracedConsumer(ObserverModelInstanceMixin, GenericAsyncAPIConsumer):
    queryset = User.objects.all()
    serializer_class = UserSerializer

    @model_observer(User, serializer_class=UserSerializer)
    async def user_activity(self, message, observer=None, subscribing_request_ids=(), **kwargs):
        for request_id in subscribing_request_ids:
            await self.reply(action="user_activity", data=message, request_id=request_id)

    @action()
    async def subscribe_activity(self, request_id=None, **kwargs):
        await self.user_activity.subscribe(request_id=request_id)
        return None, 201


def framework_module(frame):
    name = frame.f_globals.get("__name__", "")
    if name.startswith(PACKAGE) and ".tests." not in name:
        return name.removeprefix(PACKAGE)
    return None


class ModuleStacks:
    """Records, for every call into a framework module, the framework modules on the stack, outermost first."""

    def __init__(self):
        self.reentries = set()
        self.seen = set()

    def profile(self, frame, event, arg):
        if event != "call":
            return
        modules = []
        while frame is not None:
            module = framework_module(frame)
            if module is not None and (not modules or modules[-1] != module):
                modules.append(module)
            frame = frame.f_back
        modules.reverse()
        self.seen.update(modules)
        for index, module in enumerate(modules):
            if module in modules[index + 1 :]:
                self.reentries.add(" -> ".join(modules))
                break

    def __enter__(self):
        sys.setprofile(self.profile)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)


async def test_a_save_reaches_its_subscribers_without_entering_a_module_twice(consumer_socket, user):
    socket = await consumer_socket(TracedConsumer, user=user)
    assert (await socket.request("subscribe_instance", pk=user.pk, request_id="one"))["response_status"] == 201
    assert (await socket.request("subscribe_activity", request_id="all"))["response_status"] == 201

    def rename(stacks):
        # The database thread is already running: its profile is set here.
        sys.setprofile(stacks.profile)
        try:
            user.first_name = "Alice"
            user.save()
        finally:
            sys.setprofile(None)

    with ModuleStacks() as stacks:
        await database_sync_to_async(rename)(stacks)
        frames = [await socket.receive_json_from(timeout=5) for _ in range(2)]

    assert sorted(frame["request_id"] for frame in frames) == ["all", "one"]
    # The trace went through the whole path, so an empty result means something.
    assert {"observer.model_listeners", "observer.transactions", "observer.listeners", "observer.hub"} <= stacks.seen
    assert {"inbox", "observer.base_observer", "observer.generics", "consumers"} <= stacks.seen
    assert stacks.reentries == set()
