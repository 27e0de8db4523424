"""Running import jobs: services (entry points), runner (pipeline), dispatch (where it runs)."""
