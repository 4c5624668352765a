"""CHILD side: how many times one call of the submission evaluates its network.

Shipped beside probes.py into the sandboxed child (the assignment's
`probe_files`); the backward probe uses it to tell backpropagation from
numerical differentiation.
"""
from __future__ import annotations

import math
import sys
import types
from collections import Counter

import numpy as np


# What a sigmoid or a loss is made of: counted by elements. `**` and `@` cannot
# be intercepted, but every loss ends in a reduction or a Python loop.
CURVES = {np: ("exp", "exp2", "expm1", "tanh", "power", "log", "log1p", "logaddexp"), math: ("exp", "tanh")}
REDUCTIONS = ("sum", "mean", "average")


class Evaluations:
    """How many times one call evaluates the network, in forward passes over the m samples.

    Backpropagation needs one pass or two (a sigmoid_derivative that recomputes
    sigmoid(z), a backward that calls forward first); finite differences need
    one or two per parameter. forward is counted by the rows it is given;
    sigmoid, exp and its kin (CURVES, scipy's expit) and reductions (np.sum,
    a.sum(), ...) by elements, a pass being m * (hidden + output) of them; and
    each line of the submission's Python by its executions over m. So a
    backward that loops over samples still makes one pass, while a private
    helper, a lambda or an inlined loop that re-evaluates the network per
    parameter does not hide. Everything replaced is put back on exit.
    """

    def __init__(self, namespace: dict, cls, m: int, per_sample: int):
        self.namespace, self.cls = namespace, cls
        self.rows, self.elements = max(m, 1), max(m * per_sample, 1)
        self.counts = {"forward": 0.0, "sigmoid": 0.0, "exp": 0.0, "reduce": 0.0}
        self.lines = Counter()
        self.restore = []

    def passes(self) -> float:
        return max(*self.counts.values(), max(self.lines.values(), default=0) / self.rows)

    def _trace(self, frame, event, arg):
        if frame.f_globals is not self.namespace:  # numpy's own lines, and these wrappers, are not the submission's
            return None
        self.lines[frame.f_code, frame.f_lineno] += event == "line"
        return self._trace

    def _profile(self, frame, event, arg):
        # a.sum(), a.mean(): methods of the array, seen only as C calls.
        if event == "c_call" and getattr(arg, "__name__", "") in REDUCTIONS:
            owner = getattr(arg, "__self__", None)
            if isinstance(owner, np.ndarray):
                self.counts["reduce"] += owner.size / self.elements


    def _counting(self, what: str, f):
        def counted(*a, **kw):
            if what == "forward":  # a[0] is self
                x = a[1] if len(a) > 1 else None
                self.counts[what] += (len(x) if isinstance(x, np.ndarray) and x.ndim else self.rows) / self.rows
            else:
                x = a[0] if a else None
                self.counts[what] += (x.size if isinstance(x, np.ndarray) else 1) / self.elements
            return f(*a, **kw)
        return counted

    def _replace(self, owner, name: str, what: str) -> None:
        """Count owner.name (owner[name] for a dict) until exit."""
        if isinstance(owner, dict):
            original = owner[name]
            owner[name] = self._counting(what, original)
            self.restore.append(lambda: owner.__setitem__(name, original))
            return
        own, original = name in vars(owner), getattr(owner, name)
        try:
            setattr(owner, name, self._counting(what, original))
        except Exception:  # a class that refuses new attributes is simply not counted
            return
        self.restore.append((lambda: setattr(owner, name, original)) if own else (lambda: delattr(owner, name)))

    def __enter__(self):
        if callable(self.namespace.get("sigmoid")):
            self._replace(self.namespace, "sigmoid", "sigmoid")
        if isinstance(getattr(self.cls, "forward", None), types.FunctionType):
            self._replace(self.cls, "forward", "forward")
        special = sys.modules.get("scipy.special")
        counted = [(module, name, "exp") for module, names in CURVES.items() for name in names]
        counted += [(special, "expit", "exp")] if special else []
        counted += [(np, name, "reduce") for name in REDUCTIONS]
        for module, name, what in counted:
            original = getattr(module, name, None)
            if original is None:
                continue
            self._replace(module, name, what)
            for alias in [n for n, v in self.namespace.items() if v is original]:  # from numpy import exp
                self._replace(self.namespace, alias, what)
        hooks = sys.gettrace(), sys.getprofile()
        self.restore.append(lambda: (sys.settrace(hooks[0]), sys.setprofile(hooks[1])))
        sys.settrace(self._trace)
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc):
        for undo in reversed(self.restore):
            undo()
        return False
