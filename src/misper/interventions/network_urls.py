"""The network's pages, under /network/ (issue 12, part 5). Only numeric ids appear in
these addresses; every form is a POST."""

from django.urls import path

from misper.interventions import network_views as views

app_name = "network"

urlpatterns = [
    path("children/<id:person_id>/", views.child, name="child"),
    path("adults/", views.adults, name="adults"),
    path("adults/new/", views.adult_new, name="adult_new"),
    path("adults/<id:adult_id>/", views.adult, name="adult"),
    path("adults/<id:adult_id>/change/", views.adult_change, name="adult_change"),
    path(
        "associates/<id:associate_id>/link/",
        views.associate_link_page,
        name="associate_link",
    ),
    path("places/<id:location_id>/", views.place, name="place"),
    path("places/<id:location_id>/refuge/", views.place_refuge, name="place_refuge"),
]
