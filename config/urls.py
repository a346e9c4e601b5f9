from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from gallery import health

admin.site.site_header = "asciigallery administration"
admin.site.site_title = "asciigallery admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/queue", health.healthz_queue, name="healthz_queue"),
    path("", include("accounts.urls")),
    path("", include("moderation.urls")),
    path("", include("gallery.urls")),
]

if settings.DEBUG:
    # Local uploads in development; in production files come from S3.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
