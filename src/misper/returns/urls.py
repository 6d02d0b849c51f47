"""The return-interview pages. Only numeric ids appear in these addresses; every form is a
POST, and the queue's one filter (open, mine, closed) carries no personal data."""

from django.urls import path

from misper.returns import report_views, views

app_name = "returns"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("coverage/", report_views.coverage, name="coverage"),
    path("arrangements/", report_views.arrangements, name="arrangements"),
    path("<id:referral_id>/", views.detail, name="detail"),
    path(
        "<id:referral_id>/information/<id:request_id>/answer/",
        views.information_answer,
        name="information_answer",
    ),
    path(
        "<id:referral_id>/disclosures/<id:disclosure_id>/done/",
        views.disclosure_done,
        name="disclosure_done",
    ),
    path(
        "<id:referral_id>/recommendations/<id:recommendation_id>/done/",
        views.recommendation_done,
        name="recommendation_done",
    ),
    *[
        path(f"<id:referral_id>/{name}/", views.action_view(name), name=name)
        for name in views.ACTIONS
    ],
]
