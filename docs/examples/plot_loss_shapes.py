"""Loss shapes and their gradients
===============================

Four regression losses as functions of the residual $r = \\hat y - y$, and their
gradients. MSE's gradient grows without bound; MAE's is ±1 everywhere; Huber
and log-cosh are quadratic near zero and pull with a bounded force beyond.
"""

import matplotlib.pyplot as plt
import numpy as np

from losslab.losses import get

r = np.linspace(-3, 3, 601)
zeros = np.zeros_like(r)
names = ["mse", "mae", "huber", "log_cosh"]

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
for name in names:
    loss = get(name)
    left.plot(r, loss(r, zeros, reduction="none"), label=name)
    right.plot(r, loss.grad(r, zeros, reduction="none"), label=name)
left.set(title="loss per example", xlabel="residual r", ylim=(0, 4))
right.set(title="gradient d loss / d y_pred", xlabel="residual r", ylim=(-3, 3))
left.legend()
fig.tight_layout()
plt.show()
