from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    # /settings/ the signed-in user's own settings
    path("settings/", views.preferences, name="settings"),
    path("settings/profile/", views.profile_update, name="profile_update"),
    path("settings/api-keys/", views.api_keys, name="api_keys"),
    path("settings/api-keys/<int:pk>/delete/", views.api_key_delete, name="api_key_delete"),
    path("settings/download/", views.archive, name="archive"),
    path("settings/download/build/", views.archive_build, name="archive_build"),
    path("settings/download/<str:filename>", views.archive_download, name="archive_download"),
    path("settings/delete-account/", views.account_delete, name="delete"),
    # /u/ public profiles
    path("u/<str:username>/", views.profile, name="profile"),
]
