"""Values of model fields as messages give them: JSON scalars, checked strictly before they reach a query."""

from django.core.exceptions import FieldDoesNotExist


def model_field(model, path):
    """The model field a lookup path (``"pk"``, ``"room__name"``) ends on, or ``None`` if it ends on a lookup."""
    field = None
    for part in path.split("__"):
        if field is not None:
            if not field.is_relation:
                return None
            model = field.related_model
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
    return field


def field_value(model, path, value):
    """``value`` as the field at ``path`` holds it; raises ``ValueError`` unless it is exactly one of its values.

    Django converts leniently (``1.5``, ``" 1"`` and ``true`` all become 1), which would let a malformed lookup
    find an object: the value must be a JSON scalar of the field's kind and survive conversion unchanged
    (an integer, or its digits as a string). Values out of the field's range raise ``ValidationError``.
    """
    if not isinstance(value, str | int | float):
        raise ValueError("A lookup value is a string or a number.")
    field = model_field(model, path)
    if field is None:
        return value
    if field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field  # a relation is filtered by the field it points to, with that field's range
    python = field.to_python(value)
    if isinstance(python, bool) != isinstance(value, bool):
        raise ValueError("Booleans look up boolean fields only.")
    if isinstance(python, int | str) and python != value and str(python) != value:
        raise ValueError("Not a value of this field.")
    if isinstance(python, int) and isinstance(value, float):
        raise ValueError("Not an integer.")
    field.run_validators(python)
    return python
