"""Random tensors in each mode's alphabet."""
import numpy as np

ALPHABET = {"binary": [-1, 1], "ternary": [-1, 0, 1]}


def rand(rng: np.random.Generator, shape, alphabet: str) -> np.ndarray:
    """int8 array uniform over ``alphabet``: binary, ternary or int8 (full range)."""
    if alphabet == "int8":
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    return np.array(ALPHABET[alphabet], np.int8)[rng.integers(0, len(ALPHABET[alphabet]), size=shape)]
