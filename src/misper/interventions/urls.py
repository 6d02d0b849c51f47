"""The repeat-missing pages. Only numeric ids appear in these addresses; every form is a
POST."""

from django.urls import path

from misper.interventions import harbouring_views, views

app_name = "interventions"

urlpatterns = [
    path("", views.triggers, name="triggers"),
    # Harbouring warning notices (R-HRB-01..07).
    path("harbouring/", harbouring_views.notices, name="harbouring"),
    path("harbouring/new/", harbouring_views.prepare, name="harbouring_new"),
    path("harbouring/<id:notice_id>/", harbouring_views.notice, name="harbouring_notice"),
    *[
        path(
            f"harbouring/<id:notice_id>/{name}/",
            harbouring_views.step_view(name),
            name=f"harbouring_{name}",
        )
        for name in harbouring_views.STEPS
    ],
    path("raise/<id:person_id>/", views.raise_intervention, name="raise"),
    path("<id:trigger_id>/", views.detail, name="detail"),
    path("<id:trigger_id>/mase/", views.mase_record, name="mase"),
    path("<id:trigger_id>/mase/list/", views.mase_list, name="mase_list"),
    path(
        "<id:trigger_id>/actions/<id:action_id>/done/",
        views.action_done,
        name="action_done",
    ),
    *[
        path(f"<id:trigger_id>/{name}/", views.action_view(name), name=name)
        for name in views.ACTIONS
    ],
]
