"""``taavon verify-audit``, the name the issue gives the command (see ``verify_audit``).

Django names commands after their files, and loads this one by file name, dash included.
"""

from .verify_audit import Command  # noqa: F401
