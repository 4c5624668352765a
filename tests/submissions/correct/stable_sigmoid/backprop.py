"""Backpropagation from scratch (Week 2, Day 7).

Notes to self:
* sigmoid(x) = 1 / (1 + e^-x) = exp(-log(1 + e^-x)) = exp(-logaddexp(0, -x)),
  and np.logaddexp never overflows, so no warnings even at x = -1000.
* With a sigmoid output and cross-entropy loss the sigmoid' cancels:
  dL/dz2 = a2 - y (per sample), then average over the batch.
"""
import numpy as np
import matplotlib.pyplot as plt


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=np.float64)))


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s - s * s


def manual_backprop(x, y_true, w1, b1, w2, b2):
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    a2 = sigmoid(z2)
    loss = 0.5 * (y_true - a2) ** 2

    delta2 = (a2 - y_true) * sigmoid_derivative(z2)   # dL/dz2
    delta1 = delta2 * w2 * sigmoid_derivative(z1)     # dL/dz1
    return {
        "z1": z1, "a1": a1, "z2": z2, "a2": a2, "loss": loss,
        "dL_dw2": delta2 * a1, "dL_db2": delta2,
        "dL_dw1": delta1 * x, "dL_db1": delta1,
    }


class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size, learning_rate=0.1):
        rng = np.random
        self.W1 = rng.standard_normal((input_size, hidden_size))
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = rng.standard_normal((hidden_size, output_size))
        self.b2 = np.zeros((1, output_size))
        self.learning_rate = learning_rate
        self.gradients = {}

    @staticmethod
    def _dense(inputs, W, b):
        """Affine layer followed by the sigmoid; returns (pre-activation, activation)."""
        z = inputs @ W + b
        return z, sigmoid(z)

    def forward(self, X):
        X = np.asarray(X, dtype=np.float64)
        self.z1, self.a1 = self._dense(X, self.W1, self.b1)
        self.z2, self.a2 = self._dense(self.a1, self.W2, self.b2)
        return self.a2

    def backward(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        m = len(X)

        delta_out = (self.a2 - y) / m                                   # dL/dz2
        delta_hidden = (delta_out @ self.W2.T) * sigmoid_derivative(self.z1)  # dL/dz1

        grads = {
            "dW2": self.a1.T @ delta_out,
            "db2": delta_out.sum(axis=0, keepdims=True),
            "dW1": X.T @ delta_hidden,
            "db1": delta_hidden.sum(axis=0, keepdims=True),
        }
        self.gradients = grads
        return grads

    def update_weights(self):
        step = self.learning_rate
        g = self.gradients
        self.W1, self.b1 = self.W1 - step * g["dW1"], self.b1 - step * g["db1"]
        self.W2, self.b2 = self.W2 - step * g["dW2"], self.b2 - step * g["db2"]

    def compute_loss(self, y_true, y_pred):
        err = np.asarray(y_true) - np.asarray(y_pred)
        return float(np.mean(err ** 2))

    def train_step(self, X, y):
        loss = self.compute_loss(y, self.forward(X))
        self.backward(X, y)
        self.update_weights()
        return loss


def train(network, X, y, epochs):
    history = []
    epoch = 0
    while epoch < epochs:
        history.append(network.train_step(X, y))
        epoch += 1
    return history


def plot_loss(losses, ax):
    ax.plot(losses, lw=1.5)
    ax.set(xlabel="Epoch", ylabel="Loss", yscale="log", title="Training loss")


def plot_decision_boundary(network, X, y, ax):
    X = np.asarray(X, dtype=float)
    labels = np.asarray(y).reshape(-1)
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    out = network.forward(np.stack([g0.ravel(), g1.ravel()], axis=1)).reshape(g0.shape)
    ax.contourf(g0, g1, out, levels=20, cmap="RdBu", alpha=0.5)
    ax.plot(X[labels == 0, 0], X[labels == 0, 1], "o", mfc="tab:red", mec="k", label="0")
    ax.plot(X[labels == 1, 0], X[labels == 1, 1], "s", mfc="tab:blue", mec="k", label="1")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="upper right")


def make_spiral_data(n_samples=300, noise=0.1):
    half = n_samples // 2
    t = np.linspace(0, 4 * np.pi, half)
    arms = []
    for offset in (0, np.pi):
        angle = t + offset
        radius = angle / (2 * np.pi)
        arm = np.column_stack([radius * np.cos(angle) + noise * np.random.randn(half),
                               radius * np.sin(angle) + noise * np.random.randn(half)])
        arms.append(arm)
    X = np.concatenate(arms)
    y = np.repeat([0.0, 1.0], half).reshape(-1, 1)
    return X, y


def explore_hyperparameters(X, y, configs, epochs=2000):
    return {
        c["name"]: train(NeuralNetwork(X.shape[1], c["hidden_size"], y.shape[1],
                                       learning_rate=c["learning_rate"]), X, y, epochs)
        for c in configs
    }
