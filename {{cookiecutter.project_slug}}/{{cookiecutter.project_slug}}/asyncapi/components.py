"""``components.schemas`` and ``components.messages``: hoisted definitions under stable unique names.

A schema is registered once per source (a serializer class and how it is read) and referenced
with a local ``$ref``; two different serializers that would share a name get their app's name
as a prefix (``ChatUser``, ``UsersUser``), then a number. Messages are named by the generator,
and two sources claiming one message name are a ``DocumentError`` naming both.
"""

import re


class DocumentError(Exception):
    """The consumers cannot be described as one valid document (two things claim one name)."""


def camel(text):
    """``join_room`` / ``chat-room`` -> ``JoinRoom`` / ``ChatRoom``."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", text) if word)


class Components:
    def __init__(self):
        self.schemas = {}
        self.messages = {}
        self._schema_sources = {}  # source key -> name
        self._message_origins = {}  # name -> what claimed it

    def schema_ref(self, key, name, build, module=""):
        """A ``$ref`` to the schema of ``key``, built by ``build()`` the first time ``key`` is seen."""
        if key not in self._schema_sources:
            name = self.free_schema_name(camel(name) or "Schema", module)
            self._schema_sources[key] = name
            self.schemas[name] = {}  # reserved before building, for serializers that nest themselves
            self.schemas[name] = build()
        return {"$ref": f"#/components/schemas/{self._schema_sources[key]}"}

    def free_schema_name(self, name, module):
        if name not in self.schemas:
            return name
        app = camel(module.split(".")[-2]) if module.count(".") else ""
        candidate, number = app + name, 2
        while candidate in self.schemas:
            candidate, number = f"{app}{name}{number}", number + 1
        return candidate

    def add_message(self, name, message, origin):
        """Register ``message`` as ``name``; raises ``DocumentError`` if another origin has that name."""
        if name in self._message_origins:
            raise DocumentError(
                f"Two messages are both named {name!r}: {self._message_origins[name]} and {origin}. "
                "Rename one (the action's name, the observer's attribute, or with the documentation decorators)."
            )
        self._message_origins[name] = origin
        self.messages[name] = message
        return {"$ref": f"#/components/messages/{name}"}
