"""The episode pages. Only numeric ids appear in these addresses; every form is a POST."""

from django.urls import path

from misper.episodes import views

app_name = "episodes"

urlpatterns = [
    path("episodes/report/", views.report_start, name="report_start"),
    path("people/<id:person_id>/report/", views.report, name="report"),
    path("episodes/supervision/", views.supervision, name="supervision"),
    path("episodes/dmm/", views.dmm, name="dmm"),
    path("episodes/mine/", views.my_cases, name="my_cases"),
    path("episodes/work/", views.work, name="work"),
    path("episodes/<id:episode_id>/", views.detail, name="detail"),
    path(
        "episodes/transfers/<id:transfer_id>/decision/",
        views.transfer_decide,
        name="transfer_decide",
    ),
    *[
        path(f"episodes/<id:episode_id>/{name}/", views.action_view(name), name=name)
        for name in views.ACTIONS
    ],
]
