"""The inbox, and the administrators' delivery pages. Ids only in addresses."""

from django.urls import path

from misper.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<id:message_id>/", views.message_open, name="open"),
    path("<id:message_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<id:message_id>/", views.delivery, name="delivery"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("sharing/", views.arrangements, name="arrangements"),
    path(
        "webhooks/<id:endpoint_id>/deactivate/",
        views.webhook_deactivate,
        name="webhook_deactivate",
    ),
]
