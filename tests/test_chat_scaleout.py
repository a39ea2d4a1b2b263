"""The chat demo scaled out: two daphne processes of one baked project, one Redis, one PostgreSQL database.

Twenty clients, spread over both processes, sit in one room and each sends fifty messages as fast as it can.
Every client must receive every message exactly once, each sender's messages in the order they were sent,
and all of them must be in the database. The figures are printed.
"""

import asyncio
import time

import pytest

from chat_site import ChatClient, ChatSite
from variants import ALL_ON

CLIENTS = 20
MESSAGES_PER_CLIENT = 50
SERVERS = 2
DEADLINE = 300  # seconds for the whole exchange


async def take_part(client, everyone_in, total):
    """Enter the room, wait for everyone else to (so each can receive all messages), send, receive all."""
    async with client:
        await client.enter()
        await everyone_in.wait()
        for sequence in range(MESSAGES_PER_CLIENT):
            await client.say(client.text(sequence))
        await client.until(
            lambda: len(client.received) >= total and client.statuses[201] == MESSAGES_PER_CLIENT,
            "receiving every message",
        )


async def exchange(clients):
    everyone_in = asyncio.Barrier(len(clients))
    total = len(clients) * MESSAGES_PER_CLIENT
    await asyncio.wait_for(asyncio.gather(*(take_part(client, everyone_in, total) for client in clients)), DEADLINE)


@pytest.mark.timeout(DEADLINE + 300)
def test_chat_scales_out_over_two_processes(
    bake, project_python, redis_url, postgres_database, serve, record_property
):
    # Each client sends its messages as fast as it can; the flood limit (the project's own tests cover it)
    # is lifted to exactly that many.
    site = ChatSite.open(
        project_python, bake(**ALL_ON), postgres_database(), redis_url, CLIENTS, CHAT_RATE_LIMIT=MESSAGES_PER_CLIENT
    )
    servers = [serve(site.project, site.environment) for _ in range(SERVERS)]
    clients = [
        ChatClient(number, servers[number % SERVERS], cookie, site.room) for number, cookie in enumerate(site.cookies)
    ]

    started = time.perf_counter()
    asyncio.run(exchange(clients))
    seconds = time.perf_counter() - started

    expected = {client.text(sequence) for client in clients for sequence in range(MESSAGES_PER_CLIENT)}
    for client in clients:
        pks = [pk for pk, _ in client.received]
        texts = [text for _, text in client.received]
        assert len(pks) == len(set(pks)) == len(expected), f"{client.name}: duplicates or losses"
        assert set(texts) == expected
        for sender in clients:
            from_sender = [text for text in texts if text.startswith(f"{sender.name} ")]
            assert from_sender == [sender.text(sequence) for sequence in range(MESSAGES_PER_CLIENT)]
    stored = site.stored()
    assert len(stored) == len(expected)
    assert {text for _, text in stored} == expected
    assert all(text.startswith(username) for username, text in stored)

    received = sum(len(client.received) for client in clients)
    record_property(
        "figures",
        f"{SERVERS} daphne processes, Redis, PostgreSQL; {CLIENTS} clients in one room;"
        f" {len(expected)} messages sent, {received} received ({received // CLIENTS} per client),"
        f" {len(stored)} stored; {seconds:.1f} s wall,"
        f" {len(expected) / seconds:.0f} messages/s in, {received / seconds:.0f} deliveries/s out",
    )
