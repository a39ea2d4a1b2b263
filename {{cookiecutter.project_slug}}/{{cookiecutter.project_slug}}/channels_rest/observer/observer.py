"""``@observer(signal)``: push a Django signal to the consumers that subscribed."""

from .base_observer import BaseObserver
from .groups import group_name
from .layer import json_safe, send_to_groups


class Observer(BaseObserver):
    """Sends a message to its groups each time ``signal`` is sent.

    The body is ``{}`` unless ``@obs.serializer`` gives one
    (``func(observer, signal, sender=..., **signal_kwargs)``); the groups come
    from ``@obs.groups_for_signal`` (``func(observer, message=body, sender=...,
    **signal_kwargs)``), by default one group for the observer. Messages go out
    when the signal is sent, whether or not a transaction is open.
    """

    def __init__(self, func, signal, connect_kwargs):
        super().__init__(func)
        self.signal = signal
        self.connect_kwargs = connect_kwargs

    def bind(self):
        self._default_groups = [group_name(f"{self.id}-signal")]
        options = {"weak": False, "dispatch_uid": self.id, **self.connect_kwargs}
        self.signal.connect(self.handle, **options)

    def default_group_names(self):
        return self._default_groups

    def handle(self, signal, sender=None, **kwargs):
        body = json_safe(self._serializer(self, signal, sender=sender, **kwargs)) if self._serializer else {}
        if self._groups_for_signal is None:
            groups = self._default_groups
        else:
            groups = self.named_groups(self._groups_for_signal(self, message=body, sender=sender, **kwargs))
        send_to_groups([(group, {"type": self.message_type, "group": group, "body": body}) for group in groups])
