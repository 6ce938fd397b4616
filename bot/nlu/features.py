"""Stacking per-message features into the matrices classifiers work on."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from bot.nlu.message import Message

__all__ = ["sparse_dims", "sparse_row", "stack_dense", "stack_sparse"]


def sparse_dims(message: Message) -> tuple[int, ...]:
    return tuple(block.dim for block in message.features.get("sparse", ()))


def sparse_row(message: Message, dims: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A message's sparse blocks as one (indices, values) pair, blocks side by side."""
    blocks = message.features.get("sparse", ())[: len(dims)]
    if not blocks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    offsets = np.cumsum((0, *dims[:-1]))
    indices = np.concatenate(
        [b.indices + offset for b, offset in zip(blocks, offsets, strict=False)]
    )
    values = np.concatenate([b.values for b in blocks])
    return indices.astype(np.int64), values.astype(np.float32)


def stack_sparse(messages: Sequence[Message], dims: tuple[int, ...]) -> sp.csr_matrix:
    """One CSR row per message: its sparse blocks side by side, in pipeline order."""
    width = sum(dims)
    indptr = [0]
    indices: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for message in messages:
        offset = 0
        blocks = message.features.get("sparse", ())
        for block, dim in zip(blocks, dims, strict=False):
            indices.append(block.indices.astype(np.int64) + offset)
            values.append(block.values)
            offset += dim
        indptr.append(indptr[-1] + sum(len(b.indices) for b in blocks[: len(dims)]))
    if indices:
        flat_i = np.concatenate(indices)
        flat_v = np.concatenate(values).astype(np.float32)
    else:
        flat_i = np.zeros(0, dtype=np.int64)
        flat_v = np.zeros(0, dtype=np.float32)
    return sp.csr_matrix((flat_v, flat_i, np.array(indptr)), shape=(len(messages), width))


def stack_dense(messages: Sequence[Message], dim: int) -> np.ndarray:
    out = np.zeros((len(messages), dim), dtype=np.float32)
    for i, message in enumerate(messages):
        vector = message.features.get("dense")
        if vector is not None:
            out[i] = vector
    return out
