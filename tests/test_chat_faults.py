"""The chat demo through what production does to it: silence, a Redis or database restart, a killed process, a
logout.

Each test runs two daphne processes of an all-on bake with production settings on Redis and a PostgreSQL
database of its own, and clients in one room spread over both processes. A socket that should stay open
stays open, one that should close closes with its documented code, nothing acknowledged (201) is lost, and
presence tells who is really there. The figures go to the run's "measured" section.
"""

import asyncio
import signal
import time
from collections import Counter
from contextlib import AsyncExitStack

import pytest

from chat_site import ChatClient, ChatSite, logout
from processes import tail
from variants import ALL_ON

SERVERS = 2


def start(site, serve, servers=SERVERS):
    """The daphne processes and one client per user, spread over them in turn."""
    processes = [serve(site.project, site.environment) for _ in range(servers)]
    clients = [
        ChatClient(number, processes[number % servers], cookie, site.room)
        for number, cookie in enumerate(site.cookies)
    ]
    return processes, clients


async def connected(stack, clients):
    """Open every client's socket (closed when ``stack`` ends) and enter the room with all of them."""
    for client in clients:
        await stack.enter_async_context(client)
    await asyncio.gather(*(client.enter() for client in clients))


def logs(servers):
    return "\n".join(f"--- daphne :{server.port}\n{tail(server.process.log(), 30)}" for server in servers)


def closes(clients):
    return {client.name: client.close_code for client in clients if client.close_code is not None}


async def within(seconds, *waits):
    """Run the waits together for at most ``seconds`` in all; those still waiting then are cancelled."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    _, pending = await asyncio.wait(tasks, timeout=seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def outcome_by_phase(clients, acknowledged, stored):
    """What became of the messages sent in each phase of an outage (a message's text names its phase)."""
    errors = [frame for client in clients for frame in client.errors]
    outcome = {}
    for phase in ("before", "down", "recovering", "up"):
        mine = {text for text in acknowledged if f" {phase} " in text}
        refused = Counter(frame["response_status"] for frame in errors if f" {phase} " in str(frame["request_id"]))
        delivered = sum(len(mine & {text for _, text in client.received}) for client in clients)
        outcome[phase] = (
            f"{len(mine)} acknowledged, {dict(refused)} refused, {len(mine & stored)} stored, {delivered} deliveries"
        )
    return outcome


# Sockets on Redis that carry nothing for IDLE seconds: redis-py's socket timeout must not close them.
IDLE_CLIENTS = 10
IDLE = 35


async def stay_quiet_then_talk(clients):
    async with AsyncExitStack() as stack:
        await connected(stack, clients)
        quiet_since = time.monotonic()
        await asyncio.sleep(IDLE)
        survived = min((client.closed_at for client in clients if client.closed_at), default=time.monotonic())
        if closes(clients):
            return survived - quiet_since
        speakers = clients[:SERVERS]  # one on each process
        for speaker in speakers:
            await speaker.say(f"{speaker.name} after the silence")
        await asyncio.gather(
            *(client.wait(lambda c=client: len(c.received) >= len(speakers), 10) for client in clients)
        )
        return survived - quiet_since


@pytest.mark.timeout(180)
def test_idle_sockets_stay_open_on_redis_and_still_get_group_messages(
    bake, project_python, redis_url, postgres_database, serve, record_property
):
    site = ChatSite.open(project_python, bake(**ALL_ON), postgres_database(), redis_url, IDLE_CLIENTS)
    servers, clients = start(site, serve)

    survived = asyncio.run(stay_quiet_then_talk(clients))

    closed = closes(clients)
    record_property(
        "figures",
        f"{IDLE_CLIENTS} sockets on {SERVERS} daphne processes idle {IDLE} s on Redis:"
        f" {len(closed)} closed {sorted(set(closed.values()))},"
        f" {'the first after' if closed else 'all open through'} {survived:.1f} s of silence",
    )
    assert not closed, f"idle sockets closed after {survived:.1f} s (name: close code): {closed}\n{logs(servers)}"
    for client in clients:
        texts = sorted(text for _, text in client.received)
        assert texts == sorted(f"{speaker.name} after the silence" for speaker in clients[:SERVERS]), client.name


# Redis stops for OUTAGE seconds (every key lost: no persistence) while the clients keep posting. Every message
# acknowledged must reach every subscriber, also in the first RECOVERY seconds after the restart, while the
# processes reconnect and put their channels back in their groups ("recovering" in the figures).
OUTAGE_CLIENTS = 6
OUTAGE = 4
SEND_EVERY = 0.5
RECOVERY = 5
AFTER = 10  # seconds of posting after the restart
DELIVERY = 10  # seconds a client may hear nothing while waiting for the messages it must receive


async def post(client, texts, every=SEND_EVERY):
    """Post each of ``texts`` (made as they are sent), one every ``every`` seconds, until the socket closes."""
    for text in texts:
        if not await client.say(text):
            return
        await asyncio.sleep(every)


def posts(client, seconds, phase, since):
    """Texts for ``seconds`` of posting, named by ``phase(seconds since since)`` at the time each is sent."""
    for sequence in range(int(seconds / SEND_EVERY)):
        yield f"{client.name} {phase(time.monotonic() - since)} {sequence:02d}"


async def live_through_a_restart(site, clients, redis):
    """Returns the seconds Redis was down and the presence rows once everything was delivered."""
    async with AsyncExitStack() as stack:
        await connected(stack, clients)
        for client in clients:
            await client.say(f"{client.name} before 00")
        await asyncio.gather(
            *(client.wait(lambda c=client: len(c.received) >= len(clients), DELIVERY) for client in clients)
        )

        await asyncio.to_thread(redis.halt)
        down_at = time.monotonic()
        await asyncio.gather(
            asyncio.sleep(OUTAGE),
            *(post(client, posts(client, OUTAGE, lambda _: "down", down_at)) for client in clients),
        )
        await asyncio.to_thread(redis.start)
        up_at = time.monotonic()
        outage = up_at - down_at

        def phase(elapsed):
            return "up" if elapsed >= RECOVERY else "recovering"

        await asyncio.gather(
            asyncio.sleep(AFTER), *(post(client, posts(client, AFTER, phase, up_at)) for client in clients)
        )
        sent = int(OUTAGE / SEND_EVERY) + int(AFTER / SEND_EVERY) + 1
        await asyncio.gather(*(client.wait(lambda c=client: c.replied() >= sent, DELIVERY) for client in clients))
        must_arrive = {text for client in clients for text in client.acknowledged}
        await asyncio.gather(
            *(client.wait(lambda c=client: must_arrive <= {t for _, t in c.received}, DELIVERY) for client in clients)
        )
        return outage, await asyncio.to_thread(site.presences)


@pytest.mark.timeout(180)
def test_a_redis_restart_closes_no_socket_and_loses_nothing_acknowledged(
    bake, project_python, redis_server, postgres_database, serve, record_property
):
    site = ChatSite.open(
        project_python, bake(**ALL_ON), postgres_database(), redis_server.url, OUTAGE_CLIENTS, CHAT_RATE_LIMIT=1000
    )
    servers, clients = start(site, serve)

    outage, presences = asyncio.run(live_through_a_restart(site, clients, redis_server))

    closed = closes(clients)
    stored = {text for _, text in site.stored()}
    statuses = sum((client.statuses for client in clients), start=Counter())
    acknowledged = {text for client in clients for text in client.acknowledged}
    by_phase = outcome_by_phase(clients, acknowledged, stored)
    record_property(
        "figures",
        f"Redis down {outage:.1f} s under {OUTAGE_CLIENTS} clients on {SERVERS} processes: {len(closed)} sockets"
        f" closed {sorted(set(closed.values()))}; replies {dict(sorted(statuses.items()))};"
        f" by phase (of {OUTAGE_CLIENTS} subscribers): {by_phase};"
        f" presence rows after: {len(presences)} ({sum(alive for *_, alive in presences)} alive)",
    )
    assert not closed, f"sockets closed by the Redis restart (name: code): {closed}\n{logs(servers)}"
    assert set(statuses) <= {201, 503}, f"replies other than 201 and 503: {statuses}\n{logs(servers)}"
    for client in clients:
        assert not [frame for frame in client.errors if frame["response_status"] != 503], client.errors
    assert acknowledged <= stored, f"acknowledged but not stored: {sorted(acknowledged - stored)}"
    for phase in ("recovering", "up"):
        assert any(f" {phase} " in text for text in acknowledged), f"nothing acknowledged {phase}: {statuses}"
    for client in clients:
        missing = acknowledged - {text for _, text in client.received}
        assert not missing, f"{client.name} never received {sorted(missing)}\n{logs(servers)}"
    assert sorted(username for username, _, alive in presences if alive) == sorted(c.name for c in clients)


# PostgreSQL stops ("fast" shutdown: it ends every connection) for at least DATABASE_OUTAGE seconds while the
# clients keep posting, then starts again on the same port and data. Each action that needs the database
# answers 503 meanwhile; DATABASE_RECOVERY seconds after the restart the persistent connections the processes
# held must have been replaced by themselves, so that every message is acknowledged, stored and delivered.
DATABASE_CLIENTS = 6
BEFORE = 2  # seconds of posting before the database stops
DATABASE_OUTAGE = 5
DATABASE_RECOVERY = 3
DATABASE_AFTER = 8  # seconds of posting once recovered
DATABASE_UNAVAILABLE = "The database is temporarily unavailable, retry."
OUTAGE_LOGGED = "The database is unavailable"
# Lines per process: one when the outage begins, plus at most one for each connection (one per worker thread)
# found broken after another had reconnected.
OUTAGE_LOG_LIMIT = 3


class Phases:
    """The phase of the test each message is sent in, named in its text; the posting ends with ``None``."""

    def __init__(self):
        self.current = "before"
        self.sent = {}

    def texts(self, client):
        sent = self.sent.setdefault(client.name, [])
        while self.current is not None:
            sent.append(f"{client.name} {self.current} {len(sent):02d}")
            yield sent[-1]


async def live_through_a_database_restart(clients, postgres):
    """Returns the seconds PostgreSQL was down."""
    phases = Phases()
    async with AsyncExitStack() as stack:
        await connected(stack, clients)
        posting = [asyncio.create_task(post(client, phases.texts(client))) for client in clients]
        await asyncio.sleep(BEFORE)
        phases.current = "down"
        await asyncio.to_thread(postgres.halt)
        down_at = time.monotonic()
        await asyncio.sleep(DATABASE_OUTAGE)
        await asyncio.to_thread(postgres.start)
        outage = time.monotonic() - down_at
        phases.current = "recovering"
        await asyncio.sleep(DATABASE_RECOVERY)
        phases.current = "up"
        await asyncio.sleep(DATABASE_AFTER)
        phases.current = None
        await asyncio.gather(*posting)
        await asyncio.gather(
            *(client.wait(lambda c=client: c.replied() >= len(phases.sent[c.name]), DELIVERY) for client in clients)
        )
        must_arrive = {text for client in clients for text in client.acknowledged if " up " in text}
        await asyncio.gather(
            *(client.wait(lambda c=client: must_arrive <= {t for _, t in c.received}, DELIVERY) for client in clients)
        )
        return outage


@pytest.mark.timeout(120)
def test_a_database_restart_closes_no_socket_and_service_resumes_by_itself(
    bake, project_python, redis_url, own_postgres_server, serve, record_property
):
    site = ChatSite.open(
        project_python,
        bake(**ALL_ON),
        own_postgres_server.create_database(),
        redis_url,
        DATABASE_CLIENTS,
        CHAT_RATE_LIMIT=1000,
    )
    servers, clients = start(site, serve)

    outage = asyncio.run(live_through_a_database_restart(clients, own_postgres_server))

    closed = closes(clients)
    stored = {text for _, text in site.stored()}
    acknowledged = {text for client in clients for text in client.acknowledged}
    errors = [frame for client in clients for frame in client.errors]
    by_phase = outcome_by_phase(clients, acknowledged, stored)
    logged = {server.port: server.process.log().count(OUTAGE_LOGGED) for server in servers}
    statuses = sum((client.statuses for client in clients), start=Counter())
    record_property(
        "figures",
        f"PostgreSQL down {outage:.1f} s under {DATABASE_CLIENTS} clients on {SERVERS} processes:"
        f" {len(closed)} sockets closed {sorted(set(closed.values()))}; replies {dict(sorted(statuses.items()))};"
        f" by phase (of {DATABASE_CLIENTS} subscribers): {by_phase};"
        f" outage log lines per process: {sorted(logged.values())}",
    )
    assert not closed, f"sockets closed by the database restart (name: code): {closed}\n{logs(servers)}"
    assert set(statuses) <= {201, 503}, f"replies other than 201 and 503: {statuses}\n{logs(servers)}"
    unavailable = (503, [DATABASE_UNAVAILABLE])
    unexpected = [frame for frame in errors if (frame["response_status"], frame["errors"]) != unavailable]
    assert not unexpected, f"error frames other than the database's 503: {unexpected}"
    assert acknowledged <= stored, f"acknowledged but not stored: {sorted(acknowledged - stored)}"
    up = [frame["request_id"] for frame in errors if " up " in str(frame["request_id"])]
    assert not up, f"refused {DATABASE_RECOVERY} s and more after the restart: {up}\n{logs(servers)}"
    must_arrive = {text for text in acknowledged if " up " in text}
    assert must_arrive, f"nothing acknowledged once the database was back: {statuses}"
    for client in clients:
        missing = must_arrive - {text for _, text in client.received}
        assert not missing, f"{client.name} never received {sorted(missing)}\n{logs(servers)}"
    for server in servers:
        log = server.process.log()
        assert 1 <= logged[server.port] <= OUTAGE_LOG_LIMIT, f"{logged[server.port]} outage lines:\n{tail(log)}"
        assert "Traceback" not in log and "A server error occurred" not in log, tail(log)


# One daphne of two is killed (SIGKILL: no teardown runs); the survivors must see its users leave once their
# presences expire, after PRESENCE_TTL and one refresh period (a third of it).
KILL_CLIENTS = 6
PRESENCE_TTL = 6
PRESENCE_MARGIN = 5  # seconds beyond the TTL and one refresh for the clearing to reach the clients
KILL_MESSAGES = 10


async def live_through_a_kill(site, clients, victim):
    """Returns the seconds from the kill until the survivors' presence lists dropped the victim's users, and the
    presence rows then."""
    killed = [client for client in clients if client.server is victim]
    survivors = [client for client in clients if client.server is not victim]
    everyone, gone = sorted(c.name for c in clients), {c.name for c in killed}
    async with AsyncExitStack() as stack:
        await connected(stack, clients)
        await asyncio.gather(
            *(client.until(lambda c=client: c.present == everyone, "seeing everyone") for client in clients)
        )
        posting = [
            asyncio.create_task(post(client, map(client.text, range(KILL_MESSAGES)), every=0.1)) for client in clients
        ]
        await killed[0].wait(lambda: len(killed[0].acknowledged) >= 2, DELIVERY)
        victim.process.process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        await asyncio.gather(*posting)
        deadline = PRESENCE_TTL * 4 / 3 + PRESENCE_MARGIN
        await within(
            deadline, *(client.wait(lambda c=client: gone.isdisjoint(c.present), deadline) for client in survivors)
        )
        dropped = time.monotonic() - killed_at
        acknowledged = {text for client in clients for text in client.acknowledged}
        await asyncio.gather(
            *(
                client.wait(lambda c=client: acknowledged <= {t for _, t in c.received}, DELIVERY)
                for client in survivors
            )
        )
        return dropped, await asyncio.to_thread(site.presences)


@pytest.mark.timeout(180)
def test_a_killed_process_loses_nothing_acknowledged_and_its_presences_expire(
    bake, project_python, redis_url, postgres_database, serve, record_property
):
    site = ChatSite.open(
        project_python,
        bake(**ALL_ON),
        postgres_database(),
        redis_url,
        KILL_CLIENTS,
        CHAT_PRESENCE_TTL=PRESENCE_TTL,
        CHAT_RATE_LIMIT=1000,
    )
    servers, clients = start(site, serve)
    victim = servers[0]
    killed = [client for client in clients if client.server is victim]
    survivors = [client for client in clients if client.server is not victim]

    dropped, presences = asyncio.run(live_through_a_kill(site, clients, victim))

    left = [(username, alive) for username, _, alive in presences if username in {c.name for c in killed}]
    stored = {text for _, text in site.stored()}
    acknowledged = {text for client in clients for text in client.acknowledged}
    delivered = sum(len(acknowledged & {text for _, text in client.received}) for client in survivors)
    record_property(
        "figures",
        f"1 of {SERVERS} daphne processes killed under {KILL_CLIENTS} clients (presence TTL {PRESENCE_TTL} s):"
        f" {len(acknowledged)} messages acknowledged, {len(acknowledged & stored)} stored,"
        f" {delivered} deliveries to {len(survivors)} survivors; its users left the presence lists"
        f" {dropped:.1f} s after the kill; presence rows of its clients left: {len(left)}",
    )
    assert acknowledged <= stored, f"acknowledged but not stored: {sorted(acknowledged - stored)}"
    assert not closes(survivors), f"sockets on the surviving process closed: {closes(survivors)}\n{logs(servers)}"
    for client in survivors:
        assert not client.errors, f"{client.name}: {client.errors}"
        assert client.present == sorted(c.name for c in survivors), f"{client.name} still sees {client.present}"
        missing = acknowledged - {text for _, text in client.received}
        assert not missing, f"{client.name} never received {sorted(missing)}"
    assert not left, f"presence rows of the killed process's clients (username, alive): {left}\n{logs(servers)}"
    assert sorted(username for username, _, alive in presences if alive) == sorted(c.name for c in survivors)


# A session logged out over HTTP on one process closes its sockets on the other within a second.
LOGOUT_CLOSE_CODE = 4401
LOGOUT_DEADLINE = 1


async def log_out_elsewhere(leaver, stayer, other_server):
    """Returns the seconds from the logout request to the close of the leaver's socket, or None.

    Counted from the start of the logout (a GET for the CSRF token, then the POST): the close may reach
    the socket before the response reaches the client, so the response is no starting point.
    """
    async with AsyncExitStack() as stack:
        await connected(stack, [leaver, stayer])
        requested = time.monotonic()
        status = await asyncio.to_thread(logout, other_server, leaver.cookie)
        assert status in (200, 302), f"logout answered {status}"
        await within(LOGOUT_DEADLINE, leaver.wait(lambda: leaver.close_code is not None, LOGOUT_DEADLINE))
        await stayer.wait(lambda: stayer.present == [stayer.name], DELIVERY)
        return None if leaver.closed_at is None else leaver.closed_at - requested


@pytest.mark.timeout(120)
def test_logging_out_closes_the_sessions_sockets_on_another_process(
    bake, project_python, redis_url, postgres_database, serve, record_property
):
    site = ChatSite.open(project_python, bake(**ALL_ON), postgres_database(), redis_url, 2, pages=True)
    servers, (leaver, stayer) = start(site, serve, servers=1)
    other = serve(site.project, site.environment)

    latency = asyncio.run(log_out_elsewhere(leaver, stayer, other))

    record_property(
        "figures",
        f"logout over HTTP on the other process: socket closed with {leaver.close_code}"
        + (
            f" {latency * 1000:.0f} ms after the logout began (a GET for its CSRF token, then the POST)"
            if latency is not None
            else " (not closed)"
        ),
    )
    assert leaver.close_code == LOGOUT_CLOSE_CODE, (
        f"the logged-out session's socket: close code {leaver.close_code} within {LOGOUT_DEADLINE} s\n"
        f"{logs([*servers, other])}"
    )
    assert stayer.close_code is None, f"another user's socket closed ({stayer.close_code})"
    assert stayer.present == [stayer.name], f"{stayer.name} still sees {stayer.present}"
