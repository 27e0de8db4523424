"""The Celery application; without a broker every task runs eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("dentalpin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
