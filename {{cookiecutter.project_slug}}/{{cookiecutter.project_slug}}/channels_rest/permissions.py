"""Permissions for websocket consumers.

A permission answers three questions, each written sync or async as the
subclass prefers:

* ``can_connect(scope, consumer, message=None)``: may this socket open at all?
* ``has_permission(scope, consumer, action, **kwargs)``: may it run this action?
* ``has_object_permission(scope, consumer, action, obj, **kwargs)``: may it see or
  change this object? Checked by ``GenericAsyncAPIConsumer.get_object`` and
  before observer deliveries.

Every permission runs on the event loop. A sync method is turned into a coroutine function once, when its
class is created, that runs it in a database-safe thread (the original stays reachable as ``__wrapped__``);
so callers always ``await`` one method, and code in a worker thread (``get_object``) asks the consumer's
``check_object_permissions`` on the loop.

Classes compose with ``&``, ``|`` and ``~``, also with DRF permission classes,
which are wrapped in ``WrappedDRFPermission`` and see a request built from the
scope.
"""

import functools

from asgiref.sync import iscoroutinefunction
from channels.db import database_sync_to_async
from rest_framework import permissions as drf_permissions

from .methods import ACTION_METHODS, http_method
from .scope_utils import api_request_from_scope

# The methods a subclass may write sync or async.
PERMISSION_METHODS = ("has_permission", "can_connect", "has_object_permission")


class OperationHolderMixin:
    def __and__(self, other):
        return OperandHolder(AND, self, other)

    def __or__(self, other):
        return OperandHolder(OR, self, other)

    def __rand__(self, other):
        return OperandHolder(AND, other, self)

    def __ror__(self, other):
        return OperandHolder(OR, other, self)

    def __invert__(self):
        return SingleOperandHolder(NOT, self)


class SingleOperandHolder(OperationHolderMixin):
    """``~Permission``: instantiated like a permission class."""

    def __init__(self, operator_class, op1_class):
        self.operator_class = operator_class
        self.op1_class = op1_class

    def __call__(self):
        return self.operator_class(as_permission(self.op1_class))


class OperandHolder(OperationHolderMixin):
    """``A & B`` or ``A | B``: instantiated like a permission class."""

    def __init__(self, operator_class, op1_class, op2_class):
        self.operator_class = operator_class
        self.op1_class = op1_class
        self.op2_class = op2_class

    def __call__(self):
        return self.operator_class(as_permission(self.op1_class), as_permission(self.op2_class))

    def __eq__(self, other):
        return isinstance(other, OperandHolder) and (self.operator_class, self.op1_class, self.op2_class) == (
            other.operator_class,
            other.op1_class,
            other.op2_class,
        )

    def __hash__(self):
        return hash((self.operator_class, self.op1_class, self.op2_class))


class BasePermissionMetaclass(OperationHolderMixin, drf_permissions.BasePermissionMetaclass):
    """Gives permission classes ``&``, ``|`` and ``~``.

    Deriving from DRF's metaclass makes Python try our reflected operators first,
    so ``DRFPermission & OurPermission`` builds our composition, not DRF's.
    """


def _in_thread(method):
    run = database_sync_to_async(method)

    @functools.wraps(method)
    async def in_thread(self, *args, **kwargs):
        return await run(self, *args, **kwargs)

    return in_thread


class BasePermission(metaclass=BasePermissionMetaclass):
    """Allows everything; override the questions you want to answer differently.

    ``checks_objects`` tells whether ``has_object_permission`` can say no, so
    that ``get_object`` skips the check entirely when no permission looks at
    objects.
    """

    checks_objects = False

    async def has_permission(self, scope, consumer, action, **kwargs):
        return True

    async def can_connect(self, scope, consumer, message=None):
        return True

    async def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        return True

    def __init_subclass__(cls, **kwargs):
        """Turn sync overrides into coroutine functions once, at class creation."""
        super().__init_subclass__(**kwargs)
        for name in PERMISSION_METHODS:
            method = cls.__dict__.get(name)
            if method is not None and not iscoroutinefunction(method):
                setattr(cls, name, _in_thread(method))
        if "has_object_permission" in cls.__dict__:
            cls.checks_objects = True


class AllowAny(BasePermission):
    """Allow every connection and action."""


class IsAuthenticated(BasePermission):
    """Allow only sockets whose scope carries an authenticated user."""

    async def has_permission(self, scope, consumer, action, **kwargs):
        user = scope.get("user")
        return bool(user is not None and user.pk and user.is_authenticated)


class AND(BasePermission):
    def __init__(self, op1, op2):
        self.op1 = op1
        self.op2 = op2
        self.checks_objects = op1.checks_objects or op2.checks_objects

    async def has_permission(self, scope, consumer, action, **kwargs):
        return await self.op1.has_permission(scope, consumer, action, **kwargs) and await self.op2.has_permission(
            scope, consumer, action, **kwargs
        )

    async def can_connect(self, scope, consumer, message=None):
        return await self.op1.can_connect(scope, consumer, message) and await self.op2.can_connect(
            scope, consumer, message
        )

    async def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        return await self.op1.has_object_permission(
            scope, consumer, action, obj, **kwargs
        ) and await self.op2.has_object_permission(scope, consumer, action, obj, **kwargs)


class OR(BasePermission):
    """Either operand allows.

    For objects, an operand counts only when it also allows the action, as in
    DRF: ``IsStaff | IsOwner`` must not let a non-staff user reach every object
    because ``IsStaff`` has no opinion about objects.
    """

    def __init__(self, op1, op2):
        self.op1 = op1
        self.op2 = op2
        self.checks_objects = op1.checks_objects or op2.checks_objects

    async def has_permission(self, scope, consumer, action, **kwargs):
        return await self.op1.has_permission(scope, consumer, action, **kwargs) or await self.op2.has_permission(
            scope, consumer, action, **kwargs
        )

    async def can_connect(self, scope, consumer, message=None):
        return await self.op1.can_connect(scope, consumer, message) or await self.op2.can_connect(
            scope, consumer, message
        )

    async def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        for op in (self.op1, self.op2):
            if await op.has_permission(scope, consumer, action, **kwargs) and await op.has_object_permission(
                scope, consumer, action, obj, **kwargs
            ):
                return True
        return False


class NOT(BasePermission):
    """The operand's answer reversed.

    Objects are only checked when the operand checks them: ``~IsAuthenticated``
    must not deny every object just because ``IsAuthenticated`` allows them all.
    """

    def __init__(self, op1):
        self.op1 = op1
        self.checks_objects = op1.checks_objects

    async def has_permission(self, scope, consumer, action, **kwargs):
        return not await self.op1.has_permission(scope, consumer, action, **kwargs)

    async def can_connect(self, scope, consumer, message=None):
        return not await self.op1.can_connect(scope, consumer, message)

    async def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        if not self.checks_objects:
            return True
        return not await self.op1.has_object_permission(scope, consumer, action, obj, **kwargs)


class WrappedDRFPermission(BasePermission):
    """A DRF permission asked about a websocket action.

    DRF permissions reason about HTTP requests, so each question gets a DRF
    request built from the scope (authenticated as the scope's user) whose
    method stands for the action (``methods.ACTION_METHODS``); the consumer plays the view.
    """

    mapped_actions = ACTION_METHODS

    def __init__(self, permission, mapped_actions=None):
        self.permission = permission
        if mapped_actions is not None:
            self.mapped_actions = mapped_actions
        overridden = getattr(type(permission), "has_object_permission", None)
        self.checks_objects = overridden is not drf_permissions.BasePermission.has_object_permission

    def request(self, scope, action):
        return api_request_from_scope(scope, method=http_method(action, self.mapped_actions))

    def has_permission(self, scope, consumer, action, **kwargs):
        return bool(self.permission.has_permission(self.request(scope, action), consumer))

    def has_object_permission(self, scope, consumer, action, obj, **kwargs):
        return bool(self.permission.has_object_permission(self.request(scope, action), consumer, obj))

    async def can_connect(self, scope, consumer, message=None):
        return await self.has_permission(scope, consumer, "connect")


# DRF's own compositions, rebuilt from ours so that they may contain permissions of either kind.
DRF_OPERATORS = {drf_permissions.AND: AND, drf_permissions.OR: OR, drf_permissions.NOT: NOT}


def as_permission(permission):
    """An instance with this module's interface for any entry of ``permission_classes``.

    Accepts our classes, instances and compositions, and DRF's classes,
    instances and compositions (``DRFA | DRFB`` and mixed ones alike).
    """
    if isinstance(permission, BasePermission):
        return permission
    if isinstance(permission, OperandHolder | SingleOperandHolder):
        return permission()
    if isinstance(permission, drf_permissions.OperandHolder) and permission.operator_class in DRF_OPERATORS:
        operator = DRF_OPERATORS[permission.operator_class]
        return operator(as_permission(permission.op1_class), as_permission(permission.op2_class))
    if isinstance(permission, drf_permissions.SingleOperandHolder) and permission.operator_class in DRF_OPERATORS:
        return DRF_OPERATORS[permission.operator_class](as_permission(permission.op1_class))
    if isinstance(permission, type):
        return permission() if issubclass(permission, BasePermission) else WrappedDRFPermission(permission())
    if isinstance(permission, drf_permissions.OperandHolder | drf_permissions.SingleOperandHolder):
        return WrappedDRFPermission(permission())
    return WrappedDRFPermission(permission)
