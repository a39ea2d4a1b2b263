"""Observers: push model changes and signals to the websocket consumers that subscribed.

``@model_observer(Comment)`` and ``@observer(signal)`` decorate an async
consumer method that receives each message; ``ObserverModelInstanceMixin``
and ``ObserverModelListMixin`` add instance and filtered-list subscriptions to
a ``GenericAsyncAPIConsumer``; ``notify`` announces bulk writes, which send no
signals. See "The consumer framework" in docs/websockets.md.
"""

from .changes import Action
from .generics import ObserverModelInstanceMixin, ObserverModelListMixin
from .model_listeners import notify
from .model_observer import ModelObserver
from .observer import Observer

__all__ = [
    "Action",
    "ModelObserver",
    "Observer",
    "ObserverModelInstanceMixin",
    "ObserverModelListMixin",
    "model_observer",
    "notify",
    "observer",
]


def observer(signal, **kwargs):
    """``@observer(signal, **connect_kwargs)``: call the method with each sending of ``signal``."""

    def decorator(func):
        return Observer(func, signal, kwargs)

    return decorator


def model_observer(model, serializer_class=None, many_to_many=False):
    """``@model_observer(Model)``: call the method with each committed save or delete of ``Model``."""

    def decorator(func):
        return ModelObserver(func, model, serializer_class=serializer_class, many_to_many=many_to_many)

    return decorator
