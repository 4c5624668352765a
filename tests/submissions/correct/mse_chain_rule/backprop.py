"""Week 2 Day 7 - backprop by hand.

I derived backward() with the full chain rule for the loss that
compute_loss() actually reports, L = mean over all m*n entries of (y - a2)^2:

    dL/da2 = 2 (a2 - y) / (m n)
    dL/dz2 = dL/da2 * sigmoid'(z2)
    dL/dW2 = a1^T dL/dz2          dL/db2 = column sums of dL/dz2
    dL/da1 = dL/dz2 W2^T
    dL/dz1 = dL/da1 * sigmoid'(z1)
    dL/dW1 = X^T dL/dz1           dL/db1 = column sums of dL/dz1

The 1/m is already inside dL/dz2, so the later lines have no 1/m.
"""
import numpy as np
import matplotlib.pyplot as plt


def sigmoid(x):
    x = np.clip(x, -500, 500)  # np.exp(1000) would overflow
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_derivative(x):
    return sigmoid(x) * (1.0 - sigmoid(x))


def manual_backprop(x, y_true, w1, b1, w2, b2):
    # forward
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    a2 = sigmoid(z2)
    loss = 0.5 * (y_true - a2) ** 2

    # backward, one chain-rule factor at a time
    dL_da2 = a2 - y_true
    dL_dz2 = dL_da2 * sigmoid_derivative(z2)
    dL_dw2 = dL_dz2 * a1
    dL_db2 = dL_dz2 * 1.0
    dL_da1 = dL_dz2 * w2
    dL_dz1 = dL_da1 * sigmoid_derivative(z1)
    dL_dw1 = dL_dz1 * x
    dL_db1 = dL_dz1 * 1.0

    return dict(z1=z1, a1=a1, z2=z2, a2=a2, loss=loss,
                dL_dw1=dL_dw1, dL_db1=dL_db1, dL_dw2=dL_dw2, dL_db2=dL_db2)


class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size, learning_rate=0.1):
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))
        self.learning_rate = learning_rate

    def forward(self, X):
        self.z1 = X.dot(self.W1) + self.b1
        self.a1 = sigmoid(self.z1)
        self.z2 = self.a1.dot(self.W2) + self.b2
        self.a2 = sigmoid(self.z2)
        return self.a2

    def backward(self, X, y):
        m, n_outputs = self.a2.shape

        # chain rule for np.mean((y - a2)**2)
        dz2 = 2 * (self.a2 - y) * sigmoid_derivative(self.z2) / (m * n_outputs)
        dW2 = self.a1.T.dot(dz2)
        db2 = dz2.sum(axis=0, keepdims=True)

        da1 = dz2.dot(self.W2.T)
        dz1 = da1 * sigmoid_derivative(self.z1)
        dW1 = X.T.dot(dz1)
        db1 = dz1.sum(axis=0, keepdims=True)

        self.gradients = {'dW1': dW1, 'db1': db1, 'dW2': dW2, 'db2': db2}
        return self.gradients

    def update_weights(self):
        lr = self.learning_rate
        self.W1 = self.W1 - lr * self.gradients['dW1']
        self.b1 = self.b1 - lr * self.gradients['db1']
        self.W2 = self.W2 - lr * self.gradients['dW2']
        self.b2 = self.b2 - lr * self.gradients['db2']

    def compute_loss(self, y_true, y_pred):
        return np.mean((y_true - y_pred) ** 2)

    def train_step(self, X, y):
        predictions = self.forward(X)
        loss = self.compute_loss(y, predictions)
        self.backward(X, y)
        self.update_weights()
        return loss


def train(network, X, y, epochs):
    return [network.train_step(X, y) for _ in range(epochs)]


def plot_loss(losses, ax):
    ax.semilogy(np.arange(1, len(losses) + 1), losses, color='tab:blue')
    ax.set_xlabel('epoch')
    ax.set_ylabel('MSE loss')
    ax.set_title('Loss')


def plot_decision_boundary(network, X, y, ax):
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 150)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 150)
    xx, yy = np.meshgrid(xs, ys)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    zz = network.forward(grid).reshape(xx.shape)
    ax.contourf(xx, yy, zz, levels=20, cmap='coolwarm', alpha=0.5)
    y = np.ravel(y)
    for label, colour in [(0, 'blue'), (1, 'red')]:
        ax.scatter(X[y == label, 0], X[y == label, 1], c=colour, edgecolors='k',
                   label=f'class {label}')
    ax.legend()


def make_spiral_data(n_samples=300, noise=0.1):
    n = n_samples // 2
    theta = np.linspace(0, 4 * np.pi, n)
    parts = []
    for shift in (0.0, np.pi):  # class 1 is half a turn further round
        t = theta + shift
        r = t / (2 * np.pi)
        px = r * np.cos(t) + np.random.randn(n) * noise
        py = r * np.sin(t) + np.random.randn(n) * noise
        parts.append(np.column_stack([px, py]))
    X = np.vstack(parts)
    y = np.concatenate([np.zeros(n), np.ones(n)])[:, None]
    return X, y


def explore_hyperparameters(X, y, configs, epochs=2000):
    curves = {}
    for cfg in configs:
        net = NeuralNetwork(X.shape[1], cfg['hidden_size'], y.shape[1], cfg['learning_rate'])
        curves[cfg['name']] = train(net, X, y, epochs)
    return curves


if __name__ == '__main__':
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    net = NeuralNetwork(2, 4, 1, learning_rate=0.5)
    losses = train(net, X, Y, 10000)
    print(np.round(net.forward(X), 3))
    fig, (ax1, ax2) = plt.subplots(1, 2)
    plot_loss(losses, ax1)
    plot_decision_boundary(net, X, Y, ax2)
    plt.show()
