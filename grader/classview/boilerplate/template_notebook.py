import numpy as np
import matplotlib.pyplot as plt


def sigmoid(x):
    """Elementwise logistic function 1 / (1 + e^-x), for scalars and arrays.

    Must stay finite, without overflow warnings, for |x| up to 1000.
    """
    raise NotImplementedError('return 1 / (1 + e^-x) with np.exp; for large negative x, e^-x overflows (np.clip helps).')


def sigmoid_derivative(x):
    """Derivative of the sigmoid, sigma(x) * (1 - sigma(x)).

    `x` is the pre-activation z, not the activation sigmoid(z).
    """
    raise NotImplementedError('let s = sigmoid(x); the derivative is s * (1 - s).')


def manual_backprop(x, y_true, w1, b1, w2, b2):
    """Forward and backward pass of the 1-1-1 network, by hand, on scalars.

    Loss: L = 0.5 * (y_true - a2)**2.

    Returns a dict with the forward values `z1`, `a1`, `z2`, `a2`, `loss`
    and the gradients `dL_dw1`, `dL_db1`, `dL_dw2`, `dL_db2`.
    """
    raise NotImplementedError('forward z1 -> a1 -> z2 -> a2 -> loss; then dL/da2 = -(y_true - a2) and multiply back step by step.')


class NeuralNetwork:
    """Two-layer sigmoid network trained by gradient descent."""

    def __init__(self, input_size, hidden_size, output_size, learning_rate=0.1):
        """Random non-zero weights, zero biases, and the learning rate."""
        raise NotImplementedError('W1, W2 from np.random.randn with the shapes above; b1, b2 from np.zeros((1, n)).')
        self.learning_rate = learning_rate

    def forward(self, X):
        """Forward propagation: returns a2 and keeps z1, a1, z2, a2 on self."""
        raise NotImplementedError('z1 = X @ W1 + b1, a1 = sigmoid(z1), z2 = a1 @ W2 + b2, a2 = sigmoid(z2).')

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
        raise NotImplementedError("m = X.shape[0]; dz2 = a2 - y; dW2 = (1/m) a1.T @ dz2; then back through W2 and sigmoid'(z1).")

    def update_weights(self):
        """One gradient-descent step on W1, b1, W2, b2 from self.gradients."""
        raise NotImplementedError('each parameter -= learning_rate * its gradient.')

    def compute_loss(self, y_true, y_pred):
        """Mean squared error, np.mean((y_true - y_pred) ** 2)."""
        raise NotImplementedError('the mean over all entries of the squared difference.')

    def train_step(self, X, y):
        """Forward, loss, backward, update; returns the loss before the update."""
        raise NotImplementedError('call forward, compute_loss, backward and update_weights in that order.')


def train(network, X, y, epochs):
    """Calls network.train_step(X, y) `epochs` times; returns the list of losses."""
    raise NotImplementedError("a loop appending each train_step's loss to a list.")


def plot_loss(losses, ax):
    """Draws the loss curve on the matplotlib Axes `ax`, log y scale, labelled axes."""
    raise NotImplementedError("ax.plot, ax.set_xlabel('Epoch'), ax.set_ylabel('Loss'), ax.set_yscale('log').")


def plot_decision_boundary(network, X, y, ax):
    """Draws the network's output over a grid around X and both classes' points."""
    raise NotImplementedError('np.meshgrid over the data range, network.forward on the grid, ax.contourf, then ax.scatter per class.')


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


def make_spiral_data(n_samples=300, noise=0.1):
    """Two interleaved spirals: X (2*(n_samples//2), 2) and labels y (same, 1).

    Class 0 rows come first; the noise is Gaussian, drawn from np.random.
    """
    raise NotImplementedError('theta = np.linspace(0, 4*np.pi, n); r = theta / (2*np.pi); class 1 is theta + np.pi.')


X_spiral, y_spiral = make_spiral_data(n_samples=300, noise=0.2)
nn_spiral = NeuralNetwork(input_size=2, hidden_size=20, output_size=1, learning_rate=0.3)
losses_spiral = train(nn_spiral, X_spiral, y_spiral, epochs=10000)
accuracy = np.mean((nn_spiral.forward(X_spiral) > 0.5) == y_spiral)
print(f"Spiral accuracy: {accuracy:.2%}")

fig, axes = plt.subplots(1, 2, figsize=(12, 5))
plot_loss(losses_spiral, axes[0])
plot_decision_boundary(nn_spiral, X_spiral, y_spiral, axes[1])
plt.show()


def explore_hyperparameters(X, y, configs, epochs=2000):
    """Trains one network per config; returns {config['name']: list of losses}.

    Each config is a dict with `hidden_size`, `learning_rate` and `name`.
    """
    raise NotImplementedError('for each config build NeuralNetwork(X.shape[1], hidden_size, y.shape[1], learning_rate) and train it.')


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
