from ..throttling import MessageRate


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_allows_limit_messages_per_period_then_refuses_until_the_oldest_expires():
    clock = Clock()
    rate = MessageRate(limit=3, period=10, clock=clock)
    for _ in range(3):
        assert rate.allow() is True
        clock.now += 1
    assert rate.allow() is False
    assert rate.wait() == 7
    clock.now += 7
    assert rate.allow() is True  # the first message left the window
    assert rate.allow() is False
