"""Named random streams derived from one seed.

Every random process in the model (shocks, network, targeting, each intervention)
draws from its own :class:`numpy.random.Generator`, derived from the run's seed,
its replication index and the stream's *name* through
:class:`numpy.random.SeedSequence`. Adding a process, or a strategy that draws more
numbers in one process, therefore never shifts the draws of another process:
strategies are compared on common random numbers.
"""

from __future__ import annotations

import zlib

import numpy as np

from pushpull_sim.kernels.seeding import seed_sequence_state

#: Words in a :class:`numpy.random.SeedSequence`'s pool (its default).
_POOL_SIZE = 4


def _uint32_words(n: int) -> list[int]:
    """A non-negative int as 32-bit words, least significant first (0 -> ``[0]``), as
    :class:`numpy.random.SeedSequence` reads its entropy and spawn key."""
    words = [n & 0xFFFFFFFF]
    n >>= 32
    while n:
        words.append(n & 0xFFFFFFFF)
        n >>= 32
    return words


def stream_key(name: str) -> int:
    """Return a stable 32-bit integer for a stream name.

    Args:
        name: Stream name, e.g. ``"shocks.illness"``.

    Returns:
        int: CRC-32 of the UTF-8 name (stable across processes and platforms, unlike
        Python's salted ``hash``).
    """
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """Factory of named, independent random generators for one replication.

    Args:
        seed: Base seed of the run (non-negative int).
        replication: Replication index (non-negative int); replication ``r`` of seed
            ``s`` always gets the same streams.

    Raises:
        ValueError: If ``seed`` or ``replication`` is negative.

    Example:
        >>> streams = RandomStreams(seed=1, replication=0)
        >>> a = streams.get("shocks.illness").random(3)
    """

    def __init__(self, seed: int, replication: int = 0) -> None:
        if seed < 0 or replication < 0:
            raise ValueError(
                f"seed and replication must be >= 0, got seed={seed}, replication={replication}"
            )
        self.seed = int(seed)
        self.replication = int(replication)
        self._generators: dict[str, np.random.Generator] = {}
        # the seed sequences' entropy before the stream's key: the seed's words (padded
        # to the pool, as a seed sequence with a spawn key pads them), the replication's
        head = _uint32_words(self.seed)
        self._entropy_head = head + [0] * (_POOL_SIZE - len(head)) + _uint32_words(self.replication)

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """Return the :class:`~numpy.random.SeedSequence` behind stream ``name``."""
        return np.random.SeedSequence(
            entropy=self.seed, spawn_key=(self.replication, stream_key(name))
        )

    def get(self, name: str) -> np.random.Generator:
        """Return the generator for stream ``name``, creating it on first use.

        Args:
            name: Stream name. The same name always returns the same generator object.

        Returns:
            numpy.random.Generator: A PCG64 generator private to this stream.
        """
        gen = self._generators.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
            self._generators[name] = gen
        return gen

    def integer_seed(self, name: str) -> int:
        """Return a 32-bit integer seed for third-party code (e.g. networkx generators).

        Args:
            name: Stream name the seed is derived from.

        Returns:
            int: A seed in ``[0, 2**32)``: the first word of
            ``seed_sequence(name).generate_state``, hashed by a kernel
            (:func:`pushpull_sim.kernels.seeding.seed_sequence_state`) from the same
            entropy, without building the seed sequence.
        """
        entropy = np.array(self._entropy_head + _uint32_words(stream_key(name)), np.int64)
        return int(seed_sequence_state(entropy, 1)[0])
