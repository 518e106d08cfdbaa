"""A registry from name to class, shared by the student models and the scheduling policies.

Both are chosen by name everywhere (settings, the command line, experiments, stored
model versions), so registering twice and asking for an unknown name must fail the
same clear way for both.
"""

from __future__ import annotations


class Registry(dict):
    """``name -> class``, filled by the ``register`` class decorator; ``kind`` and ``plural`` name it in errors."""

    def __init__(self, kind: str, plural: str) -> None:
        super().__init__()
        self.kind = kind
        self.plural = plural

    def register(self, cls: type) -> type:
        """Class decorator: make ``cls`` available by its ``name`` attribute."""
        if cls.name in self:
            raise ValueError(f"{self.kind} name {cls.name!r} registered twice")
        self[cls.name] = cls
        return cls

    def create(self, name: str, **arguments):
        """An instance of the class registered as ``name``, built with ``arguments``."""
        try:
            registered_class = self[name]
        except KeyError:
            known = ", ".join(sorted(self))
            raise ValueError(f"unknown {self.kind} {name!r}; known {self.plural}: {known}") from None
        return registered_class(**arguments)
