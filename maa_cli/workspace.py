"""Compatibility: the library calls the README documented before the pipeline became packages.

``maa_cli.workspace.new_audit`` and ``maa_cli.workspace.open_workspace`` keep working; new code
imports from :mod:`maa_cli.setup.workspace`. Nothing inside maa imports this module.
"""

from .setup.replace import replace_case
from .setup.workspace import NewAudit, NewAuditResult, Workspace, new_audit, open_workspace

__all__ = ["NewAudit", "NewAuditResult", "Workspace", "new_audit", "open_workspace", "replace_case"]
