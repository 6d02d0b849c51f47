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
    path(
        "people/<id:person_id>/carer-report/new/",
        views.carer_report_new,
        name="carer_report_new",
    ),
    path("episodes/carer-reports/", views.carer_reports, name="carer_reports"),
    path("episodes/carer-reports/<id:report_id>/", views.carer_report_detail, name="carer_report"),
    path(
        "episodes/carer-reports/<id:report_id>/return/",
        views.carer_report_return,
        name="carer_report_return",
    ),
    path("episodes/<id:episode_id>/", views.detail, name="detail"),
    path("episodes/<id:episode_id>/cse-screening/", views.cse_screening, name="cse_screening"),
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
