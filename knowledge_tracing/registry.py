"""A registry from name to class, shared by the student models and the scheduling policies.

Both are chosen by name everywhere (settings, the command line, experiments, stored
model versions), so registering twice and asking for an unknown name must fail the
same clear way for both.

A registry may also know names whose class lives in a module not imported yet
(``modules``): the module is imported the first time its name is looked up. That lets
the student models that need PyTorch stay out of every process that only lists or
validates names (a web page, a data export) and never trains or scores.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping


class Registry(Mapping):
    """``name -> class``, filled by the ``register`` class decorator; ``kind`` and ``plural`` name it in errors.

    ``modules`` maps a name to the module that registers it when imported.
    """

    def __init__(self, kind: str, plural: str, *, modules: Mapping[str, str] | None = None) -> None:
        self.kind = kind
        self.plural = plural
        self._classes: dict[str, type] = {}
        self._modules = dict(modules or {})

    def register(self, cls: type) -> type:
        """Class decorator: make ``cls`` available by its ``name`` attribute."""
        if cls.name in self._classes:
            raise ValueError(f"{self.kind} name {cls.name!r} registered twice")
        self._classes[cls.name] = cls
        return cls

    def __getitem__(self, name: str) -> type:
        if name not in self._classes and name in self._modules:
            importlib.import_module(self._modules[name])
            if name not in self._classes:
                raise LookupError(f"module {self._modules[name]} does not register the {self.kind} {name!r}")
        return self._classes[name]

    def __contains__(self, name: object) -> bool:
        return name in self._classes or name in self._modules

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._modules, *self._classes]))

    def __len__(self) -> int:
        return len(set(self._modules) | set(self._classes))

    def create(self, name: str, **arguments):
        """An instance of the class registered as ``name``, built with ``arguments``."""
        try:
            registered_class = self[name]
        except KeyError:
            known = ", ".join(sorted(self))
            raise ValueError(f"unknown {self.kind} {name!r}; known {self.plural}: {known}") from None
        return registered_class(**arguments)
