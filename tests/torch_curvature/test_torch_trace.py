"""hutchinson_trace on a torch objective, stratified over chunks of the data.

The exact trace comes from ``torch.autograd.functional.hessian`` on a float64
copy of the module (``curvature_reference.exact_hessian``).
"""

import gc
import weakref

import numpy as np
import pytest
from curvature_reference import F, classification, exact_hessian, mlp, torch

from losslab.landscape import hutchinson_trace
from losslab.torch import Objective


@pytest.fixture(scope="module")
def problem():
    model = mlp()
    X, y = classification(n=120)
    exact = float(np.trace(exact_hessian(model, F.cross_entropy, X, y)))
    return model, X, y, exact


def _chunked_sum(obj, chunks, vectors):
    """``Σ_b (n_b / N) H_b V`` from the objective's chunks."""
    total, count = 0.0, 0
    for n_b, product in obj.hvp_chunks(obj.theta0, chunks):
        total = total + n_b * product(vectors)
        count += n_b
    return total / count


@pytest.mark.parametrize("chunks", [1, 4, 7, "auto"])
def test_chunk_hessians_weighted_by_size_sum_to_the_hessian(problem, chunks):
    model, X, y, _ = problem
    obj = Objective(model, F.cross_entropy, (X, y), dtype=torch.float64, weight_decay=0.1)
    obj.chunk_rows = 50  # "auto": chunks of 40 rows
    vectors = np.random.default_rng(0).standard_normal((3, obj.n_params))
    np.testing.assert_allclose(
        _chunked_sum(obj, chunks, vectors), obj.hvp_batch(obj.theta0, vectors), atol=1e-12
    )
    counts = [n_b for n_b, _ in obj.hvp_chunks(obj.theta0, chunks)]
    assert sum(counts) == 120
    assert len(counts) == {1: 1, 4: 4, 7: 7, "auto": 3}[chunks]


def test_estimates_are_unbiased_and_their_stderr_matches_the_spread(problem):
    model, X, y, exact = problem
    obj = Objective(model, F.cross_entropy, (X, y), dtype=torch.float64)
    for chunks in (1, 6):
        runs = [
            hutchinson_trace(obj, obj.theta0, n_probes=8, chunks=chunks, seed=s) for s in range(40)
        ]
        values = np.array([r.estimate for r in runs])
        stderrs = np.array([r.stderr for r in runs])
        assert all(r.chunks == chunks and r.n_probes == 8 for r in runs)
        # Every run within 4 standard deviations of the runs (with 8 probes a run's own
        # stderr has only 7 degrees of freedom: the runs with many probes below check it).
        assert np.all(np.abs(values - exact) <= 4 * values.std(ddof=1))
        # The mean of 40 independent runs: unbiased within 4 of its standard errors.
        assert abs(values.mean() - exact) <= 4 * values.std(ddof=1) / np.sqrt(values.size)
        # The reported stderr is the spread of the estimates over seeds (±35%: the spread of
        # 40 runs is known to about 11%).
        ratio = np.sqrt(np.mean(stderrs**2)) / values.std(ddof=1)
        assert 0.65 < ratio < 1.35, ratio
    # Stratification pays: 6 chunks, same products, smaller error.
    plain = hutchinson_trace(obj, obj.theta0, n_probes=100, chunks=1)
    stratified = hutchinson_trace(obj, obj.theta0, n_probes=100, chunks=6)
    assert stratified.stderr < 0.7 * plain.stderr
    for run in (plain, stratified):
        assert abs(run.estimate - exact) <= 4 * run.stderr
    assert abs(plain.estimate - stratified.estimate) <= 4 * np.hypot(
        plain.stderr, stratified.stderr
    )


def test_a_float32_module_on_a_data_loader(problem):
    model, X, y, exact = problem
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=32)
    obj = Objective(model, F.cross_entropy, loader)
    estimate = hutchinson_trace(obj, obj.theta0, n_probes=100, seed=3)
    assert estimate.chunks == 4  # the loader's batches: 32, 32, 32, 24 rows
    assert abs(estimate.estimate - exact) <= 4 * estimate.stderr
    whole = hutchinson_trace(obj, obj.theta0, n_probes=100, seed=3, chunks=1)
    assert whole.chunks == 1
    assert abs(whole.estimate - exact) <= 4 * whole.stderr
    with pytest.raises(ValueError, match="chunks: a DataLoader's own batches"):
        hutchinson_trace(obj, obj.theta0, chunks=3)


def test_target_stderr_probes_until_it_is_met(problem):
    model, X, y, exact = problem
    obj = Objective(model, F.cross_entropy, (X, y), dtype=torch.float64)
    first = hutchinson_trace(obj, obj.theta0, n_probes=4, chunks=4)
    target = first.stderr / 3
    estimate = hutchinson_trace(obj, obj.theta0, n_probes=4, chunks=4, target_stderr=target)
    assert estimate.stderr <= target
    assert estimate.n_probes > 4 * 8  # about 9x the probes for a third of the error
    assert abs(estimate.estimate - exact) <= 4 * estimate.stderr
    capped = hutchinson_trace(
        obj, obj.theta0, n_probes=4, chunks=4, target_stderr=target / 100, max_probes=10
    )
    assert capped.n_probes == 10
    assert capped.stderr > target / 100


def _batchnorm_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.Tanh(), torch.nn.Linear(6, 3)
    ).double()


def test_train_mode_uses_the_objectives_own_batches_and_restores_the_buffers(problem):
    _, X, y, _ = problem
    model = _batchnorm_net()
    running = model[1].running_mean.clone()
    train = Objective(model, F.cross_entropy, (X, y), train=True, batch_size=40)
    evaluation = Objective(model, F.cross_entropy, (X, y), batch_size=40)
    vectors = np.random.default_rng(1).standard_normal((2, train.n_params))
    # In train mode BatchNorm normalises by each batch's statistics: the chunks are the batches.
    in_train = _chunked_sum(train, "auto", vectors)
    np.testing.assert_allclose(in_train, train.hvp_batch(train.theta0, vectors), atol=1e-12)
    assert len(list(train.hvp_chunks(train.theta0))) == 3
    assert not np.allclose(in_train, evaluation.hvp_batch(evaluation.theta0, vectors))
    with pytest.raises(ValueError, match="chunks: in train mode"):
        hutchinson_trace(train, train.theta0, chunks=6)
    hutchinson_trace(train, train.theta0, n_probes=3)
    assert torch.equal(model[1].running_mean, running)
    assert model.training  # the module's own mode is put back


def test_only_one_chunks_graph_is_held(problem):
    model, X, y, _ = problem
    obj = Objective(model, F.cross_entropy, (X, y))
    activations = []
    hook = model[1].register_forward_hook(lambda m, i, out: activations.append(weakref.ref(out)))
    try:
        chunks = obj.hvp_chunks(obj.theta0, 3)
        vectors = np.ones((1, obj.n_params))
        _, product = next(chunks)
        product(vectors)
        gc.collect()
        assert activations[0]() is not None  # tanh's output is saved by the chunk's graph
        _, product = next(chunks)
        product(vectors)
        gc.collect()
        assert activations[0]() is None  # the first chunk's graph is gone
        assert activations[1]() is not None
    finally:
        hook.remove()


def test_bad_arguments_name_themselves(problem):
    model, X, y, _ = problem
    obj = Objective(model, F.cross_entropy, (X, y))
    for kwargs, name in [
        ({"n_probes": 1}, "n_probes"),
        ({"chunks": 0}, "chunks"),
        ({"chunks": "all"}, "chunks"),
        ({"chunks": True}, "chunks"),
        ({"chunks": 121}, "chunks"),
        ({"target_stderr": 0.0}, "target_stderr"),
        ({"n_probes": 8, "max_probes": 4}, "max_probes"),
    ]:
        with pytest.raises(ValueError, match=f"^{name}"):
            hutchinson_trace(obj, obj.theta0, **kwargs)
