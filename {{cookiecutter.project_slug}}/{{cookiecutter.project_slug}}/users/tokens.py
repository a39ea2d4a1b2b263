"""``/api/token/refresh/`` under the rules every use of a token follows.

simplejwt's own refresh looks the account up without handling a deleted one (a server error), and does not
compare the password digest that ``CHECK_REVOKE_TOKEN`` puts in tokens, so it would hand out access tokens
that every use then refuses. Here a refresh token is first held to the rules of ``JWTAuthentication``: its
account exists, is active and still has the password the token was issued under.
"""

from rest_framework_simplejwt import serializers
from rest_framework_simplejwt.authentication import JWTAuthentication


class TokenRefreshSerializer(serializers.TokenRefreshSerializer):
    def validate(self, attrs):
        JWTAuthentication().get_user(self.token_class(attrs["refresh"]))
        return super().validate(attrs)
