from django.urls import path

from .views import AsyncAPIDocView, AsyncAPISpecView

urlpatterns = [
    path("", AsyncAPIDocView.as_view(), name="asyncapi-docs"),
    path("schema/", AsyncAPISpecView.as_view(), name="asyncapi-schema"),
]
