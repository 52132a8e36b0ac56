"""The ranking softmax loss against optax's ``ranking_softmax_loss``, in float64.

optax (``optax.losses.ranking_softmax_loss``, read with ``inspect.getsource``) takes
the labels as given, -sum_i y_i log_softmax(s)_i, without normalising them to sum to
1; a list with no relevant item costs 0, and its default ``reduce_fn`` is the mean over
lists. ``softmax_ranking`` follows it; gradients and Hessians come from ``jax.grad`` and
``jax.hessian``.
"""

from __future__ import annotations

import numpy as np
import pytest

import losslab.losses as losses


@pytest.fixture(scope="module")
def jax_optax(require):
    # float64 inside ``with jax.enable_x64(True)`` only, so other test modules keep JAX's default.
    jax = require("jax")
    optax = require("optax")
    return jax, optax


def _lists(rng: np.random.Generator, n: int = 6, size: int = 5) -> tuple[np.ndarray, np.ndarray]:
    scores = rng.normal(0.0, 3.0, (n, size))
    labels = rng.integers(0, 4, (n, size)).astype(np.float64)
    labels[0] = 0.0  # a list with no relevant item
    labels[1] = rng.uniform(0.0, 1.0, size)  # soft grades
    return scores, labels


def test_values_and_mean_match_optax(jax_optax, rng):
    jax, optax = jax_optax

    scores, labels = _lists(rng)
    with jax.enable_x64(True):
        per_list = optax.losses.ranking_softmax_loss(scores, labels, reduce_fn=None)
        mean = optax.losses.ranking_softmax_loss(scores, labels)
        np.testing.assert_allclose(
            losses.softmax_ranking(scores, labels, reduction="none"), per_list, rtol=1e-13
        )
        np.testing.assert_allclose(losses.softmax_ranking(scores, labels), mean, rtol=1e-13)
    assert float(losses.softmax_ranking(scores[:1], labels[:1])) == 0.0


def test_gradient_and_hessian_match_jax(jax_optax, rng):
    jax, optax = jax_optax
    import jax.numpy as jnp

    scores, labels = _lists(rng, n=4, size=4)
    with jax.enable_x64(True):
        t = jnp.asarray(labels)

        def total(s):
            return optax.losses.ranking_softmax_loss(s, t, reduce_fn=jnp.sum)

        s = jnp.asarray(scores)
        grad = np.asarray(jax.grad(total)(s))
        hessian = np.asarray(jax.hessian(total)(s))
    np.testing.assert_allclose(
        losses.softmax_ranking_grad(scores, labels, reduction="sum"), grad, rtol=1e-12, atol=1e-15
    )
    blocks = np.stack([hessian[i, :, i, :] for i in range(len(scores))])
    np.testing.assert_allclose(
        losses.softmax_ranking_hess(scores, labels, reduction="sum", full=True),
        blocks,
        rtol=1e-12,
        atol=1e-15,
    )
    # The list with no relevant item pulls on nothing.
    assert losses.softmax_ranking_grad(scores, labels)[0].tolist() == [0.0] * 4


def test_weights_scale_each_list_as_optax_list_weights_do_not(jax_optax, rng):
    # optax's ``weights`` multiply each item's label; losslab's weigh each list (example).
    # A list weight w is optax with every item's weight w, and the mean divides by sum(w).
    jax, optax = jax_optax

    scores, labels = _lists(rng)
    w = rng.uniform(0.5, 2.0, len(scores))
    with jax.enable_x64(True):
        per_list = np.asarray(
            optax.losses.ranking_softmax_loss(
                scores,
                labels,
                weights=np.repeat(w[:, None], scores.shape[1], axis=1),
                reduce_fn=None,
            )
        )
    np.testing.assert_allclose(
        losses.softmax_ranking(scores, labels, weights=w, reduction="sum"),
        np.sum(per_list),
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        losses.softmax_ranking(scores, labels, weights=w), np.sum(per_list) / np.sum(w), rtol=1e-13
    )
