"""The tasks a job row may name: plain functions registered under explicit, stable names.

A name such as ``"assemblies.rewrite_closed_item"`` is stored in the row, so queued rows survive
the function moving to another module. Domains register their tasks in a ``tasks`` module of the
app or of one of its sub-packages; :func:`autodiscover` imports them when Django starts.
"""

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_DELAY = datetime.timedelta(seconds=30)
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Task(Generic[P, R]):
    """A registered task; calling it runs the function here and now (no job row)."""

    name: str
    func: Callable[P, R]
    max_attempts: int
    retry_delay: datetime.timedelta
    lease: datetime.timedelta | None = None  # None: settings.JOBS_LEASE_SECONDS
    every: datetime.timedelta | None = None  # set for periodic tasks

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.func(*args, **kwargs)


_tasks: dict[str, Task[..., Any]] = {}


def _as_delta(value: float | datetime.timedelta) -> datetime.timedelta:
    return value if isinstance(value, datetime.timedelta) else datetime.timedelta(seconds=value)


def _register(new: Task[P, R]) -> Task[P, R]:
    old = _tasks.get(new.name)
    # The same function imported again (a reload) replaces itself; two functions may not share a name.
    if old is not None and (old.func.__module__, old.func.__qualname__) != (new.func.__module__, new.func.__qualname__):
        raise ValueError(f"job task name {new.name!r} is already taken by {old.func.__module__}.{old.func.__qualname__}")
    _tasks[new.name] = new
    return new


def task(
    *,
    name: str,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    retry_delay: float | datetime.timedelta = DEFAULT_RETRY_DELAY,
    lease: float | datetime.timedelta | None = None,
) -> Callable[[Callable[P, R]], Task[P, R]]:
    """Register a function taking JSON keyword arguments as the task ``name``; retried up to ``max_attempts``."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def register(func: Callable[P, R]) -> Task[P, R]:
        return _register(
            Task(
                name=name,
                func=func,
                max_attempts=max_attempts,
                retry_delay=_as_delta(retry_delay),
                lease=None if lease is None else _as_delta(lease),
            )
        )

    return register


def periodic(
    *,
    name: str,
    every: datetime.timedelta,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    retry_delay: float | datetime.timedelta = DEFAULT_RETRY_DELAY,
    lease: float | datetime.timedelta | None = None,
) -> Callable[[Callable[[], R]], Task[[], R]]:
    """Register a task without arguments that the scheduler queues once per period of ``every``."""
    # Periods are aligned to local midnight, so they must tile a day or be whole days.
    if every <= datetime.timedelta(0) or (every < DAY and DAY % every) or (every >= DAY and every % DAY):
        raise ValueError("every must divide a day or be a whole number of days")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def register(func: Callable[[], R]) -> Task[[], R]:
        return _register(
            Task(
                name=name,
                func=func,
                max_attempts=max_attempts,
                retry_delay=_as_delta(retry_delay),
                lease=None if lease is None else _as_delta(lease),
                every=every,
            )
        )

    return register


def get(name: str) -> Task[..., Any]:
    """The task registered as ``name``; LookupError if none is."""
    try:
        return _tasks[name]
    except KeyError:
        raise LookupError(f"no job task is registered as {name!r}") from None


def find(name: str) -> Task[..., Any] | None:
    """The task registered as ``name``, or None."""
    return _tasks.get(name)


def names() -> list[str]:
    """The registered task names, sorted."""
    return sorted(_tasks)


def periodic_tasks() -> list[Task[..., Any]]:
    """The registered periodic tasks, by name."""
    return [t for _, t in sorted(_tasks.items()) if t.every is not None]


_SKIPPED_DIRS = {"migrations", "management", "templates", "static", "locale", "tests", "__pycache__"}


def autodiscover() -> None:
    """Import the ``tasks`` module of every installed app and of every sub-package of the project's apps."""
    from django.apps import apps
    from django.conf import settings
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
    # Sub-packages are walked on disk only inside the project (BASE_DIR): importing arbitrary
    # ``tasks`` modules of third-party packages could pull in dependencies they do not have here.
    base = getattr(settings, "BASE_DIR", None)
    if base is not None:
        import_sub_package_tasks([(c.name, Path(c.path)) for c in apps.get_app_configs()], base=Path(base))


def import_sub_package_tasks(packages: list[tuple[str, Path]], *, base: Path) -> list[str]:
    """Import ``<package>.<sub>…tasks`` for the packages under ``base``; the modules imported."""
    imported = []
    base = base.resolve()
    for name, path in packages:
        root = path.resolve()
        if not root.is_relative_to(base):
            continue
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED_DIRS and not d.startswith("."))
            here = Path(directory)
            if here == root:
                continue  # the app's own tasks module: autodiscover_modules imported it
            if "__init__.py" not in files:
                subdirs[:] = []  # not a package: nothing below it is importable by dotted name
                continue
            if "tasks.py" in files or (here / "tasks" / "__init__.py").exists():
                dotted = ".".join([name, *here.relative_to(root).parts, "tasks"])
                import_module(dotted)
                imported.append(dotted)
    return imported
