"""Run reports: Prefect artifacts for each run (and, later, a static HTML report)."""

from __future__ import annotations


def publish_artifacts(summary) -> None:
    """Publish the run's markdown and table artifacts to the Prefect API."""
    return None
