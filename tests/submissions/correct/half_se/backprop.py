# %% [markdown]
# # Week 2, Day 7: Backpropagation and Training
#
# In backward() I use the same loss as Exercise 1, L = 0.5 * (y - a2)^2,
# summed over the outputs and averaged over the samples, so
# dL/dz2 = (a2 - y) * sigmoid'(z2), like dL_dz2 in manual_backprop.

# %%
import numpy as np
import matplotlib.pyplot as plt


# %%
def sigmoid(x):
    """Elementwise logistic function 1 / (1 + e^-x), for scalars and arrays."""
    x = np.asarray(x, dtype=float)
    out = 1 / (1 + np.exp(-np.clip(x, -250, 250)))
    return out if out.ndim else float(out)


def sigmoid_derivative(x):
    """Derivative of the sigmoid at the pre-activation x."""
    s = sigmoid(x)
    return s * (1 - s)


# %%
def manual_backprop(x, y_true, w1, b1, w2, b2):
    """Forward and backward pass of the 1-1-1 network, by hand, on scalars."""
    # Forward pass
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    a2 = sigmoid(z2)
    loss = 0.5 * (y_true - a2) ** 2

    # Backward pass
    dL_da2 = -(y_true - a2)
    da2_dz2 = sigmoid_derivative(z2)
    dL_dz2 = dL_da2 * da2_dz2
    dL_dw2 = dL_dz2 * a1
    dL_db2 = dL_dz2

    dL_da1 = dL_dz2 * w2
    da1_dz1 = sigmoid_derivative(z1)
    dL_dz1 = dL_da1 * da1_dz1
    dL_dw1 = dL_dz1 * x
    dL_db1 = dL_dz1

    return {
        "z1": z1, "a1": a1, "z2": z2, "a2": a2, "loss": loss,
        "dL_dw1": dL_dw1, "dL_db1": dL_db1, "dL_dw2": dL_dw2, "dL_db2": dL_db2,
    }


# %%
class NeuralNetwork:
    """Two-layer sigmoid network trained by gradient descent."""

    def __init__(self, input_size, hidden_size, output_size, learning_rate=0.1):
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))
        self.learning_rate = learning_rate

    def forward(self, X):
        self.z1 = np.dot(X, self.W1) + self.b1
        self.a1 = sigmoid(self.z1)
        self.z2 = np.dot(self.a1, self.W2) + self.b2
        self.a2 = sigmoid(self.z2)
        return self.a2

    def backward(self, X, y):
        m = X.shape[0]

        # Output layer: dL/da2 = (a2 - y), times sigmoid'(z2)
        dz2 = (self.a2 - y) * sigmoid_derivative(self.z2)
        dW2 = (1 / m) * np.dot(self.a1.T, dz2)
        db2 = (1 / m) * np.sum(dz2, axis=0, keepdims=True)

        # Hidden layer
        da1 = np.dot(dz2, self.W2.T)
        dz1 = da1 * sigmoid_derivative(self.z1)
        dW1 = (1 / m) * np.dot(X.T, dz1)
        db1 = (1 / m) * np.sum(dz1, axis=0, keepdims=True)

        self.gradients = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        return self.gradients

    def update_weights(self):
        for name in ("W1", "b1", "W2", "b2"):
            param = getattr(self, name)
            param -= self.learning_rate * self.gradients["d" + name]

    def compute_loss(self, y_true, y_pred):
        return np.mean((y_true - y_pred) ** 2)

    def train_step(self, X, y):
        y_pred = self.forward(X)
        loss = self.compute_loss(y, y_pred)
        self.backward(X, y)
        self.update_weights()
        return loss


# %%
def train(network, X, y, epochs):
    losses = []
    for epoch in range(epochs):
        losses.append(network.train_step(X, y))
    return losses


def plot_loss(losses, ax):
    ax.plot(range(len(losses)), losses)
    ax.set_yscale("log")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Loss (MSE)")
    ax.grid(True, which="both", alpha=0.3)


def plot_decision_boundary(network, X, y, ax):
    x_min, x_max = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
    y_min, y_max = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, 120), np.linspace(y_min, y_max, 120))
    Z = network.forward(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    cs = ax.contourf(xx, yy, Z, levels=np.linspace(0, 1, 11), cmap="RdYlBu", alpha=0.6)
    ax.contour(xx, yy, Z, levels=[0.5], colors="k")
    ax.scatter(X[:, 0], X[:, 1], c=np.ravel(y), cmap="RdYlBu", edgecolors="k", s=30)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")


# %%
def make_spiral_data(n_samples=300, noise=0.1):
    n = n_samples // 2
    theta = np.linspace(0, 4 * np.pi, n)

    r0 = theta / (2 * np.pi)
    X0 = np.column_stack([r0 * np.cos(theta) + np.random.randn(n) * noise,
                          r0 * np.sin(theta) + np.random.randn(n) * noise])

    theta1 = theta + np.pi
    r1 = theta1 / (2 * np.pi)
    X1 = np.column_stack([r1 * np.cos(theta1) + np.random.randn(n) * noise,
                          r1 * np.sin(theta1) + np.random.randn(n) * noise])

    X = np.vstack([X0, X1])
    y = np.vstack([np.zeros((n, 1)), np.ones((n, 1))])
    return X, y


# %%
def explore_hyperparameters(X, y, configs, epochs=2000):
    results = {}
    for config in configs:
        nn = NeuralNetwork(input_size=X.shape[1], hidden_size=config["hidden_size"],
                           output_size=y.shape[1], learning_rate=config["learning_rate"])
        results[config["name"]] = train(nn, X, y, epochs)
    return results
