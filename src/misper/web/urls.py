from django.urls import path

from misper.web import policy_views, views

app_name = "web"

urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<id:token_id>/revoke/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("organisation/", views.organisation, name="organisation"),
    path("organisations/<id:organisation_id>/", views.organisation, name="organisation_detail"),
    path("admin/audit/", views.audit_log, name="audit_log"),
    path("admin/users/", views.admin_users, name="admin_users"),
    path("policy/", policy_views.policy_profiles, name="policy_profiles"),
    path("policy/<slug:profile_id>/", policy_views.policy_profile, name="policy_profile"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
]
