"""The project's URLs plus one view that fails, to look at the 500 page a user would get."""

from django.urls import path

from config.urls import urlpatterns as project_urls


def boom(request):
    raise RuntimeError("secret detail: patient Paciente1 of clinic bosque, key=hunter2")


urlpatterns = [*project_urls, path("boom/", boom)]
