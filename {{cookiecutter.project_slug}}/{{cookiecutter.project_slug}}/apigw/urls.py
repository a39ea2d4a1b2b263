from django.urls import path

from . import events, views

urlpatterns = [
    path("token/", views.websocket_token, name="websocket_token"),
    path("dashboard/", views.DashboardView.as_view(), name="apigw_dashboard"),
{%- if cookiecutter.use_chat_demo %}
    path("chat/room/<int:pk>/", views.ChatRoomView.as_view(), name="apigw_chat_room"),
{%- endif %}
    path("events/<slug:route>", events.gateway_event, name="apigw_event"),
]
