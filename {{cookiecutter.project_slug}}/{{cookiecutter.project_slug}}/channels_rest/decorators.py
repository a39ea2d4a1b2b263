"""Mark consumer methods as actions, and run methods as detached tasks."""

import functools

from asgiref.sync import iscoroutinefunction
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction


def atomic_requests():
    """Django's ``ATOMIC_REQUESTS`` for the default database, read when the action runs."""
    return settings.DATABASES["default"].get("ATOMIC_REQUESTS", False)


def action(atomic=None, detached=None, **kwargs):
    """Expose a consumer method as an action that clients call by name.

    * async methods are awaited on the event loop; ``detached=True`` runs each
      call in its own task, so the socket keeps serving other actions meanwhile
      (the task replies when it is done and is cancelled on disconnect);
    * sync methods run in a database-safe thread, inside ``transaction.atomic``
      when ``atomic`` is true (default: the database's ``ATOMIC_REQUESTS``).

    ``name="other"`` exposes the method under another action name; the other
    keyword arguments are kept on the method as ``method.kwargs``.
    """

    def decorator(func):
        if iscoroutinefunction(func):
            if atomic:
                raise ValueError(f"{func.__qualname__}: only synchronous actions can be atomic.")
            wrapped = func
        else:
            if detached:
                raise ValueError(f"{func.__qualname__}: only asynchronous actions can be detached.")
            wrapped = _in_database_thread(func, atomic)
        wrapped.action = True
        wrapped.detached = bool(detached)
        wrapped.kwargs = kwargs
        return wrapped

    return decorator


def _in_database_thread(func, atomic):
    def run(*args, **kwargs):
        if atomic or (atomic is None and atomic_requests()):
            with transaction.atomic():
                return func(*args, **kwargs)
        return func(*args, **kwargs)

    run_in_thread = database_sync_to_async(run)

    @functools.wraps(func)
    async def sync_action(*args, **kwargs):
        return await run_in_thread(*args, **kwargs)

    return sync_action


def detached(func):
    """Calling the method starts it as a task of the consumer and returns at once.

    The task is cancelled when the socket disconnects; its errors are logged.
    """
    if not iscoroutinefunction(func):
        raise ValueError(f"{func.__qualname__}: only asynchronous methods can be detached.")

    @functools.wraps(func)
    async def start(self, *args, **kwargs):
        self.start_detached_task(func(self, *args, **kwargs), name=func.__name__)

    return start
