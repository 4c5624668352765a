"""Writes backprop.ipynb beside this file: a correct submission as a lesson-style notebook.

The notebook defines the whole interface, and also does what students'
notebooks do: `%matplotlib inline`, a `!pip list`, top-level XOR training with
prints and plt.show(), a spiral plot, and a last exploratory cell that raises
(a typo'd name) after every definition has run.

    python tests/submissions/correct/notebook/make.py
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    ("md", """# Week 2, Day 7: Backpropagation and Training

My notebook for today's exercises."""),
    ("code", """%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt"""),
    ("code", """!pip list"""),
    ("md", """## Exercise 1: Manual gradient calculation"""),
    ("code", """# Activation functions from Day 6
def sigmoid(x):
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))

def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)

sigmoid(np.array([-1000.0, 0.0, 1000.0]))"""),
    ("code", """def manual_backprop(x, y_true, w1, b1, w2, b2):
    # Forward pass
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    a2 = sigmoid(z2)
    loss = 0.5 * (y_true - a2)**2

    # Output layer
    dL_da2 = -(y_true - a2)
    dL_dz2 = dL_da2 * sigmoid_derivative(z2)  # Chain rule!
    dL_dw2 = dL_dz2 * a1
    dL_db2 = dL_dz2

    # Hidden layer
    dL_da1 = dL_dz2 * w2
    dL_dz1 = dL_da1 * sigmoid_derivative(z1)  # Chain rule again!
    dL_dw1 = dL_dz1 * x
    dL_db1 = dL_dz1

    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2, "loss": loss,
            "dL_dw1": dL_dw1, "dL_db1": dL_db1, "dL_dw2": dL_dw2, "dL_db2": dL_db2}

res = manual_backprop(0.5, 0.8, 0.4, 0.1, 0.6, 0.2)
for k, v in res.items():
    print(f"{k:7s} = {v:.6f}")"""),
    ("md", """## Exercise 2: Backpropagation in the NeuralNetwork class"""),
    ("code", """class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size, learning_rate=0.1):
        # randn * 0.01 got stuck on XOR, so std 1 here
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
        dz2 = self.a2 - y
        dW2 = (1/m) * np.dot(self.a1.T, dz2)
        db2 = (1/m) * np.sum(dz2, axis=0, keepdims=True)
        da1 = np.dot(dz2, self.W2.T)
        dz1 = da1 * sigmoid_derivative(self.z1)
        dW1 = (1/m) * np.dot(X.T, dz1)
        db1 = (1/m) * np.sum(dz1, axis=0, keepdims=True)
        self.gradients = {'dW2': dW2, 'db2': db2, 'dW1': dW1, 'db1': db1}
        return self.gradients

    def update_weights(self):
        self.W2 -= self.learning_rate * self.gradients['dW2']
        self.b2 -= self.learning_rate * self.gradients['db2']
        self.W1 -= self.learning_rate * self.gradients['dW1']
        self.b1 -= self.learning_rate * self.gradients['db1']

    def compute_loss(self, y_true, y_pred):
        return np.mean((y_true - y_pred) ** 2)

    def train_step(self, X, y):
        y_pred = self.forward(X)
        loss = self.compute_loss(y, y_pred)
        self.backward(X, y)
        self.update_weights()
        return loss"""),
    ("code", """X_test = np.array([[0.5]])
y_test = np.array([[0.8]])
nn = NeuralNetwork(input_size=1, hidden_size=2, output_size=1, learning_rate=0.5)
for step in range(10):
    loss = nn.train_step(X_test, y_test)
    pred = nn.forward(X_test)[0, 0]
    print(f"Step {step+1}: Loss = {loss:.6f}, Prediction = {pred:.4f}")"""),
    ("md", """## Exercise 3: Train XOR"""),
    ("code", """def train(network, X, y, epochs):
    losses = []
    for epoch in range(epochs):
        losses.append(network.train_step(X, y))
    return losses

def plot_loss(losses, ax):
    ax.plot(losses)
    ax.set_xlabel('Epoch')
    ax.set_ylabel('Loss')
    ax.set_title('Training Loss')
    ax.set_yscale('log')
    ax.grid(True, alpha=0.3)

def plot_decision_boundary(network, X, y, ax):
    x_min, x_max = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
    y_min, y_max = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, 200), np.linspace(y_min, y_max, 200))
    Z = network.forward(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    ax.contourf(xx, yy, Z, alpha=0.4, cmap='RdYlBu', levels=20)
    ax.scatter(X[y.flatten()==0, 0], X[y.flatten()==0, 1], c='red', edgecolors='k', label='Class 0')
    ax.scatter(X[y.flatten()==1, 0], X[y.flatten()==1, 1], c='blue', edgecolors='k', label='Class 1')
    ax.set_xlabel('Feature 1')
    ax.set_ylabel('Feature 2')
    ax.legend()"""),
    ("code", """X_xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
y_xor = np.array([[0], [1], [1], [0]])

nn_xor = NeuralNetwork(input_size=2, hidden_size=4, output_size=1, learning_rate=0.5)
losses = []
for epoch in range(5000):
    loss = nn_xor.train_step(X_xor, y_xor)
    losses.append(loss)
    if (epoch + 1) % 500 == 0:
        print(f"Epoch {epoch+1:5d}: Loss = {loss:.6f}")

preds = nn_xor.forward(X_xor)
print("Input | Target | Prediction | Correct?")
for x, t, p in zip(X_xor, y_xor, preds):
    print(f"{x} | {t[0]} | {p[0]:.4f} | {'yes' if abs(t[0] - p[0]) < 0.1 else 'no'}")

fig, axes = plt.subplots(1, 2, figsize=(12, 5))
plot_loss(losses, axes[0])
plot_decision_boundary(nn_xor, X_xor, y_xor, axes[1])
plt.show()"""),
    ("md", """## Exercise 4: Spirals"""),
    ("code", """def make_spiral_data(n_samples=300, noise=0.1):
    n = n_samples // 2
    theta = np.linspace(0, 4*np.pi, n)

    # Class 0
    r0 = theta / (2*np.pi)
    X0 = np.column_stack([r0 * np.cos(theta) + np.random.randn(n) * noise,
                          r0 * np.sin(theta) + np.random.randn(n) * noise])

    # Class 1
    theta += np.pi
    r1 = theta / (2*np.pi)
    X1 = np.column_stack([r1 * np.cos(theta) + np.random.randn(n) * noise,
                          r1 * np.sin(theta) + np.random.randn(n) * noise])

    X = np.vstack([X0, X1])
    y = np.hstack([np.zeros(n), np.ones(n)]).reshape(-1, 1)
    return X, y

X_spiral, y_spiral = make_spiral_data(n_samples=300, noise=0.2)

plt.figure(figsize=(8, 6))
plt.scatter(X_spiral[y_spiral.flatten()==0, 0], X_spiral[y_spiral.flatten()==0, 1],
            c='red', edgecolors='k', alpha=0.6, label='Class 0')
plt.scatter(X_spiral[y_spiral.flatten()==1, 0], X_spiral[y_spiral.flatten()==1, 1],
            c='blue', edgecolors='k', alpha=0.6, label='Class 1')
plt.title('Spiral Dataset')
plt.legend()
plt.show()"""),
    ("md", """## Mini-challenge: hyperparameters"""),
    ("code", """def explore_hyperparameters(X, y, configs, epochs=2000):
    results = {}
    for config in configs:
        net = NeuralNetwork(input_size=X.shape[1], hidden_size=config['hidden_size'],
                            output_size=y.shape[1], learning_rate=config['learning_rate'])
        results[config['name']] = train(net, X, y, epochs)
    return results"""),
    ("md", """### scratch"""),
    ("code", """# trying the spiral with more hidden units
nn_big = NeuralNetwork(input_size=2, hidden_size=50, output_size=1, learning_rate=0.3)
print(nn_big.forward(X_spirl[:5]))"""),
]


def build():
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for number, (kind, source) in enumerate(CELLS, start=1):
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        cell.id = f"cell-{number:02d}"  # fixed ids: regenerating gives the same file
        nb.cells.append(cell)
    return nb


if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "backprop.ipynb"
    nb = build()
    nbformat.validate(nb)
    nbformat.write(nb, out)
    print(f"wrote {out}")
