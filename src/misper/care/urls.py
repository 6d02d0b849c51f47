"""Children's services pages. Only numeric ids appear in these addresses: the child's id,
a version number, a worker's id, and the two version numbers a comparison asks for."""

from django.urls import path

from misper.care import views

app_name = "care"

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("team/", views.team, name="team"),
    path("team/<id:user_id>/", views.team_worker, name="team_worker"),
    path("children/<id:person_id>/assessment/", views.assessment, name="assessment"),
    path("children/<id:person_id>/assessment/new/", views.new_version, name="new_version"),
    path("children/<id:person_id>/assessment/compare/", views.compare, name="compare"),
    path("children/<id:person_id>/assessment/<id:number>/", views.version, name="version"),
    path(
        "children/<id:person_id>/assessment/<id:number>/print/",
        views.print_version,
        name="print",
    ),
    path("children/<id:person_id>/assessment/<id:number>/pdf/", views.pdf_version, name="pdf"),
]
