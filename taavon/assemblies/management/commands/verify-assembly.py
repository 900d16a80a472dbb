"""``taavon verify-assembly <id>``, the name the issue gives the command (see ``verify_assembly``).

Django names commands after their files, and loads this one by file name, dash included.
"""

from .verify_assembly import Command  # noqa: F401
