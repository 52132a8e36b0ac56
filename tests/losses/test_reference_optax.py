"""Values and gradients against optax (JAX, float64): PolyLoss and the sparsemax loss.

``optax.losses.poly_loss_cross_entropy(logits, labels, epsilon=...)`` takes probability
rows as labels: it is :func:`poly1`. ``optax.losses.multiclass_sparsemax_loss(scores,
labels)`` takes integer labels: it is :func:`sparsemax` (optax's ``sparsemax_loss`` is
the binary one). Gradients come from ``jax.grad``.
"""

from __future__ import annotations

import numpy as np
import pytest

import losslab.losses as losses


@pytest.fixture(scope="module")
def jax(require):
    jax = require("jax")
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", previous)


@pytest.fixture(scope="module")
def optax(require, jax):
    return require("optax")


@pytest.mark.parametrize("epsilon", [1.0, -1.0, 0.0, 2.0, 5.0])
@pytest.mark.parametrize("labels", [True, False], ids=["labels", "rows"])
def test_poly1_matches_optax(jax, optax, rng, epsilon, labels):
    jnp = jax.numpy
    z = rng.normal(0, 2, (12, 5))
    if labels:
        y = rng.integers(0, 5, 12)
        rows = np.eye(5)[y]
    else:
        y = rows = rng.dirichlet(np.ones(5), 12)

    def reference(logits):
        return optax.losses.poly_loss_cross_entropy(logits, jnp.asarray(rows), epsilon=epsilon)

    per = np.asarray(reference(jnp.asarray(z)))
    np.testing.assert_allclose(
        losses.poly1(z, y, epsilon=epsilon, reduction="none"), per, rtol=1e-13, atol=1e-15
    )
    grad = np.asarray(jax.grad(lambda logits: reference(logits).sum())(jnp.asarray(z)))
    np.testing.assert_allclose(
        losses.poly1_grad(z, y, epsilon=epsilon, reduction="sum"), grad, rtol=1e-12, atol=1e-15
    )
    hess = np.asarray(jax.hessian(lambda row, t: optax.losses.poly_loss_cross_entropy(
        row, t, epsilon=epsilon))(jnp.asarray(z[0]), jnp.asarray(rows[0])))  # fmt: skip
    np.testing.assert_allclose(
        losses.poly1_hess(z[:1], y[:1], epsilon=epsilon, full=True, reduction="sum")[0],
        hess,
        rtol=1e-11,
        atol=1e-14,
    )


@pytest.mark.parametrize("scale", [0.3, 1.0, 5.0])
def test_sparsemax_matches_optax(jax, optax, rng, scale):
    jnp = jax.numpy
    z = rng.normal(0, scale, (20, 6))
    y = rng.integers(0, 6, 20)
    reference = optax.losses.multiclass_sparsemax_loss
    per = np.asarray(reference(jnp.asarray(z), jnp.asarray(y)))
    np.testing.assert_allclose(
        losses.sparsemax(z, y, reduction="none"), per, rtol=1e-12, atol=1e-14
    )
    grad = jax.grad(lambda scores: reference(scores, jnp.asarray(y)).sum())(jnp.asarray(z))
    np.testing.assert_allclose(
        losses.sparsemax_grad(z, y, reduction="sum"), np.asarray(grad), rtol=1e-12, atol=1e-14
    )
    # The gradient p - t: p is optax's own sparsemax (the simplex projection).
    projected = np.asarray(jax.vmap(optax.projections.projection_simplex)(jnp.asarray(z)))
    np.testing.assert_allclose(
        losses.sparsemax_grad(z, y, reduction="sum") + np.eye(6)[y], projected, atol=1e-14
    )
