import numpy as np
import matplotlib
import matplotlib.pyplot as plt

# ---------------------------------------------------------------------------
# Exercise 1
# ---------------------------------------------------------------------------

def sigmoid(x):
    # clip to keep np.exp in range (sigmoid(+-500) is already exactly 0 or 1)
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500.0, 500.0)))


def sigmoid_derivative(x):
    sx = sigmoid(x)
    return sx * (1.0 - sx)


def manual_backprop(x, y_true, w1, b1, w2, b2):
    cache = {}
    cache["z1"] = w1 * x + b1
    cache["a1"] = sigmoid(cache["z1"])
    cache["z2"] = w2 * cache["a1"] + b2
    cache["a2"] = sigmoid(cache["z2"])
    cache["loss"] = 0.5 * (y_true - cache["a2"]) ** 2

    dL_dz2 = -(y_true - cache["a2"]) * sigmoid_derivative(cache["z2"])
    dL_dz1 = dL_dz2 * w2 * sigmoid_derivative(cache["z1"])
    cache.update(dL_dw2=dL_dz2 * cache["a1"], dL_db2=dL_dz2,
                 dL_dw1=dL_dz1 * x, dL_db1=dL_dz1)
    return cache


# ---------------------------------------------------------------------------
# Exercise 2
# ---------------------------------------------------------------------------

class NeuralNetwork:
    """2-layer sigmoid MLP. Xavier/Glorot uniform init, cross-entropy gradients."""

    PARAM_NAMES = ("W1", "b1", "W2", "b2")

    def __init__(self, input_size, hidden_size, output_size, learning_rate=0.1):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.learning_rate = learning_rate
        self.W1 = self._xavier(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = self._xavier(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))
        self.gradients = None
        self.loss_history = []
        self.steps_taken = 0

    @staticmethod
    def _xavier(fan_in, fan_out):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return np.random.uniform(-limit, limit, size=(fan_in, fan_out))

    def __repr__(self):
        return (f"NeuralNetwork({self.input_size}-{self.hidden_size}-{self.output_size}, "
                f"lr={self.learning_rate}, steps={self.steps_taken})")

    def parameters(self):
        return {name: getattr(self, name) for name in self.PARAM_NAMES}

    def n_parameters(self):
        return sum(p.size for p in self.parameters().values())

    def forward(self, X):
        self.z1 = np.matmul(X, self.W1) + self.b1
        self.a1 = sigmoid(self.z1)
        self.z2 = np.matmul(self.a1, self.W2) + self.b2
        self.a2 = sigmoid(self.z2)
        return self.a2

    def predict(self, X, threshold=0.5):
        return (self.forward(X) > threshold).astype(int)

    def accuracy(self, X, y):
        return float(np.mean(self.predict(X) == y))

    def backward(self, X, y):
        m = X.shape[0]
        dz2 = (self.a2 - y) / m            # BCE + sigmoid, averaged over the batch
        dz1 = np.matmul(dz2, self.W2.T) * sigmoid_derivative(self.z1)
        self.gradients = {
            "dW1": np.matmul(X.T, dz1),
            "db1": np.sum(dz1, axis=0, keepdims=True),
            "dW2": np.matmul(self.a1.T, dz2),
            "db2": np.sum(dz2, axis=0, keepdims=True),
        }
        return self.gradients

    def update_weights(self):
        for name in self.PARAM_NAMES:
            new_value = getattr(self, name) - self.learning_rate * self.gradients["d" + name]
            setattr(self, name, new_value)
        self.steps_taken += 1

    def compute_loss(self, y_true, y_pred):
        return np.mean(np.square(y_true - y_pred))

    def train_step(self, X, y):
        out = self.forward(X)
        loss = self.compute_loss(y, out)
        self.loss_history.append(loss)
        self.backward(X, y)
        self.update_weights()
        return loss


# ---------------------------------------------------------------------------
# Exercise 3
# ---------------------------------------------------------------------------

def train(network, X, y, epochs):
    losses = []
    for epoch in range(1, epochs + 1):
        losses.append(network.train_step(X, y))
    return losses


def plot_loss(losses, ax):
    ax.plot(np.asarray(losses), label="train loss")
    ax.set_yscale("log")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Loss")
    ax.legend()


def plot_decision_boundary(network, X, y, ax, resolution=100):
    margin = 0.5
    x_range = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    y_range = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    XX, YY = np.meshgrid(x_range, y_range)
    probs = network.forward(np.c_[XX.ravel(), YY.ravel()]).reshape(XX.shape)
    ax.pcolormesh(XX, YY, probs, cmap="RdYlBu", vmin=0, vmax=1, shading="auto", alpha=0.5)
    flat = np.asarray(y).ravel().astype(int)
    for cls, marker in ((0, "o"), (1, "^")):
        pts = X[flat == cls]
        ax.scatter(pts[:, 0], pts[:, 1], marker=marker, edgecolors="k", label=f"Class {cls}")
    ax.set_title("Decision boundary")
    ax.legend()


# ---------------------------------------------------------------------------
# Exercise 4 + challenge
# ---------------------------------------------------------------------------

def make_spiral_data(n_samples=300, noise=0.1):
    n = n_samples // 2
    theta = np.linspace(0, 4 * np.pi, n)
    X = np.zeros((2 * n, 2))
    for k in range(2):
        t = theta + k * np.pi
        r = t / (2 * np.pi)
        X[k * n:(k + 1) * n] = np.c_[r * np.cos(t), r * np.sin(t)] + np.random.randn(n, 2) * noise
    y = np.zeros((2 * n, 1))
    y[n:] = 1
    return X, y


def explore_hyperparameters(X, y, configs, epochs=2000):
    out = {}
    for config in configs:
        network = NeuralNetwork(X.shape[1], config["hidden_size"], y.shape[1],
                                learning_rate=config["learning_rate"])
        out[config["name"]] = train(network, X, y, epochs)
    return out
