"""``@observer(signal)``: push a Django signal to the consumers that subscribed."""

from .base_observer import BaseObserver
from .groups import group_name
from .layer import json_safe, layer_message, send_to_groups


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
        self.signal.connect(self.signal_sent, **options)

    def default_group_names(self):
        return self._default_groups

    def signal_sent(self, signal, sender=None, **kwargs):
        """The signal's receiver: send the body to the groups."""
        body = json_safe(self._serializer(self, signal, sender=sender, **kwargs)) if self._serializer else {}
        if self._groups_for_signal is None:
            groups = self._default_groups
        else:
            groups = self.named_groups(self._groups_for_signal(self, message=body, sender=sender, **kwargs))
        send_to_groups([(group, layer_message(self.message_type, group, {"body": body})) for group in groups])
