"""The JSON encoding of what crosses between grader and child.

Shared by both sides, so it imports nothing but the standard library and
numpy. Arrays travel as {"__ndarray__": [...], "dtype": ..., "shape": [...]};
objects JSON cannot hold travel as {"__object__": type name, "repr": ...}.
Nothing here decides whether a message is well formed (sandbox/messages.py
does, in the grader) or a value acceptable (observations.py does).
"""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

MAX_REPR = 200
MAX_TYPE_NAME = 100


def encode(value: Any) -> Any:
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        if value.dtype.kind in "biuf":
            return {"__ndarray__": value.astype(np.float64).ravel().tolist(),
                    "dtype": str(value.dtype), "shape": list(value.shape)}
    elif isinstance(value, (bool, np.bool_)):
        return bool(value)
    elif isinstance(value, (int, np.integer)) and type(value) in (int, *np.sctypeDict.values()):
        return int(value)
    elif type(value) is float or type(value) in (np.float64, np.float32, np.float16):
        return float(value)
    elif type(value) is str:
        return value
    elif value is None:
        return None
    elif type(value) in (list, tuple):
        return [encode(v) for v in value]
    elif type(value) is dict:
        return {str(k): encode(v) for k, v in value.items()}
    # Anything else (subclasses included, whose methods a submission controls)
    # is described, never converted.
    try:
        text = repr(value)[:MAX_REPR]
    except BaseException:
        text = "<repr failed>"
    return {"__object__": type(value).__name__[:MAX_TYPE_NAME], "repr": text}


def dumps(message: dict) -> bytes:
    return (json.dumps(encode(message), allow_nan=True) + "\n").encode()


def decode_array(data: Any) -> np.ndarray:
    """The inverse of encode for arrays; raises ValueError on anything else."""
    if not isinstance(data, dict) or "__ndarray__" not in data:
        raise ValueError("not an array")
    shape = tuple(int(n) for n in data["shape"])
    flat = np.asarray(data["__ndarray__"], dtype=np.float64)
    if flat.size != math.prod(shape):  # Python ints: a claimed shape cannot overflow
        raise ValueError("array data does not fill its shape")
    return flat.reshape(shape)
