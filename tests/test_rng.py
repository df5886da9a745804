import numpy as np
import pytest

from pushpull_sim.rng import RandomStreams, stream_key


def test_same_seed_same_stream_and_names_are_independent():
    a = RandomStreams(5, 0).get("shocks.illness").random(4)
    b = RandomStreams(5, 0).get("shocks.illness").random(4)
    c = RandomStreams(5, 0).get("shocks.drought").random(4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_replications_and_seeds_differ():
    a = RandomStreams(5, 0).get("x").random(4)
    assert not np.allclose(a, RandomStreams(5, 1).get("x").random(4))
    assert not np.allclose(a, RandomStreams(6, 0).get("x").random(4))


def test_drawing_from_one_stream_does_not_shift_another():
    s1 = RandomStreams(1)
    s1.get("push.asset_transfer").random(1000)
    x1 = s1.get("shocks.illness").random(3)
    x2 = RandomStreams(1).get("shocks.illness").random(3)
    np.testing.assert_array_equal(x1, x2)


def test_stream_key_is_stable_across_processes():
    # CRC-32, not Python's salted hash
    assert stream_key("shocks.illness") == 3913370314
    assert stream_key("a") == 3904355907


def test_negative_seed_rejected():
    with pytest.raises(ValueError, match="seed"):
        RandomStreams(-1)


@pytest.mark.parametrize(
    ("seed", "replication"),
    [(0, 0), (1, 0), (5, 3), (2**32 - 1, 7), (2**32, 1), (2**64 + 12345, 2**33), (2**200 + 9, 0)],
)
def test_integer_seed_is_the_seed_sequences_first_word(seed, replication):
    """The compiled hash gives the word numpy's seed sequence generates, for seeds and
    replications of any size."""
    streams = RandomStreams(seed, replication)
    for name in ("mesa", "network.village.0", "network.village.17", "", "x" * 40):
        want = int(streams.seed_sequence(name).generate_state(1, dtype=np.uint32)[0])
        assert streams.integer_seed(name) == want


@pytest.mark.parametrize("seed", range(30))
def test_seed_sequence_kernel_matches_numpy(seed):
    from pushpull_sim.kernels.seeding import seed_sequence_state
    from pushpull_sim.rng import _uint32_words

    rng = np.random.default_rng(seed)
    entropy = int(rng.integers(0, 2**63)) << int(rng.integers(0, 160))
    key = (int(rng.integers(0, 2**40)), int(rng.integers(0, 2**32)))
    ss = np.random.SeedSequence(entropy=entropy, spawn_key=key)
    words = _uint32_words(entropy)
    words += [0] * (4 - len(words)) + _uint32_words(key[0]) + _uint32_words(key[1])
    for n in (1, 4, 9):
        np.testing.assert_array_equal(
            seed_sequence_state(np.array(words, np.int64), n), ss.generate_state(n, np.uint32)
        )
