"""URLs of the clinics app."""

from django.urls import path

from clinics import views

app_name = "clinics"
urlpatterns = [path("switch/", views.switch_clinic, name="switch")]
