"""Characters to integer ids to one-hot inputs, for any UTF-8 text (Chinese included).

Shape legend: ``n`` characters, ``V`` vocabulary size (one-hot width). All text is generated
by code or read from a file the reader supplies — no corpus is shipped with the package.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np

from .._checks import check_dtype, check_positive_int

__all__ = ["one_hot", "Vocab", "CharCorpus", "load_text"]


def one_hot(ids, V: int, dtype=np.float64) -> np.ndarray:
    """Integer ids (...,) in [0, V) -> one-hot vectors (..., V), e.g. (T, B) -> (T, B, V)."""
    V = check_positive_int(V, "V")
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be an integer array; got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids must lie in [0, V={V}); got range [{ids.min()}, {ids.max()}]")
    out = np.zeros(ids.shape + (V,), check_dtype(dtype))  # (..., V)
    np.put_along_axis(out, ids[..., None], 1, axis=-1)  # a 1 at each id: no (V, V) identity
    return out



# ---- character text -----------------------------------------------------------------------
class Vocab:
    """Characters <-> integer ids: the sorted unique characters of a text.

    ``len(vocab)`` is V; ``vocab.chars`` the characters in id order (sorted by code point);
    ``encode(text) -> ids`` (n,) int64 and ``decode(ids) -> str`` invert each other.
    """

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise TypeError(f"text must be a str; got {type(text).__name__}")
        if not text:
            raise ValueError("text must contain at least one character")
        self.chars = "".join(sorted(set(text)))
        self._codes = np.array([ord(c) for c in self.chars], np.int64)  # (V,) sorted

    def __len__(self) -> int:
        return len(self.chars)

    def __repr__(self) -> str:
        return f"Vocab(V={len(self)}, chars={self.chars[:40]!r}{'...' if len(self) > 40 else ''})"

    def encode(self, text: str) -> np.ndarray:
        """str of n characters -> ids (n,) int64; a character not in the vocabulary raises."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str; got {type(text).__name__}")
        codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.int64)
        ids = np.searchsorted(self._codes, codes)  # vectorised lookup by code point
        ids_in = np.minimum(ids, len(self) - 1)
        bad = self._codes[ids_in] != codes
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"text contains {text[i]!r} at position {i}, which is not in the "
                             f"vocabulary of {len(self)} characters")
        return ids

    def decode(self, ids) -> str:
        """ids (n,) ints in [0, V) -> str."""
        ids = np.asarray(ids)
        if ids.size == 0:
            return ""
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids must be a 1-D integer array (n,); got {ids.dtype} {ids.shape}")
        if ids.min() < 0 or ids.max() >= len(self):
            raise ValueError(f"ids must lie in [0, V={len(self)}); got range "
                             f"[{ids.min()}, {ids.max()}]")
        return "".join(self.chars[i] for i in ids.tolist())


class CharCorpus:
    """A text split into a training and a validation id stream sharing one vocabulary.

    ``vocab`` is built from the whole text (so validation has no unknown characters);
    ``train_ids`` (n_train,) are the first ``1 - val_fraction`` of the characters and
    ``val_ids`` (n_val,) the rest, so the validation text is text the model never saw.
    """

    def __init__(self, text: str, val_fraction: float = 0.1):
        if not isinstance(text, str):
            raise TypeError(f"text must be a str; got {type(text).__name__}")
        if isinstance(val_fraction, (bool, np.bool_)) \
                or not isinstance(val_fraction, numbers.Real) or not 0 <= val_fraction < 1:
            raise ValueError(f"val_fraction must be a number in [0, 1); got {val_fraction!r}")
        val_fraction = float(val_fraction)  # np.float32(0.1) is as good as 0.1
        self.text = text
        self.vocab = Vocab(text)
        ids = self.vocab.encode(text)
        n_train = len(ids) - int(round(val_fraction * len(ids)))
        if n_train == 0 or (val_fraction > 0 and n_train == len(ids)):
            empty = "training" if n_train == 0 else "validation"
            raise ValueError(f"val_fraction={val_fraction:g} of a text of {len(ids)} characters "
                             f"leaves the {empty} split empty; give a longer text or another "
                             f"val_fraction (0 for no validation split)")
        self.train_ids, self.val_ids = ids[:n_train], ids[n_train:]

    def __repr__(self) -> str:
        return (f"CharCorpus(V={len(self.vocab)}, train={len(self.train_ids)}, "
                f"val={len(self.val_ids)})")


def load_text(path) -> str:
    """Read a UTF-8 text file (a leading byte-order mark is dropped) and return a str."""
    path = Path(path)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path} is not UTF-8 text: byte {data[err.start]:#04x} at offset {err.start} "
            f"cannot be decoded ({err.reason}); re-save the file as UTF-8") from err
