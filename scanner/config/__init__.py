"""The configuration folder: `registry.yaml` (the approved accounts) and `settings.yaml`."""
