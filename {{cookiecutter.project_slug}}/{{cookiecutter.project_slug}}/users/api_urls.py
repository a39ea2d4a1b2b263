"""URLs under ``/api/``: the browsable root and ``users/``."""

from rest_framework.routers import DefaultRouter

from .api import UserViewSet

app_name = "api"

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")

urlpatterns = router.urls
