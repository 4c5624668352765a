# Week 2, Day 7: Backpropagation and Training
# My solutions, mostly following the lesson's code.

import numpy as np
import matplotlib.pyplot as plt


# Activation functions from Day 6
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)


# Exercise 1: Manual Gradient Calculation
# Tiny network: 1 input -> 1 hidden -> 1 output
def manual_backprop(x, y_true, w1, b1, w2, b2):
    # Forward pass
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    a2 = sigmoid(z2)

    # Loss (MSE)
    loss = 0.5 * (y_true - a2)**2

    # Output layer gradients
    dL_da2 = -(y_true - a2)
    da2_dz2 = sigmoid_derivative(z2)
    dL_dz2 = dL_da2 * da2_dz2  # Chain rule!
    dL_dw2 = dL_dz2 * a1
    dL_db2 = dL_dz2

    # Hidden layer gradients
    dL_da1 = dL_dz2 * w2
    da1_dz1 = sigmoid_derivative(z1)
    dL_dz1 = dL_da1 * da1_dz1  # Chain rule again!
    dL_dw1 = dL_dz1 * x
    dL_db1 = dL_dz1

    return {'z1': z1, 'a1': a1, 'z2': z2, 'a2': a2, 'loss': loss,
            'dL_dw1': dL_dw1, 'dL_db1': dL_db1,
            'dL_dw2': dL_dw2, 'dL_db2': dL_db2}


print("=" * 70)
print("MANUAL BACKPROPAGATION CALCULATION")
print("=" * 70)
result = manual_backprop(x=0.5, y_true=0.8, w1=0.4, b1=0.1, w2=0.6, b2=0.2)
print(f"a2 = {result['a2']:.4f}, loss = {result['loss']:.4f}")
print(f"dL/dw2 = {result['dL_dw2']:.6f}")
print(f"dL/db2 = {result['dL_db2']:.6f}")
print(f"dL/dw1 = {result['dL_dw1']:.6f}")
print(f"dL/db1 = {result['dL_db1']:.6f}")


# Exercise 2: Implement Backpropagation in Neural Network Class
class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size, learning_rate=0.1):
        # Initialize weights
        # (the lesson multiplies by 0.01, but then XOR never trains for me,
        # so I use plain randn)
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

        self.learning_rate = learning_rate

    def forward(self, X):
        """Forward propagation"""
        self.z1 = np.dot(X, self.W1) + self.b1
        self.a1 = sigmoid(self.z1)
        self.z2 = np.dot(self.a1, self.W2) + self.b2
        self.a2 = sigmoid(self.z2)
        return self.a2

    def backward(self, X, y):
        """
        Backpropagation - compute gradients

        Args:
            X: inputs (n_samples, n_features)
            y: targets (n_samples, n_outputs)
        """
        m = X.shape[0]  # number of samples

        # Output layer gradients
        dz2 = self.a2 - y  # derivative of sigmoid + MSE
        dW2 = (1/m) * np.dot(self.a1.T, dz2)
        db2 = (1/m) * np.sum(dz2, axis=0, keepdims=True)

        # Hidden layer gradients
        da1 = np.dot(dz2, self.W2.T)
        dz1 = da1 * sigmoid_derivative(self.z1)
        dW1 = (1/m) * np.dot(X.T, dz1)
        db1 = (1/m) * np.sum(dz1, axis=0, keepdims=True)

        # Store gradients
        self.gradients = {
            'dW2': dW2, 'db2': db2,
            'dW1': dW1, 'db1': db1
        }

        return self.gradients

    def update_weights(self):
        """Update weights using computed gradients"""
        self.W2 -= self.learning_rate * self.gradients['dW2']
        self.b2 -= self.learning_rate * self.gradients['db2']
        self.W1 -= self.learning_rate * self.gradients['dW1']
        self.b1 -= self.learning_rate * self.gradients['db1']

    def compute_loss(self, y_true, y_pred):
        """Mean Squared Error loss"""
        return np.mean((y_true - y_pred) ** 2)

    def train_step(self, X, y):
        """Single training step: forward, backward, update"""
        # Forward
        y_pred = self.forward(X)

        # Compute loss
        loss = self.compute_loss(y, y_pred)

        # Backward
        self.backward(X, y)

        # Update
        self.update_weights()

        return loss


# Exercise 3: Train XOR Network
def train(network, X, y, epochs):
    losses = []
    for epoch in range(epochs):
        loss = network.train_step(X, y)
        losses.append(loss)
    return losses


def plot_loss(losses, ax):
    ax.plot(losses)
    ax.set_xlabel('Epoch')
    ax.set_ylabel('Loss')
    ax.set_title('Training Loss')
    ax.grid(True, alpha=0.3)
    ax.set_yscale('log')


def plot_decision_boundary(network, X, y, ax):
    h = 0.02
    x_min, x_max = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
    y_min, y_max = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h),
                         np.arange(y_min, y_max, h))

    Z = network.forward(np.c_[xx.ravel(), yy.ravel()])
    Z = Z.reshape(xx.shape)

    ax.contourf(xx, yy, Z, alpha=0.4, cmap='RdYlBu', levels=20)
    ax.scatter(X[y.flatten()==0, 0], X[y.flatten()==0, 1],
               c='red', edgecolors='k', alpha=0.7, label='Class 0')
    ax.scatter(X[y.flatten()==1, 0], X[y.flatten()==1, 1],
               c='blue', edgecolors='k', alpha=0.7, label='Class 1')
    ax.set_xlabel('Feature 1')
    ax.set_ylabel('Feature 2')
    ax.set_title('Learned Decision Boundary')
    ax.legend()
    ax.grid(True, alpha=0.3)


# Exercise 4: Spiral Dataset Classification
def make_spiral_data(n_samples=300, noise=0.1):
    """Generate spiral dataset"""
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


# Mini-Challenge: Hyperparameter Exploration
def explore_hyperparameters(X, y, configs, epochs=2000):
    results = {}
    for idx, config in enumerate(configs):
        nn = NeuralNetwork(input_size=X.shape[1], hidden_size=config['hidden_size'],
                           output_size=y.shape[1], learning_rate=config['learning_rate'])
        losses = []
        for epoch in range(epochs):
            loss = nn.train_step(X, y)
            losses.append(loss)
        results[config['name']] = losses
    return results


if __name__ == "__main__":
    X_xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y_xor = np.array([[0], [1], [1], [0]])

    nn_xor = NeuralNetwork(input_size=2, hidden_size=4, output_size=1, learning_rate=0.5)
    losses = train(nn_xor, X_xor, y_xor, 5000)
    print(nn_xor.forward(X_xor))

    fig, axes = plt.subplots(1, 2, figsize=(14, 5))
    plot_loss(losses, axes[0])
    plot_decision_boundary(nn_xor, X_xor, y_xor, axes[1])
    plt.show()
