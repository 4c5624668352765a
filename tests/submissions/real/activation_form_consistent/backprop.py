# Pattern (tests/submissions/real/cases.toml, activation_form_consistent): sigmoid_derivative(a) = a * (1 - a), every caller passes an activation
# Our own code, written the way public numpy tutorials write it.
import numpy as np
import matplotlib.pyplot as plt


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))


def sigmoid_derivative(a):
    # takes the activation a = sigmoid(z)
    return a * (1.0 - a)


def manual_backprop(x, y_true, w1, b1, w2, b2):
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    a2 = sigmoid(z2)
    loss = 0.5 * (y_true - a2) ** 2
    d2 = (a2 - y_true) * sigmoid_derivative(a2)
    d1 = d2 * w2 * sigmoid_derivative(a1)
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2, "loss": loss,
            "dL_dw1": d1 * x, "dL_db1": d1, "dL_dw2": d2 * a1, "dL_db2": d2}


class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size, learning_rate=0.1):
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))
        self.learning_rate = learning_rate

    def forward(self, X):
        self.z1 = X @ self.W1 + self.b1
        self.a1 = sigmoid(self.z1)
        self.z2 = self.a1 @ self.W2 + self.b2
        self.a2 = sigmoid(self.z2)
        return self.a2

    def backward(self, X, y):
        m = X.shape[0]
        delta2 = (self.a2 - y) * sigmoid_derivative(self.a2) / m
        delta1 = (delta2 @ self.W2.T) * sigmoid_derivative(self.a1)
        self.gradients = {"dW1": X.T @ delta1, "db1": np.sum(delta1, axis=0, keepdims=True),
                          "dW2": self.a1.T @ delta2, "db2": np.sum(delta2, axis=0, keepdims=True)}
        return self.gradients

    def update_weights(self):
        self.W1 -= self.learning_rate * self.gradients["dW1"]
        self.b1 -= self.learning_rate * self.gradients["db1"]
        self.W2 -= self.learning_rate * self.gradients["dW2"]
        self.b2 -= self.learning_rate * self.gradients["db2"]

    def compute_loss(self, y_true, y_pred):
        return np.mean((y_true - y_pred) ** 2)

    def train_step(self, X, y):
        output = self.forward(X)
        loss = self.compute_loss(y, output)
        self.backward(X, y)
        self.update_weights()
        return loss


def train(network, X, y, epochs):
    history = []
    for _ in range(epochs):
        history.append(network.train_step(X, y))
    return history


def plot_loss(losses, ax):
    ax.plot(losses)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")


def plot_decision_boundary(network, X, y, ax):
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 150)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 150)
    gx, gy = np.meshgrid(xs, ys)
    out = network.forward(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    ax.contourf(gx, gy, out, levels=20, alpha=0.5)
    flat = np.ravel(y)
    ax.scatter(X[flat == 0, 0], X[flat == 0, 1], c="tab:red", label="class 0")
    ax.scatter(X[flat == 1, 0], X[flat == 1, 1], c="tab:blue", label="class 1")


def make_spiral_data(n_samples=300, noise=0.1):
    half = n_samples // 2
    theta = np.linspace(0, 4 * np.pi, half)
    arms = []
    for shift in (0.0, np.pi):
        angle = theta + shift
        radius = angle / (2 * np.pi)
        arms.append(np.column_stack([radius * np.cos(angle) + noise * np.random.randn(half),
                                     radius * np.sin(angle) + noise * np.random.randn(half)]))
    labels = np.concatenate([np.zeros(half), np.ones(half)]).reshape(-1, 1)
    return np.vstack(arms), labels


def explore_hyperparameters(X, y, configs, epochs=2000):
    results = {}
    for config in configs:
        net = NeuralNetwork(X.shape[1], config["hidden_size"], y.shape[1], learning_rate=config["learning_rate"])
        results[config["name"]] = train(net, X, y, epochs)
    return results
