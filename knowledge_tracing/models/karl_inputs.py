"""KARL's network inputs for a set of rows, with each card's text embedding held once per card.

The text path reads the embedding of each row's card. Held per row, that is rows x
embedding width floats (1,536 bytes a row for a 384-wide encoder, about 1.5 GB at a
million logs, and again for each training and validation copy), nearly all of KARL's
memory. Here the rows keep only their card's index, and the embeddings of a batch or
a chunk of rows are gathered when the network reads them (``network_arguments``), so
memory beyond the per-row features stays one card table. Passes over every row
(validation, scoring) go in chunks (``logits``) for the same reason, and so does the
standardising of the float64 features into float32 inputs (``float32_by_chunks``):
done on all rows at once, its clipped, centred and per-regime copies were several
float64 matrices of rows x features at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

CHUNK_ROWS = 8_192  # a chunk of 384-wide embeddings is 12.6 MB of float32


@dataclass
class RowInputs:
    """Per-row tensors (first dimension = rows, ``item`` among them) and the cards' text embeddings (cards, width)."""

    rows: dict[str, torch.Tensor]
    text: torch.Tensor

    def __len__(self) -> int:
        return len(self.rows["item"])

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.rows[name]

    def take(self, rows) -> "RowInputs":
        """The same inputs restricted to some rows (boolean mask or indices)."""
        index = torch.as_tensor(np.flatnonzero(rows)) if isinstance(rows, np.ndarray) and rows.dtype == bool else rows
        return RowInputs({name: value[index] for name, value in self.rows.items()}, self.text)

    def network_arguments(self) -> dict[str, torch.Tensor]:
        """What ``KarlNetwork.forward`` takes: the per-row tensors, each row's card embedding in place of its index."""
        arguments = {name: value for name, value in self.rows.items() if name != "item"}
        return {**arguments, "embedding": self.text[self.rows["item"]]}

    def logits(self, network: torch.nn.Module) -> torch.Tensor:
        """(rows,) the network's logits, computed ``CHUNK_ROWS`` rows at a time (call under ``no_grad``)."""
        return torch.cat([
            network(**self.take(torch.arange(start, min(start + CHUNK_ROWS, len(self)))).network_arguments())
            for start in range(0, len(self), CHUNK_ROWS)
        ]) if len(self) else torch.zeros(0)


def float32_by_chunks(n_rows: int, compute) -> torch.Tensor:
    """``compute(rows)`` (a slice of rows, giving an array for those rows) over every row, stacked as float32.

    Only one chunk's float64 temporaries exist at a time.
    """
    parts = [
        torch.as_tensor(compute(slice(start, start + CHUNK_ROWS)), dtype=torch.float32)
        for start in range(0, n_rows, CHUNK_ROWS)
    ]
    return torch.cat(parts) if parts else torch.as_tensor(compute(slice(0, 0)), dtype=torch.float32)


def text_table(embeddings: np.ndarray | None, items: np.ndarray) -> torch.Tensor:
    """The cards' embeddings as float32, or a table of width 0 covering ``items`` when there is no text."""
    if embeddings is not None:
        return torch.as_tensor(np.asarray(embeddings), dtype=torch.float32)
    return torch.zeros((int(np.max(items, initial=-1)) + 1, 0))
