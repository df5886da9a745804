"""Compiled hash of numpy's :class:`~numpy.random.SeedSequence` (for
:meth:`pushpull_sim.rng.RandomStreams.integer_seed`).

A seed sequence mixes its entropy words into a pool of four 32-bit words with a
multiply-xorshift hash and then hashes the pool into the words asked for (Melissa
O'Neill's ``seed_seq`` design, as numpy implements it). Seeding a village's network
needs one such word, and numpy's object costs some 13 us a call; the same arithmetic in
a kernel costs a fraction of that. No random number is drawn here: this is the seed's
hash, the same words numpy's ``generate_state`` returns.
"""

from __future__ import annotations

import numpy as np

from pushpull_sim.kernels import jit

_MASK32 = 0xFFFFFFFF
#: numpy's constants (``numpy/random/bit_generator.pyx``).
_INIT_A = 0x43B0D7E5
_MULT_A = 0x931E8875
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_MIX_MULT_L = 0xCA01F9DD
_MIX_MULT_R = 0x4973F715
_XSHIFT = 16
_POOL_SIZE = 4


@jit
def _hashmix(value: int, hash_const: int) -> tuple[int, int]:
    """numpy's ``hashmix``: the hashed value and the next hash constant."""
    value ^= hash_const
    hash_const = (hash_const * _MULT_A) & _MASK32
    value = (value * hash_const) & _MASK32
    value ^= value >> _XSHIFT
    return value, hash_const


@jit
def _mix(x: int, y: int) -> int:
    """numpy's ``mix`` of two pool words."""
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return result ^ (result >> _XSHIFT)


@jit
def seed_sequence_state(entropy: np.ndarray, n_words: int) -> np.ndarray:
    """``SeedSequence.generate_state(n_words, np.uint32)`` of a seed sequence whose
    assembled entropy is ``entropy`` (pool size 4).

    Args:
        entropy: The assembled entropy words (``SeedSequence.get_assembled_entropy()``:
            the entropy's 32-bit words, least significant first, padded with zeros to four
            words when there is a spawn key, then the spawn key's words), int64 values in
            ``[0, 2**32)``, shape ``(m,)``.
        n_words: Words wanted.

    Returns:
        numpy.ndarray: uint32, shape ``(n_words,)``.
    """
    pool = np.zeros(_POOL_SIZE, np.int64)
    hash_const = _INIT_A
    for i in range(_POOL_SIZE):
        word = entropy[i] if i < entropy.size else 0
        pool[i], hash_const = _hashmix(word, hash_const)
    for i_src in range(_POOL_SIZE):
        for i_dst in range(_POOL_SIZE):
            if i_src != i_dst:
                hashed, hash_const = _hashmix(pool[i_src], hash_const)
                pool[i_dst] = _mix(pool[i_dst], hashed)
    for i_src in range(_POOL_SIZE, entropy.size):
        for i_dst in range(_POOL_SIZE):
            hashed, hash_const = _hashmix(entropy[i_src], hash_const)
            pool[i_dst] = _mix(pool[i_dst], hashed)
    out = np.empty(n_words, np.uint32)
    hash_const = _INIT_B
    for i in range(n_words):
        value = pool[i % _POOL_SIZE] ^ hash_const
        hash_const = (hash_const * _MULT_B) & _MASK32
        value = (value * hash_const) & _MASK32
        out[i] = value ^ (value >> _XSHIFT)
    return out
