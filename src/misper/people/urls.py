"""The child's record pages. Only numeric ids appear in these addresses: searches and
forms are sent by POST, so no name, date of birth or phone number is ever in a URL."""

from django.urls import path

from misper.people import duplicate_views, photo_views, views

app_name = "people"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("mine/", views.my_children, name="my_children"),
    path("flag-requests/", views.flag_requests, name="flag_requests"),
    path("flag-requests/<id:request_id>/", views.flag_request_decide, name="flag_request_decide"),
    # Possible duplicate records and merges: the missing person coordinators' (duplicates.py).
    path("duplicates/", duplicate_views.queue, name="duplicates"),
    path("duplicates/<id:pair_id>/", duplicate_views.compare, name="duplicate"),
    path("merges/<id:merge_id>/", duplicate_views.merge_detail, name="merge"),
    path("<id:person_id>/", views.detail, name="detail"),
    path("<id:person_id>/edit/", views.edit, name="edit"),
    path("<id:person_id>/aliases/new/", views.alias_add, name="alias_add"),
    path("<id:person_id>/flags/new/", views.flag_raise, name="flag_raise"),
    path("<id:person_id>/flags/<id:flag_id>/end/", views.flag_end, name="flag_end"),
    path("<id:person_id>/shares/new/", views.share_add, name="share_add"),
    path("<id:person_id>/shares/<id:share_id>/end/", views.share_end, name="share_end"),
    path("<id:person_id>/placements/new/", views.placement_add, name="placement_add"),
    path(
        "<id:person_id>/placements/<id:placement_id>/dfe/",
        views.placement_return,
        name="placement_return",
    ),
    path("<id:person_id>/allocations/new/", views.allocation_add, name="allocation_add"),
    path(
        "<id:person_id>/allocations/<id:allocation_id>/end/",
        views.allocation_end,
        name="allocation_end",
    ),
    path("<id:person_id>/associates/new/", views.associate_add, name="associate_add"),
    path("<id:person_id>/places/new/", views.place_add, name="place_add"),
    path("<id:person_id>/photo/", photo_views.photo, name="photo"),
    path("<id:person_id>/photo/new/", photo_views.photo_upload, name="photo_upload"),
]
