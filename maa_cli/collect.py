"""Compatibility: ``maa_cli.collect.collect`` as the README documented it before the pipeline became
packages. New code imports from :mod:`maa_cli.intake.collect`. Nothing inside maa imports this module.
"""

from .intake.collect import CollectResult, FileDecision, choose, collect

__all__ = ["CollectResult", "FileDecision", "choose", "collect"]
