"""Runners: ways to drive many documents through an engine beyond the local
pipeline. The Ray runner (``dotsocr[ray]``) spreads pages over a Ray cluster; its
modules import Ray only when a run starts, so the default install stays light."""

from dotsocr.runners.ray_runner import RayRunner, RayRunnerOptions

__all__ = ["RayRunner", "RayRunnerOptions"]
