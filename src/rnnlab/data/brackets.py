"""A bracket language: synthetic text with long-range structure and a known entropy rate.

Shape legend: ``n`` characters, ``S`` grammar states, ``V`` alphabet size.

The text is generated one character at a time from a *state*: the stack of brackets that
are open (at most ``max_depth``). With depth ``d`` and top bracket type ``k``:

* open a bracket — probability ``p_open`` (if ``d < max_depth``), the type uniform;
* close the top bracket — probability ``p_close`` (if ``d > 0``); the closing character
  is forced by the stack: ``)`` or ``]`` depends on an opener that may lie far back;
* otherwise a letter, drawn from a Zipf distribution (weight ∝ 1/rank**zipf) whose most
  frequent letter depends on the context — top level, or inside which bracket type — so
  letters also "agree" with the enclosing opener.

Each character updates the stack deterministically, so the characters seen so far
determine the state, and the conditional distribution of the next character given the
whole past is exactly p(· | state). With π the stationary distribution of the (finite,
irreducible, aperiodic) state chain, the entropy rate of the text is therefore exactly

    h = sum_s π(s) H(p(· | s))   bits per character,

the best cross-entropy any model can reach. :meth:`BracketLanguage.entropy_rate` solves
π P = π with numpy; :meth:`BracketLanguage.log2_prob` gives the true conditional
log-probabilities of a text, whose negative mean over a long sample estimates h.
"""

from __future__ import annotations

import bisect
import numbers

import numpy as np

from .._checks import check_positive_int, check_rng

__all__ = ["BracketLanguage"]


def _is_real(v) -> bool:
    """A real number (Python or NumPy, not a bool)."""
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _entropy_bits(p: np.ndarray) -> np.ndarray:
    """H(p) = -sum p log2 p over the last axis, with 0 log 0 = 0. p (..., V) -> (...)."""
    with np.errstate(divide="ignore"):
        logp = np.where(p > 0, np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return -(p * logp).sum(axis=-1)


class BracketLanguage:
    """Bounded-depth Dyck text with letters; see the module docstring for the grammar.

    ``pairs`` bracket pairs, e.g. ``("()", "[]")``; ``letters`` the other characters;
    ``max_depth`` the deepest nesting; ``p_open``, ``p_close`` as above; ``zipf`` the
    exponent of the letter distribution (0 = uniform).

    Attributes: ``alphabet`` (str, sorted, so ``Vocab(alphabet)`` gives the same ids),
    ``states`` (list of S str: the open brackets, outermost first; ``""`` is empty),
    ``probs`` (S, V) next-character probabilities, ``next_state`` (S, V) int (-1 where
    the character is impossible).
    """

    def __init__(self, pairs=("()", "[]"), letters: str = "abcdef", *, max_depth: int = 4,
                 p_open: float = 0.04, p_close: float = 0.05, zipf: float = 1.5):
        pairs = tuple(pairs)
        if not pairs or any(not isinstance(p, str) or len(p) != 2 for p in pairs):
            raise ValueError(f"pairs must be two-character strings like '()'; got {pairs!r}")
        if not isinstance(letters, str) or not letters:
            raise ValueError(f"letters must be a non-empty str; got {letters!r}")
        chars = "".join(pairs) + letters
        if len(set(chars)) != len(chars):
            raise ValueError(f"the characters of pairs and letters must be distinct; got "
                             f"{chars!r}")
        self.max_depth = check_positive_int(max_depth, "max_depth")
        for name, v in (("p_open", p_open), ("p_close", p_close)):  # NaN fails 0 < v < 1
            if not _is_real(v) or not 0 < v < 1:
                raise ValueError(f"{name} must lie in (0, 1); got {v!r}")
        p_open, p_close = float(p_open), float(p_close)  # np.float32(0.04) is fine too
        if p_open + p_close >= 1:
            raise ValueError(f"p_open + p_close must be < 1 (letters need the rest); got "
                             f"{p_open} + {p_close}")
        if not _is_real(zipf) or not 0 <= zipf < np.inf:  # NaN and inf fail too
            raise ValueError(f"zipf must be a finite number >= 0; got {zipf!r}")
        self.pairs, self.letters = pairs, letters
        self.p_open, self.p_close, self.zipf = float(p_open), float(p_close), float(zipf)
        self.alphabet = "".join(sorted(chars))
        self._index = {c: i for i, c in enumerate(self.alphabet)}
        self._build()

    # ---- the grammar as two tables --------------------------------------------------------
    def letter_probs(self, context: int) -> np.ndarray:
        """Letter distribution (L,) in context 0 (top level) or k + 1 (inside pair k).

        Zipf weights 1/rank**zipf, rotated so that context c's most frequent letter is
        letter number ``c * L // (n_pairs + 1)``.
        """
        L, n_ctx = len(self.letters), len(self.pairs) + 1
        rank = (np.arange(L) - context * L // n_ctx) % L + 1  # (L,) rank of each letter
        w = rank.astype(np.float64) ** -self.zipf
        return w / w.sum()

    def _build(self) -> None:
        """Enumerate the stacks and fill ``probs`` (S, V) and ``next_state`` (S, V)."""
        stacks = [()]
        for d in range(self.max_depth):  # breadth first: all stacks of depth d + 1
            stacks += [s + (k,) for s in stacks if len(s) == d for k in range(len(self.pairs))]
        sid = {s: i for i, s in enumerate(stacks)}
        S, V, n_pairs = len(stacks), len(self.alphabet), len(self.pairs)
        probs = np.zeros((S, V))
        nxt = np.full((S, V), -1, dtype=np.int64)
        for i, s in enumerate(stacks):
            d = len(s)
            p_open = self.p_open if d < self.max_depth else 0.0
            p_close = self.p_close if d > 0 else 0.0
            for k, pair in enumerate(self.pairs):  # open a bracket of type k
                if p_open:
                    j = self._index[pair[0]]
                    probs[i, j], nxt[i, j] = p_open / n_pairs, sid[s + (k,)]
            if p_close:  # close the top bracket: the character is forced
                j = self._index[self.pairs[s[-1]][1]]
                probs[i, j], nxt[i, j] = p_close, sid[s[:-1]]
            context = 0 if d == 0 else s[-1] + 1
            for c, q in zip(self.letters, self.letter_probs(context), strict=True):
                j = self._index[c]
                probs[i, j], nxt[i, j] = (1 - p_open - p_close) * q, i
        self.states = ["".join(self.pairs[k][0] for k in s) for s in stacks]
        self.probs, self.next_state = probs, nxt
        cdf = np.cumsum(probs, axis=1)
        for i, row in enumerate(probs):  # end exactly at 1 at the last possible character
            cdf[i, np.flatnonzero(row)[-1]:] = 1.0
        self._cdf = cdf.tolist()
        self._nxt = nxt.tolist()

    def transition_matrix(self) -> np.ndarray:
        """P (S, S): P[s, s'] = probability that the next character moves state s to s'."""
        S = len(self.states)
        P = np.zeros((S, S))
        rows = np.repeat(np.arange(S), self.probs.shape[1]).reshape(self.probs.shape)
        ok = self.next_state >= 0
        np.add.at(P, (rows[ok], self.next_state[ok]), self.probs[ok])
        return P

    def stationary(self) -> np.ndarray:
        """π (S,): the solution of π P = π, sum π = 1 (one linear solve)."""
        P = self.transition_matrix()
        S = len(P)
        A = P.T - np.eye(S)
        A[-1] = 1.0  # replace one (redundant) balance equation by the normalisation
        rhs = np.zeros(S)
        rhs[-1] = 1.0
        return np.linalg.solve(A, rhs)

    def entropy_rate(self) -> float:
        """Exact entropy rate h = sum_s π(s) H(p(· | s)) in bits per character."""
        return float(self.stationary() @ _entropy_bits(self.probs))

    def unigram_entropy(self) -> float:
        """Entropy (bits) of the stationary character frequencies sum_s π(s) p(· | s).

        The cross-entropy of the best model with no memory (the same distribution at every
        step): the gap down to :meth:`entropy_rate` is what memory of the past is worth.
        """
        return float(_entropy_bits(self.stationary() @ self.probs))

    # ---- text ---------------------------------------------------------------------------
    def sample(self, n_chars: int, rng: np.random.Generator) -> str:
        """A text of ``n_chars`` characters, starting from the empty stack."""
        n = check_positive_int(n_chars, "n_chars")
        u = check_rng(rng).random(n).tolist()
        cdf, nxt, alphabet = self._cdf, self._nxt, self.alphabet
        out, s = [], 0
        for x in u:  # inverse-CDF sampling, one character per step
            j = bisect.bisect_right(cdf[s], x)
            out.append(alphabet[j])
            s = nxt[s][j]
        return "".join(out)

    def _ids_and_states(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """ids (n,) and the state *before* each character (n,), checking the grammar."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str; got {type(text).__name__}")
        try:
            ids = [self._index[c] for c in text]
        except KeyError as err:
            raise ValueError(f"text contains {err.args[0]!r}, which is not in the alphabet "
                             f"{self.alphabet!r}") from None
        states, s, nxt = [], 0, self._nxt
        for i, j in enumerate(ids):
            states.append(s)
            s = nxt[s][j]
            if s < 0:
                raise ValueError(
                    f"text is not in the language at position {i}: {text[i]!r} is impossible "
                    f"after the open brackets {self.states[states[-1]]!r} (texts are read from "
                    f"the empty stack, as sample() makes them)")
        return np.array(ids, np.int64), np.array(states, np.int64)

    def log2_prob(self, text: str) -> np.ndarray:
        """True conditional log2 p(c_i | c_<i) for each character (n,), from the empty stack.

        ``-log2_prob(text).mean()`` is the cross-entropy of the true grammar on the text; on
        a long sample it estimates :meth:`entropy_rate`.
        """
        ids, states = self._ids_and_states(text)
        return np.log2(self.probs[states, ids])

    def closing_distances(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """For every closing bracket: its position and its distance to the matching opener.

        Returns ``positions`` (m,) int, the index of each closer in ``text``, and
        ``distances`` (m,) int, position minus the position of its opener (>= 1) — how
        far back a model must look to know which closer comes.
        """
        self._ids_and_states(text)  # validates the text
        openers = {p[0] for p in self.pairs}
        closers = {p[1] for p in self.pairs}
        stack, positions, distances = [], [], []
        for i, c in enumerate(text):
            if c in openers:
                stack.append(i)
            elif c in closers:
                positions.append(i)
                distances.append(i - stack.pop())
        return np.array(positions, np.int64), np.array(distances, np.int64)

    def __repr__(self) -> str:
        return (f"BracketLanguage(pairs={self.pairs}, letters={self.letters!r}, "
                f"max_depth={self.max_depth}, p_open={self.p_open}, p_close={self.p_close}, "
                f"zipf={self.zipf}; V={len(self.alphabet)}, states={len(self.states)}, "
                f"entropy_rate={self.entropy_rate():.4f} bits/char)")
