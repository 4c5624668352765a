"""CHILD side of the backprop assignment: call the submission, report what it did.

Runs inside the sandboxed child, next to submission code, so it judges
nothing: it calls the interface with the inputs the grader chose and sends
back plain values. It imports no grader code but the wire format.
"""
from __future__ import annotations

import base64
import io

import numpy as np

from evaluations import Evaluations  # the child's copies: no grader package there
from wire import decode_array, encode

PARAMS = ("W1", "b1", "W2", "b2")


class Missing(Exception):
    """The submission does not define a name the probe needs."""


def run(kind: str, namespace: dict, args: dict):
    return PROBES[kind](namespace, _decode(args))


def _decode(value):
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return decode_array(value)
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _get(namespace: dict, name: str):
    if name not in namespace:
        raise Missing(f"{name} is not defined")
    return namespace[name]


def _network(namespace: dict, args: dict):
    """A NeuralNetwork of the given sizes carrying the grader's parameters.

    The submission's __init__ runs first so any attributes it keeps exist; if
    it raises, the object is built without it, so that forward and backward
    are still graded on their own.
    """
    cls = _get(namespace, "NeuralNetwork")
    sizes = args["sizes"]
    try:
        net = cls(*sizes, learning_rate=args.get("learning_rate", 0.1))
    except Exception:
        net = object.__new__(cls)
    set_params(net, args["params"])
    net.learning_rate = args.get("learning_rate", 0.1)
    return net


def set_params(net, params: dict) -> None:
    for name in PARAMS:
        setattr(net, name, np.array(params[name], dtype=np.float64))


def get_params(net) -> dict:
    """Copies: update_weights may change the arrays in place afterwards."""
    return {name: _copy(getattr(net, name, None)) for name in PARAMS}


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _number(value):
    """A loss as a float when numpy can make one of it (0-d, (1,), (1, 1), a numpy scalar), else as it is.

    The probe never converts in a way that raises: the loss's shape is
    network.compute_loss's to charge, and training is judged from the parameters.
    """
    if type(value) in (float, int, np.ndarray) or isinstance(value, np.generic):
        array = np.asarray(value)
        if array.size == 1 and array.dtype.kind in "fiu":
            return float(array.reshape(()))
    return _as_sent(value)


def sigmoid(namespace, args):
    f = _get(namespace, "sigmoid")
    return {"array": f(args["array"]), "scalars": [f(x) for x in args["scalars"]]}


def sigmoid_derivative(namespace, args):
    f = _get(namespace, "sigmoid_derivative")
    return {"array": f(args["array"]), "scalars": [f(x) for x in args["scalars"]]}


def manual_backprop(namespace, args):
    f = _get(namespace, "manual_backprop")
    results = []
    for case in args["cases"]:
        result = f(*case)
        results.append(dict(result) if isinstance(result, dict) else result)
    return results


def init(namespace, args):
    cls = _get(namespace, "NeuralNetwork")
    out = []
    for sizes in args["shapes"]:
        np.random.seed(args["seed"])
        net = cls(*sizes, learning_rate=args["learning_rate"])
        out.append({**get_params(net), "learning_rate": getattr(net, "learning_rate", None)})
    return out


def forward(namespace, args):
    net = _network(namespace, args)
    a2 = net.forward(args["X"])
    return {"returned": a2, **{k: getattr(net, k, None) for k in ("z1", "a1", "z2", "a2")}}


def _cached(net, cache: dict) -> None:
    """The grader's z1, a1, z2, a2 on the network, as forward would have left them.

    The submission's forward is never run for backward, so a stub or a bug in
    forward is forward's check to charge, not backward's.
    """
    for name, value in cache.items():
        setattr(net, name, np.array(value, dtype=np.float64))


def backward(namespace, args):
    net = _network(namespace, args)
    X, y = args["X"], args["y"]
    _cached(net, args["cache"])
    _n, h, k = args["sizes"]
    with Evaluations(namespace, type(net), X.shape[0], h + k) as evaluations:
        first = net.backward(X, y)
        # Made plain data while counted: a mapping's __getitem__, a key's __str__ or
        # an attribute's getter could otherwise compute the gradients after the count.
        first = encode(dict(first) if isinstance(first, dict) else first)
        stored = getattr(net, "gradients", None)
        stored = encode(dict(stored) if isinstance(stored, dict) else stored)
        params_after = get_params(net)
    _cached(net, args["cache"])
    second = net.backward(X, y)
    return {"returned": first, "stored": stored, "again": dict(second) if isinstance(second, dict) else second,
            "params_after": params_after, "evaluations": evaluations.passes()}


def backward_at_scale(namespace, args):
    """backward once on a large network; the grader's deadline and memory limit judge what it costs.

    The cache is computed here, not sent: on this network it is far more
    numbers than the gradients.
    """
    net = _network(namespace, args)
    p, X = args["params"], args["X"]
    z1 = X @ p["W1"] + p["b1"]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ p["W2"] + p["b2"]
    _cached(net, {"z1": z1, "a1": a1, "z2": z2, "a2": 1 / (1 + np.exp(-z2))})
    grads = net.backward(X, args["y"])
    return {"returned": dict(grads) if isinstance(grads, dict) else grads}


def update_weights(namespace, args):
    net = _network(namespace, args)
    net.gradients = {k: np.array(v, dtype=np.float64) for k, v in args["gradients"].items()}
    net.update_weights()
    return get_params(net)


def compute_loss(namespace, args):
    net = _network(namespace, args)
    return [net.compute_loss(y_true, y_pred) for y_true, y_pred in args["pairs"]]


def train_step(namespace, args):
    """Steps of train_step, and the same steps composed of the submission's own parts.

    The composed steps (forward, compute_loss, backward, update_weights,
    called one by one) are what train_step should reproduce, whatever each
    part computes: a bug in one of them is that part's check to charge. If a
    part raises, the composition is left out and train_step is judged alone.
    """
    X, y = args["X"], args["y"]
    composed = None
    try:
        own, composed = _network(namespace, args), []
        for _ in range(args["steps"]):
            loss = own.compute_loss(y, own.forward(X))
            gradients = own.backward(X, y)
            gradients = {k: _copy(v) for k, v in gradients.items()} if isinstance(gradients, dict) else gradients
            own.update_weights()
            composed.append({"loss": loss, "gradients": gradients, "params": get_params(own)})
    except Exception:
        composed = None
    net = _network(namespace, args)
    steps = []
    for _ in range(args["steps"]):
        loss = net.train_step(X, y)
        steps.append({"loss": loss, "params": get_params(net)})
    return {"steps": steps, "composed": composed}


def train(namespace, args):
    """train's losses, and what the same number of train_step calls gives."""
    f = _get(namespace, "train")
    net = _network(namespace, args)
    losses = _as_sent(f(net, args["X"], args["y"], args["epochs"]))
    return {"losses": losses, "params": get_params(net), **_steps(namespace, args, args["epochs"])}


def _steps(namespace, args, epochs: int) -> dict:
    net = _network(namespace, args)
    losses = [net.train_step(args["X"], args["y"]) for _ in range(epochs)]
    return {"step_losses": losses, "step_params": get_params(net)}


def _as_sent(losses):
    """A sequence of losses, each item as it is.

    float() would run an object's own __float__; as they are, numpy's and
    Python's numbers travel as numbers and anything else (a float subclass, a
    str) is described by wire, and refused by the grader.
    """
    return list(losses) if type(losses) in (list, tuple, np.ndarray) else losses


def fit(namespace, args):
    """Train with the submission's own train_step until the goal is met.

    Parameters are recorded after the first epoch and every `check_every`
    epochs, so the grader can measure the step from the first and replay any
    stretch of training to confirm it was gradient descent.
    The goal check here only saves time; the grader re-judges from the
    parameters.
    """
    net = _network(namespace, args)
    X, y = args["X"], args["y"]
    every, goal = args["check_every"], args["goal"]
    checkpoints, losses, first, evaluations = [get_params(net)], [], None, None
    _n, h, k = args["sizes"]
    for epoch in range(1, args["max_epochs"] + 1):
        if epoch == 1:  # counted once, as in backward: a step by finite differences evaluates it dozens of times
            with Evaluations(namespace, type(net), X.shape[0], h + k) as counted:
                losses.append(_number(net.train_step(X, y)))
                first = get_params(net)  # read while counted: a property could step after the count
            evaluations = counted.passes()
        else:
            losses.append(_number(net.train_step(X, y)))
        if epoch % every == 0:
            params = get_params(net)
            checkpoints.append(params)
            if _goal_met(params, X, y, goal):
                break
    return {"checkpoints": checkpoints, "first": first, "losses": losses, "every": every,
            "evaluations": evaluations}


def _goal_met(params: dict, X, y, goal: dict) -> bool:
    try:  # the parameters are the submission's: anything here may raise
        a1 = 1 / (1 + np.exp(-np.clip(X @ params["W1"] + params["b1"], -500, 500)))
        a2 = 1 / (1 + np.exp(-np.clip(a1 @ params["W2"] + params["b2"], -500, 500)))
        if goal["kind"] == "all_within":
            return bool(np.all(np.abs(a2 - y) < goal["tolerance"]))
        return float(np.mean((a2 > 0.5) == y)) >= goal["accuracy"]
    except Exception:
        return False


def spiral_data(namespace, args):
    f = _get(namespace, "make_spiral_data")
    out = []
    for call in args["calls"]:
        np.random.seed(call["seed"])
        X, y = f(n_samples=call["n_samples"], noise=call["noise"])
        out.append({"X": X, "y": y})
    return out


def hyperparameters(namespace, args):
    """Run explore_hyperparameters, recording every NeuralNetwork it builds."""
    f = _get(namespace, "explore_hyperparameters")
    cls = _get(namespace, "NeuralNetwork")
    built = []

    class Recorded(cls):
        def __init__(self, input_size, hidden_size, output_size, learning_rate=0.1, *rest, **kw):
            super().__init__(input_size, hidden_size, output_size, learning_rate, *rest, **kw)
            built.append({"sizes": [input_size, hidden_size, output_size],
                          "learning_rate": getattr(self, "learning_rate", None), "params": get_params(self)})

    Recorded.__name__ = Recorded.__qualname__ = cls.__name__
    namespace["NeuralNetwork"] = Recorded
    try:
        np.random.seed(args["seed"])
        curves = f(args["X"], args["y"], args["configs"], epochs=args["epochs"])
    finally:
        namespace["NeuralNetwork"] = cls
    if isinstance(curves, dict):
        curves = {str(k): _as_sent(losses) for k, losses in curves.items()}
    # Each network's own train_step from its own start: what its curve should be.
    for record in built:
        replay = {**args, "sizes": record["sizes"], "params": record["params"],
                  "learning_rate": record["learning_rate"]}
        record["step_losses"] = _steps(namespace, replay, args["epochs"])["step_losses"]
    return {"curves": curves, "networks": built}


def plot_loss(namespace, args):
    f = _get(namespace, "plot_loss")
    return _draw(lambda ax: f(args["losses"], ax))


def plot_decision_boundary(namespace, args):
    f = _get(namespace, "plot_decision_boundary")
    net = _network(namespace, args)
    return _draw(lambda ax: f(net, args["X"], args["y"], ax))


def _draw(draw) -> dict:
    """Draw on a fresh Axes; return the facts a grader checks, and a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PathCollection, QuadMesh
    from matplotlib.contour import ContourSet

    fig, ax = plt.subplots(figsize=(5, 4))
    draw(ax)
    lines = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]
    # Points may be drawn with scatter or with plot(..., "o"); a filled
    # picture of the output with contourf, pcolormesh or imshow.
    points = [np.asarray(c.get_offsets(), dtype=float) for c in ax.collections
              if isinstance(c, PathCollection) and not isinstance(c, ContourSet)]
    points += [np.asarray(line.get_xydata(), dtype=float) for line in ax.get_lines()
               if line.get_marker() not in (None, "", " ", "None")]
    surfaces = (sum(1 for c in ax.collections if isinstance(c, ContourSet) and c.filled)
                + sum(1 for c in ax.collections if isinstance(c, QuadMesh)) + len(ax.images))
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=72)
    facts = {
        "yscale": ax.get_yscale(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
        "title": ax.get_title(),
        "lines": [line.size for line in lines],
        "line_first": [float(line[0]) if line.size else None for line in lines],
        "surfaces": surfaces,
        "points": points,
        "png": base64.b64encode(png.getvalue()).decode(),
    }
    plt.close("all")
    return facts


PROBES = {f.__name__: f for f in (
    sigmoid, sigmoid_derivative, manual_backprop, init, forward, backward, backward_at_scale, update_weights,
    compute_loss, train_step, train, fit, spiral_data, hyperparameters, plot_loss,
    plot_decision_boundary)}
