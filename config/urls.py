"""URL wiring."""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

# The same styled pages in every mode (clinics/error_pages.py).
handler403 = "clinics.error_pages.permission_denied"
handler404 = "clinics.error_pages.page_not_found"
handler500 = "clinics.error_pages.server_error"

urlpatterns = [
    path("", RedirectView.as_view(url="/import/", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("clinics/", include("clinics.urls")),
]
if apps.is_installed("dentalpin_import"):
    urlpatterns.append(path("import/", include("dentalpin_import.web.urls")))
