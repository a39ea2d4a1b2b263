from django.core.cache import caches

from ..throttling import MessageRate


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def message_rate(limit, period, clock):
    rate = MessageRate(limit=limit, period=period, cache=caches["default"])
    rate.clock = clock
    return rate


def test_allows_limit_messages_per_window_then_refuses_until_the_next_one():
    clock = Clock()
    rate = message_rate(limit=3, period=10, clock=clock)
    for _ in range(3):
        assert rate.wait(user_pk=1) == 0
        clock.now += 1
    assert rate.wait(user_pk=1) == 7  # the window 1000-1010 is used up
    clock.now += 6.5
    assert rate.wait(user_pk=1) == 0.5
    clock.now += 0.5
    assert rate.wait(user_pk=1) == 0  # a new window
    assert rate.wait(user_pk=2) == 0  # another user counts on their own


def test_every_instance_counts_against_the_same_budget():
    """One instance per socket: the count is in the cache, not in the instance."""
    clock = Clock()
    first_socket, second_socket = message_rate(2, 10, clock), message_rate(2, 10, clock)
    assert first_socket.wait(user_pk=1) == 0
    assert second_socket.wait(user_pk=1) == 0
    assert first_socket.wait(user_pk=1) == 10
    assert second_socket.wait(user_pk=1) == 10
    assert second_socket.wait(user_pk=2) == 0
