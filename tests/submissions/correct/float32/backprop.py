# A correct solution that computes the forward and backward passes in float32.
# %% [markdown]
# # Week 2, Day 7: Backpropagation and Training
#
# Fill in every function marked `NotImplementedError`, in order: each exercise
# builds on the one before. Check yourself at any time with
#
#     python -m grader path/to/your/folder
#
# The names, arguments and return values below are the assignment's interface:
# keep them exactly as they are.

# %%
import numpy as np
import matplotlib.pyplot as plt

# %% [markdown]
# ## Exercise 1: Manual gradient calculation
#
# Work through backpropagation by hand on a tiny network, 1 input -> 1 hidden
# neuron -> 1 output, to build intuition. First the activation from Day 6 and
# its derivative.


# %%
def sigmoid(x):
    """Elementwise logistic function 1 / (1 + e^-x), for scalars and arrays.

    Must stay finite, without overflow warnings, for |x| up to 1000.
    """
    # e^-x overflows float64 below x = -709; sigmoid is 0 or 1 to machine
    # precision long before |x| = 500, so clipping changes no result.
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))


def sigmoid_derivative(x):
    """Derivative of the sigmoid, sigma(x) * (1 - sigma(x)).

    `x` is the pre-activation z, not the activation sigmoid(z).
    """
    s = sigmoid(x)
    return s * (1 - s)


# %% [markdown]
# Now the 1-1-1 network itself. Forward pass: `z1 = w1*x + b1`,
# `a1 = sigmoid(z1)`, `z2 = w2*a1 + b2`, `a2 = sigmoid(z2)`, and the loss
# `L = 0.5 * (y_true - a2)**2`. Backward pass: the chain rule, one factor per
# step, from the loss back to each weight.


# %%
def manual_backprop(x, y_true, w1, b1, w2, b2):
    """Forward and backward pass of the 1-1-1 network, by hand, on scalars.

    Loss: L = 0.5 * (y_true - a2)**2.

    Returns a dict with the forward values `z1`, `a1`, `z2`, `a2`, `loss`
    and the gradients `dL_dw1`, `dL_db1`, `dL_dw2`, `dL_db2`.
    """
    # Forward pass
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    a2 = sigmoid(z2)
    loss = 0.5 * (y_true - a2) ** 2

    # Output layer gradients
    dL_da2 = -(y_true - a2)
    dL_dz2 = dL_da2 * sigmoid_derivative(z2)  # chain rule!
    dL_dw2 = dL_dz2 * a1
    dL_db2 = dL_dz2

    # Hidden layer gradients
    dL_da1 = dL_dz2 * w2
    dL_dz1 = dL_da1 * sigmoid_derivative(z1)  # chain rule again!
    dL_dw1 = dL_dz1 * x
    dL_db1 = dL_dz1

    return {
        "z1": z1, "a1": a1, "z2": z2, "a2": a2, "loss": loss,
        "dL_dw1": dL_dw1, "dL_db1": dL_db1, "dL_dw2": dL_dw2, "dL_db2": dL_db2,
    }


# %% [markdown]
# ## Exercise 2: Backpropagation in the NeuralNetwork class
#
# Add backpropagation to yesterday's `NeuralNetwork`. Shapes: `X` is
# (n_samples, input_size), `W1` (input_size, hidden_size), `b1`
# (1, hidden_size), `W2` (hidden_size, output_size), `b2` (1, output_size).


# %%
class NeuralNetwork:
    """Two-layer sigmoid network trained by gradient descent."""

    def __init__(self, input_size, hidden_size, output_size, learning_rate=0.1):
        """Random non-zero weights, zero biases, and the learning rate."""
        # HINT: W1, W2 from np.random.randn with the shapes above; b1, b2 from np.zeros((1, n)).
        # Standard deviation 1, not the lesson's 0.01: with tiny weights every
        # hidden unit computes nearly the same function and XOR stays at the
        # symmetric saddle (0 of 100 seeds train in 5000 epochs at lr 0.5).
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))
        self.learning_rate = learning_rate

    def forward(self, X):
        """Forward propagation: returns a2 and keeps z1, a1, z2, a2 on self."""
        # HINT: z1 = X @ W1 + b1, a1 = sigmoid(z1), z2 = a1 @ W2 + b2, a2 = sigmoid(z2).
        X = np.asarray(X, dtype=np.float32)
        self.z1 = np.dot(X, self.W1.astype(np.float32)) + self.b1.astype(np.float32)
        self.a1 = sigmoid(self.z1)
        self.z2 = np.dot(self.a1, self.W2) + self.b2
        self.a2 = sigmoid(self.z2)
        return self.a2

    def backward(self, X, y):
        """Backpropagation: gradients averaged over the m samples.

        Call after forward(X). `dz2 = a2 - y` is exactly the gradient of the
        binary cross-entropy -[y log a2 + (1 - y) log(1 - a2)], summed over
        outputs and averaged over samples, with respect to z2: the sigmoid's
        derivative cancels. (The squared error would need
        `(a2 - y) * sigmoid_derivative(z2)` instead.)

        Args:
            X: inputs (n_samples, n_features)
            y: targets (n_samples, n_outputs)

        Returns the dict `dW1`, `db1`, `dW2`, `db2`, also stored as
        self.gradients; each has the shape of its parameter.
        """
        # HINT: m = X.shape[0]; dz2 = a2 - y; dW2 = (1/m) a1.T @ dz2; then back through W2 and sigmoid'(z1).
        m = X.shape[0]  # number of samples
        X = np.asarray(X, dtype=np.float32)

        # Output layer gradients
        dz2 = self.a2 - y
        dW2 = (1 / m) * np.dot(self.a1.T, dz2)
        db2 = (1 / m) * np.sum(dz2, axis=0, keepdims=True)

        # Hidden layer gradients
        da1 = np.dot(dz2, self.W2.T)
        dz1 = da1 * sigmoid_derivative(self.z1)
        dW1 = (1 / m) * np.dot(X.T, dz1)
        db1 = (1 / m) * np.sum(dz1, axis=0, keepdims=True)

        self.gradients = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        return self.gradients

    def update_weights(self):
        """One gradient-descent step on W1, b1, W2, b2 from self.gradients."""
        # HINT: each parameter -= learning_rate * its gradient.
        self.W2 -= self.learning_rate * self.gradients["dW2"]
        self.b2 -= self.learning_rate * self.gradients["db2"]
        self.W1 -= self.learning_rate * self.gradients["dW1"]
        self.b1 -= self.learning_rate * self.gradients["db1"]

    def compute_loss(self, y_true, y_pred):
        """Mean squared error, np.mean((y_true - y_pred) ** 2)."""
        # HINT: the mean over all entries of the squared difference.
        return np.mean((y_true - y_pred) ** 2)

    def train_step(self, X, y):
        """Forward, loss, backward, update; returns the loss before the update."""
        # HINT: call forward, compute_loss, backward and update_weights in that order.
        y_pred = self.forward(X)
        loss = self.compute_loss(y, y_pred)
        self.backward(X, y)
        self.update_weights()
        return loss


# %% [markdown]
# ## Exercise 3: Train an XOR network
#
# Finally solve XOR: 4 hidden units, learning rate 0.5, 5000 epochs. A
# prediction is correct when |prediction - target| < 0.1.


# %%
def train(network, X, y, epochs):
    """Calls network.train_step(X, y) `epochs` times; returns the list of losses."""
    losses = []
    for _ in range(epochs):
        losses.append(network.train_step(X, y))
    return losses


def plot_loss(losses, ax):
    """Draws the loss curve on the matplotlib Axes `ax`, log y scale, labelled axes."""
    ax.plot(losses)
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Loss")
    ax.set_title("Training Loss")
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)


def plot_decision_boundary(network, X, y, ax):
    """Draws the network's output over a grid around X and both classes' points."""
    x_min, x_max = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
    y_min, y_max = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, 200), np.linspace(y_min, y_max, 200))
    Z = network.forward(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)

    ax.contourf(xx, yy, Z, alpha=0.4, cmap="RdYlBu", levels=20)
    labels = np.asarray(y).ravel()
    ax.scatter(X[labels == 0, 0], X[labels == 0, 1], c="red", edgecolors="k", label="Class 0")
    ax.scatter(X[labels == 1, 0], X[labels == 1, 1], c="blue", edgecolors="k", label="Class 1")
    ax.set_xlabel("Feature 1")
    ax.set_ylabel("Feature 2")
    ax.set_title("Learned Decision Boundary")
    ax.legend()


# %% demo
if __name__ == "__main__":
    X_xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y_xor = np.array([[0], [1], [1], [0]])

    nn_xor = NeuralNetwork(input_size=2, hidden_size=4, output_size=1, learning_rate=0.5)
    losses = train(nn_xor, X_xor, y_xor, epochs=5000)

    print("Input | Target | Prediction | Correct?")
    for x, target, pred in zip(X_xor, y_xor, nn_xor.forward(X_xor)):
        mark = "yes" if abs(target[0] - pred[0]) < 0.1 else "no"
        print(f"{x} |   {target[0]}    |   {pred[0]:.4f}   | {mark}")

    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    plot_loss(losses, axes[0])
    plot_decision_boundary(nn_xor, X_xor, y_xor, axes[1])
    plt.show()


# %% [markdown]
# ## Exercise 4: Spiral dataset classification
#
# A harder non-linear problem: two interleaved spirals, half a turn apart.


# %%
def make_spiral_data(n_samples=300, noise=0.1):
    """Two interleaved spirals: X (2*(n_samples//2), 2) and labels y (same, 1).

    Class 0 rows come first; the noise is Gaussian, drawn from np.random.
    """
    n = n_samples // 2
    theta = np.linspace(0, 4 * np.pi, n)

    # Class 0
    r0 = theta / (2 * np.pi)
    X0 = np.column_stack([r0 * np.cos(theta) + np.random.randn(n) * noise,
                          r0 * np.sin(theta) + np.random.randn(n) * noise])

    # Class 1: half a turn further
    theta = theta + np.pi
    r1 = theta / (2 * np.pi)
    X1 = np.column_stack([r1 * np.cos(theta) + np.random.randn(n) * noise,
                          r1 * np.sin(theta) + np.random.randn(n) * noise])

    X = np.vstack([X0, X1])
    y = np.hstack([np.zeros(n), np.ones(n)]).reshape(-1, 1)
    return X, y


# %% demo
if __name__ == "__main__":
    X_spiral, y_spiral = make_spiral_data(n_samples=300, noise=0.2)
    nn_spiral = NeuralNetwork(input_size=2, hidden_size=20, output_size=1, learning_rate=0.3)
    losses_spiral = train(nn_spiral, X_spiral, y_spiral, epochs=10000)
    accuracy = np.mean((nn_spiral.forward(X_spiral) > 0.5) == y_spiral)
    print(f"Spiral accuracy: {accuracy:.2%}")

    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    plot_loss(losses_spiral, axes[0])
    plot_decision_boundary(nn_spiral, X_spiral, y_spiral, axes[1])
    plt.show()


# %% [markdown]
# ## Mini-challenge: hyperparameter exploration
#
# How do the hidden size and the learning rate change learning? Train one
# network per configuration and compare the loss curves.


# %%
def explore_hyperparameters(X, y, configs, epochs=2000):
    """Trains one network per config; returns {config['name']: list of losses}.

    Each config is a dict with `hidden_size`, `learning_rate` and `name`.
    """
    curves = {}
    for config in configs:
        network = NeuralNetwork(X.shape[1], config["hidden_size"], y.shape[1],
                                learning_rate=config["learning_rate"])
        curves[config["name"]] = train(network, X, y, epochs)
    return curves


# %% demo
if __name__ == "__main__":
    configs = [
        {"hidden_size": 2, "learning_rate": 0.1, "name": "Small network, slow learning"},
        {"hidden_size": 2, "learning_rate": 1.0, "name": "Small network, fast learning"},
        {"hidden_size": 10, "learning_rate": 0.1, "name": "Large network, slow learning"},
        {"hidden_size": 10, "learning_rate": 1.0, "name": "Large network, fast learning"},
    ]
    curves = explore_hyperparameters(X_xor, y_xor, configs)
    fig, axes = plt.subplots(2, 2, figsize=(12, 10))
    for ax, (name, losses) in zip(axes.flat, curves.items()):
        plot_loss(losses, ax)
        ax.set_title(name)
    plt.show()
