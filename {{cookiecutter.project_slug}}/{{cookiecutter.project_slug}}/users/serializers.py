"""How a user looks on the API, over websockets and REST alike.

Replies carry ``id``, ``username`` and ``email``; a password is write-only and never returned.
An email address is personal: it is shown to staff and to its owner only.
"""

from django.contrib.auth import password_validation
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .models import User

PASSWORD_FIELD = {"write_only": True, "required": False, "trim_whitespace": False, "style": {"input_type": "password"}}


class UserSerializer(serializers.ModelSerializer):
    """Sign-up and profile edits with Django's own rules.

    A password comes either as ``password`` or, like the sign-up form, as ``password1`` + ``password2``.
    It must pass ``AUTH_PASSWORD_VALIDATORS`` and is stored hashed. Usernames and emails are unique
    regardless of case (the model only enforces exact usernames), so ``Alice`` cannot shadow ``alice``.
    """

    password = serializers.CharField(**PASSWORD_FIELD)
    password1 = serializers.CharField(**PASSWORD_FIELD)
    password2 = serializers.CharField(**PASSWORD_FIELD)

    class Meta:
        model = User
        fields = ["id", "username", "email", "password", "password1", "password2"]
        # Django's own username rules; uniqueness is checked below, regardless of case.
        extra_kwargs = {"username": {"validators": [User.username_validator]}}

    def validate_username(self, value):
        username = User.normalize_username(value)
        self.check_unique("username", username)
        return username

    def validate_email(self, value):
        email = User.objects.normalize_email(value)
        if email:
            self.check_unique("email", email)
        return email

    def check_unique(self, field, value):
        """Refuse a value another account has in any case (the model only enforces exact usernames)."""
        others = User.objects.exclude(pk=getattr(self.instance, "pk", None))
        if others.filter(**{f"{field}__iexact": value}).exists():
            raise serializers.ValidationError(f"A user with that {field} already exists.")

    def validate(self, attrs):
        field, password = self.pop_password(attrs)
        if password is None:
            if self.instance is None:
                raise serializers.ValidationError({"password": ["This field is required."]})
            return attrs
        # The similarity validator compares the password with the user's attributes as they will be saved.
        user = User(**{**self.current_values(), **attrs})
        try:
            password_validation.validate_password(password, user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({field: list(exc.messages)}) from exc
        attrs["password"] = password
        return attrs

    def pop_password(self, attrs):
        """Return ``(field to report errors on, password)`` from either accepted form."""
        single = attrs.pop("password", None)
        first, second = attrs.pop("password1", None), attrs.pop("password2", None)
        if first is None and second is None:
            return "password", single
        if single is not None:
            raise serializers.ValidationError({"password": ["Send either password or password1 and password2."]})
        if first != second:
            raise serializers.ValidationError({"password2": ["The two password fields didn’t match."]})
        return "password1", first

    def current_values(self):
        if self.instance is None:
            return {}
        return {"username": self.instance.username, "email": self.instance.email}

    def create(self, validated_data):
        user = User.objects.create_user(**validated_data)
        # Whoever signs up just sent this email; echoing it back reveals nothing.
        self.created = user
        return user

    def update(self, instance, validated_data):
        password = validated_data.pop("password", None)
        if password is not None:
            instance.set_password(password)
        return super().update(instance, validated_data)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.may_see_email(instance):
            del data["email"]
        return data

    def may_see_email(self, instance):
        # Without a request (a shell, a script) nobody in particular is looking: show no email.
        viewer = getattr(self.context.get("request"), "user", AnonymousUser())
        return viewer.is_staff or viewer.pk == instance.pk or instance is getattr(self, "created", None)
