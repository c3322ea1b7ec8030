"""What crosses from a submission's kernel to the judge: plain data, never anything executable.

``genzoo-grade`` runs each exercise's check in the kernel with a :class:`Recorder` in place of the
student's function: it calls the function, turns each return value into plain JSON data
(:func:`encode`: numbers, strings, lists, dicts, and ``torch.Tensor`` / ``numpy.ndarray`` as dtype,
shape and raw bytes) and notes any exception by its name. A separate, clean process then runs the
same check again with a :class:`Replay` of those values (:mod:`genzoo_lite.grading.judge`): the
check builds its own inputs and computes every verdict there, so nothing the submission changed in
its kernel (the checks, ``torch.allclose``, numpy, the grader itself) takes part in a verdict. A
value the grader cannot read as plain data (an object with its own ``__eq__``, a tensor subclass)
scores 0 with the reason; pickle is never used.
"""
from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np
import torch

MAX_ELEMENTS = 5_000_000  # per tensor or array: far above any exercise's answer
MAX_ITEMS = 100_000  # list, tuple and dict entries in one value
MAX_DEPTH = 20
MAX_TEXT = 10_000

_TORCH = {str(d).removeprefix("torch."): d for d in (
    torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32,
    torch.int16, torch.int8, torch.uint8, torch.bool)}
_NUMPY = {np.dtype(t).str: np.dtype(t) for t in (
    np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
    np.uint16, np.uint32, np.uint64, np.bool_)}
_SCALARS = {np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
            np.uint16, np.uint32, np.uint64, np.bool_}


class Unreadable(BaseException):
    """A returned value that is not plain data; it ends the check with score 0 and the reason.
    (A BaseException, so that no ``except Exception`` in a check turns it into a message.)"""


class CheckTimeout(BaseException):
    """The student's function ran past the exercise's time limit."""


class RecordMismatch(BaseException):
    """The replayed check asked for a call the kernel's record does not hold."""


def _unreadable(value: Any, why: str) -> dict:
    kind = type(value)
    name = f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" \
        else kind.__qualname__
    return {"unreadable": name[:200], "why": why}


def encode(value: Any, depth: int = 0, budget: list[int] | None = None) -> Any:
    """``value`` as JSON data; types are tested with ``type(x) is ...``, never ``isinstance``, so
    that a subclass (a lying tensor, an int with its own ``__eq__``) is named, not trusted."""
    budget = [MAX_ITEMS] if budget is None else budget
    kind = type(value)
    if depth > MAX_DEPTH:
        return _unreadable(value, f"nested more than {MAX_DEPTH} levels deep")
    if value is None or kind is bool or kind is str and len(value) <= MAX_TEXT:
        return value
    if kind is int:
        return value if abs(value) < 2 ** 63 else {"bigint": str(value)[:MAX_TEXT]}
    if kind is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if kind is list or kind is tuple or kind is dict:
        budget[0] -= len(value)
        if budget[0] < 0:
            return _unreadable(value, f"more than {MAX_ITEMS} entries")
        if kind is dict:
            if not all(type(k) in (str, int) for k in value):
                return _unreadable(value, "a dict whose keys are not all str or int")
            return {"dict": [[encode(k, depth + 1, budget), encode(v, depth + 1, budget)]
                             for k, v in dict.items(value)]}
        items = [encode(v, depth + 1, budget) for v in (list.__iter__(value) if kind is list
                                                       else tuple.__iter__(value))]
        return {kind.__name__: items}
    if kind is torch.Tensor or kind is torch.nn.Parameter:
        tensor = torch.Tensor.detach(value)
        name = str(tensor.dtype).removeprefix("torch.")
        if name not in _TORCH or tensor.layout != torch.strided or tensor.is_quantized:
            return _unreadable(value, f"a tensor of dtype {tensor.dtype}, layout {tensor.layout}")
        if tensor.numel() > MAX_ELEMENTS:
            return _unreadable(value, f"a tensor of more than {MAX_ELEMENTS} elements")
        raw = torch.Tensor.contiguous(torch.Tensor.cpu(tensor))
        data = raw.view(torch.uint8) if raw.dim() else raw.reshape(1).view(torch.uint8)
        return {"tensor": name, "shape": list(tensor.shape),
                "data": base64.b64encode(np.asarray(data.numpy()).tobytes()).decode()}
    if kind is np.ndarray:
        if value.dtype.str not in _NUMPY or value.dtype.hasobject:
            return _unreadable(value, f"an array of dtype {value.dtype}")
        if value.size > MAX_ELEMENTS:
            return _unreadable(value, f"an array of more than {MAX_ELEMENTS} elements")
        return {"ndarray": value.dtype.str, "shape": list(value.shape),
                "data": base64.b64encode(np.ascontiguousarray(value).tobytes()).decode()}
    if kind in _SCALARS:
        return {"npscalar": np.dtype(kind).str,
                "data": base64.b64encode(np.array(value, dtype=kind).tobytes()).decode()}
    if kind is str:
        return _unreadable(value, f"a string longer than {MAX_TEXT} characters")
    return _unreadable(value, "not plain data")


def _shape(shape: Any) -> tuple[int, ...]:
    if type(shape) is not list or not all(type(s) is int and 0 <= s for s in shape):
        raise ValueError(f"bad shape {shape!r}")
    if math.prod(shape) > MAX_ELEMENTS:
        raise ValueError("too many elements")
    return tuple(shape)


def decode(data: Any, depth: int = 0) -> Any:
    """The value :func:`encode` described, rebuilt from JSON data only (strict: anything else
    raises ValueError). An unreadable value raises :class:`Unreadable` with the reason."""
    if depth > MAX_DEPTH + 2:
        raise ValueError("nested too deep")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is not dict or len(data) < 1:
        raise ValueError(f"not an encoded value: {type(data).__name__}")
    if "unreadable" in data:
        raise Unreadable(f"returned a {str(data['unreadable'])[:200]} "
                         f"({str(data.get('why', ''))[:200]}): the grader reads only plain "
                         "numbers, strings, lists, dicts, torch.Tensor and numpy arrays")
    if "list" in data or "tuple" in data:
        items = data.get("list", data.get("tuple"))
        if type(items) is not list:
            raise ValueError("bad list")
        values = [decode(v, depth + 1) for v in items]
        return values if "list" in data else tuple(values)
    if "dict" in data:
        return {decode(k, depth + 1): decode(v, depth + 1) for k, v in data["dict"]}
    if "float" in data:
        return float({"nan": "nan", "inf": "inf", "-inf": "-inf"}[data["float"]])
    if "bigint" in data:
        return int(str(data["bigint"]))
    raw = base64.b64decode(str(data.get("data", "")), validate=True)
    if "tensor" in data:
        dtype, shape = _TORCH[data["tensor"]], _shape(data["shape"])
        size = torch.empty((), dtype=dtype).element_size()
        if len(raw) != math.prod(shape) * size:
            raise ValueError("tensor bytes do not match its shape")
        flat = torch.frombuffer(bytearray(raw), dtype=torch.uint8) if raw else \
            torch.empty(0, dtype=torch.uint8)
        return flat.view(dtype).reshape(shape).clone()
    if "ndarray" in data:
        dtype, shape = _NUMPY[data["ndarray"]], _shape(data["shape"])
        if len(raw) != math.prod(shape) * dtype.itemsize:
            raise ValueError("array bytes do not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if "npscalar" in data:
        dtype = _NUMPY[data["npscalar"]]
        if len(raw) != dtype.itemsize:
            raise ValueError("bad scalar")
        return np.frombuffer(raw, dtype=dtype)[0]
    raise ValueError(f"unknown encoded value {sorted(data)[:3]}")


_BASES = {"NotImplementedError": NotImplementedError, "ValueError": ValueError,
          "Exception": Exception}


def _raise(record: dict) -> None:
    """Raise the exception a call record describes: its name kept, its base class one of
    NotImplementedError, ValueError or Exception (what the checks tell apart)."""
    base = _BASES.get(record.get("base"), Exception)
    name = str(record.get("raised", "Exception"))[:100]
    if not name.isidentifier():
        name = "Exception"
    kind = base if name == base.__name__ else type(name, (base,), {})
    raise kind(str(record.get("message", ""))[:MAX_TEXT])


class Recorder:
    """Stands in for the student's function inside the kernel: each call runs the function,
    records the result as plain data, and returns exactly what a :class:`Replay` of the record
    will return (the decoded value, or the rebuilt exception)."""

    def __init__(self, fn: Any):
        self.fn, self.calls = fn, []

    def __call__(self, *args, **kwargs):
        try:
            value = self.fn(*args, **kwargs)
        except CheckTimeout:
            self.calls.append({"timeout": True})
            raise
        except BaseException as err:  # noqa: BLE001 - SystemExit too: recorded, not obeyed
            base = next((b for b in _BASES if isinstance(err, _BASES[b])), "Exception")
            record = {"raised": type(err).__name__, "base": base, "message": str(err)[:MAX_TEXT]}
            self.calls.append(record)
            _raise(record)
        record = {"value": encode(value)}
        self.calls.append(record)
        return decode(record["value"])


class Replay:
    """The student's function as the judge sees it: the recorded calls, in order."""

    def __init__(self, calls: list):
        if type(calls) is not list:
            raise ValueError("a record's calls must be a list")
        self.calls, self.next = calls, 0

    def __call__(self, *args, **kwargs):
        if self.next >= len(self.calls):
            raise RecordMismatch(f"the kernel recorded {len(self.calls)} calls, the check "
                                 f"makes more")
        record = self.calls[self.next]
        self.next += 1
        if type(record) is not dict:
            raise RecordMismatch("a call record is not a dict")
        if record.get("timeout") is True:
            raise CheckTimeout
        if "raised" in record:
            _raise(record)
        if "value" not in record:
            raise RecordMismatch("a call record holds neither a value nor an exception")
        try:
            return decode(record["value"])
        except (ValueError, KeyError, TypeError, IndexError, OverflowError,
                RuntimeError) as err:
            raise RecordMismatch(f"a recorded value is malformed ({type(err).__name__}: "
                                 f"{str(err)[:200]})") from None
