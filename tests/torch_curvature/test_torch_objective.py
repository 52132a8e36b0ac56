"""losslab.torch.Objective: exact Hessian-vector products, batching, modes, buffers, errors."""

import copy
import weakref

import numpy as np
import pytest
from curvature_reference import F, classification, exact_hessian, mlp, torch

import losslab.losses
from losslab.landscape import hessian
from losslab.torch import Objective


def _loss_of(module, X, y):
    with torch.no_grad():
        return float(F.cross_entropy(module(X), y))


def test_hessian_matches_torch_autograd_functional_hessian():
    model = mlp()
    X, y = classification()
    obj = Objective(model, F.cross_entropy, (X, y))
    reference = exact_hessian(model, F.cross_entropy, X, y)
    H = hessian(obj, obj.theta0)
    # float32 double backward against the float64 Hessian: float32 rounding only.
    np.testing.assert_allclose(H, reference, atol=2e-6 * np.abs(reference).max())


def test_float32_hvp_within_1e_4_of_a_float64_copy():
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(20, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64), torch.nn.GELU(),
        torch.nn.Linear(64, 5),
    )  # fmt: skip
    X = torch.randn(600, 20)
    y = torch.randint(0, 5, (600,))
    obj32 = Objective(model, F.cross_entropy, (X, y), batch_size=300)
    obj64 = Objective(copy.deepcopy(model).double(), F.cross_entropy, (X, y), batch_size=300)
    assert obj32.dtype == torch.float32
    assert obj64.dtype == torch.float64
    rng = np.random.default_rng(0)
    for v in rng.standard_normal((2, obj32.n_params)):
        hv32, hv64 = obj32.hvp(obj32.theta0, v), obj64.hvp(obj64.theta0, v)
        assert np.linalg.norm(hv32 - hv64) / np.linalg.norm(hv64) <= 1e-4
    # The dtype argument makes the float64 copy itself.
    obj_cast = Objective(model, F.cross_entropy, (X, y), dtype=torch.float64)
    v = rng.standard_normal(obj32.n_params)
    np.testing.assert_allclose(
        obj_cast.hvp(obj_cast.theta0, v), obj64.hvp(obj64.theta0, v), rtol=1e-10, atol=1e-12
    )
    assert next(model.parameters()).dtype == torch.float32  # the caller's module is untouched


def test_a_dataloader_gives_the_full_data_mean_whatever_the_batches():
    model = mlp(seed=2)
    X, y = classification(n=203, seed=2)  # 203 = 4 * 50 + 3: an uneven last batch
    full = Objective(model, F.cross_entropy, (X, y))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=50)
    batched = Objective(model, F.cross_entropy, loader)
    chunked = Objective(model, F.cross_entropy, (X, y), batch_size=64)
    theta = full.theta0 + 0.1 * np.random.default_rng(0).standard_normal(full.n_params)
    v = np.random.default_rng(1).standard_normal(full.n_params)
    for other in (batched, chunked):
        assert other.value(theta) == pytest.approx(full.value(theta), rel=1e-6)
        np.testing.assert_allclose(
            other.gradient(theta), full.gradient(theta), rtol=1e-5, atol=1e-7
        )
        np.testing.assert_allclose(other.hvp(theta, v), full.hvp(theta, v), rtol=1e-5, atol=1e-6)
    # An unweighted mean of batch means would differ (the last batch has 3 rows).
    batch_means = [_loss_of(model, X[i : i + 50], y[i : i + 50]) for i in range(0, 203, 50)]
    assert full.value(full.theta0) != pytest.approx(np.mean(batch_means), rel=1e-3)


class _CountingLoader:
    """A re-iterable of batches that records how many earlier batches are still alive."""

    def __init__(self, X, y, size):
        self.X, self.y, self.size = X, y, size
        self.alive_at_yield: list[int] = []

    def __iter__(self):
        refs = []
        for start in range(0, len(self.X), self.size):
            x = self.X[start : start + self.size].clone()
            self.alive_at_yield.append(sum(r() is not None for r in refs))
            refs.append(weakref.ref(x))
            yield x, self.y[start : start + self.size]


def test_batches_are_not_all_held():
    X, y = classification(n=400, seed=3)
    loader = _CountingLoader(X, y, 40)
    obj = Objective(mlp(seed=3), F.cross_entropy, loader)
    obj.hvp(obj.theta0, np.ones(obj.n_params))
    assert len(loader.alive_at_yield) == 10
    # At most the previous batch's graph is alive when the next one is made.
    assert max(loader.alive_at_yield) <= 1


def _bn_model():
    torch.manual_seed(4)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Dropout(0.5), torch.nn.ReLU(),
        torch.nn.Linear(8, 3),
    )  # fmt: skip


def test_eval_mode_by_default_and_the_callers_mode_is_restored():
    model = _bn_model()
    X, y = classification(n=64, seed=4)
    model.train()
    with torch.no_grad():
        model(X)  # running statistics away from their initial values
    model.train()
    obj = Objective(model, F.cross_entropy, (X, y))
    value = obj.value(obj.theta0)
    assert all(m.training for m in model.modules())
    reference = copy.deepcopy(model).eval()
    assert value == pytest.approx(_loss_of(reference, X, y), rel=1e-6)
    assert obj.value(obj.theta0) == value  # eval mode: dropout off, deterministic
    model.eval()
    obj.hvp(obj.theta0, np.ones(obj.n_params))
    assert not any(m.training for m in model.modules())


def test_train_mode_uses_batch_statistics_and_restores_buffers():
    torch.manual_seed(5)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 3)
    )
    X, y = classification(n=64, seed=5)
    model.eval()
    before = {k: b.clone() for k, b in model.named_buffers()}
    obj = Objective(model, F.cross_entropy, (X, y), train=True)
    value = obj.value(obj.theta0)
    first = obj.hvp(obj.theta0, np.ones(obj.n_params))
    # Again through the kept graph, which the buffers put back must not have invalidated.
    np.testing.assert_array_equal(obj.hvp(obj.theta0, np.ones(obj.n_params)), first)
    obj.gradient(obj.theta0)
    for k, b in model.named_buffers():
        assert torch.equal(b, before[k]), k
    assert not model.training
    reference = copy.deepcopy(model).train()
    assert value == pytest.approx(_loss_of(reference, X, y), rel=1e-6)
    assert value != pytest.approx(_loss_of(model, X, y), rel=1e-4)
    # Asked not to restore them, a train-mode evaluation moves them as torch does.
    moving = Objective(model, F.cross_entropy, (X, y), train=True, restore_buffers=False)
    moving.value(moving.theta0)
    assert not torch.equal(model[1].running_mean, before["1.running_mean"])


def test_evaluating_elsewhere_leaves_the_parameters_alone():
    model = mlp(seed=6)
    X, y = classification(seed=6)
    saved = [p.detach().clone() for p in model.parameters()]
    obj = Objective(model, F.cross_entropy, (X, y))
    theta = obj.theta0 + 1.0
    moved = obj.value(theta)
    obj.hvp(theta, np.ones(obj.n_params))
    for p, q in zip(model.parameters(), saved, strict=True):
        assert torch.equal(p, q)
    # ... and the value at theta is the loss of a module holding theta.
    other = copy.deepcopy(model)
    torch.nn.utils.vector_to_parameters(
        torch.as_tensor(theta, dtype=torch.float32), other.parameters()
    )
    assert moved == pytest.approx(_loss_of(other, X, y), rel=1e-6)
    np.testing.assert_array_equal(obj.flat_parameters(other), theta.astype(np.float32))


@pytest.mark.parametrize(
    ("name", "n_out", "targets"),
    [
        ("mse", 1, "real"),
        ("huber", 1, "real"),
        ("mae", 1, "real"),
        ("bce_with_logits", 1, "binary"),
        ("cross_entropy", 3, "labels"),
    ],
)
def test_losslab_loss_names_match_the_catalogue_on_the_outputs(name, n_out, targets):
    model = mlp(n_out=n_out, seed=7)
    X, labels = classification(seed=7)
    y = {
        "real": X[:, 0] * 2.0 - 1.0,
        "binary": (labels > 0).float(),
        "labels": labels,
    }[targets]
    obj = Objective(model, name, (X, y))
    with torch.no_grad():
        out = model.eval()(X).double().numpy()
    out = out[:, 0] if n_out == 1 else out
    reference = float(
        losslab.losses.get(name)(out, y.double().numpy() if targets != "labels" else y.numpy())
    )
    assert obj.value(obj.theta0) == pytest.approx(reference, rel=1e-6)


def test_weight_decay_adds_the_penalty_and_lambda_identity():
    model = mlp(seed=8)
    X, y = classification(seed=8)
    plain = Objective(model, F.cross_entropy, (X, y))
    decayed = Objective(model, F.cross_entropy, (X, y), weight_decay=0.1)
    theta, v = plain.theta0, np.linspace(-1.0, 1.0, plain.n_params)
    assert decayed.value(theta) == pytest.approx(plain.value(theta) + 0.05 * theta @ theta)
    np.testing.assert_allclose(decayed.hvp(theta, v), plain.hvp(theta, v) + 0.1 * v, atol=1e-12)


def test_bad_arguments_are_named():
    X, y = classification()
    model = mlp()
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module"):
        Objective("net", F.cross_entropy, (X, y))
    with pytest.raises(ValueError, match="data: X and y must have the same number of rows"):
        Objective(model, F.cross_entropy, (X, y[:-1]))
    with pytest.raises(TypeError, match="one-shot iterator"):
        Objective(model, F.cross_entropy, iter([(X, y)]))
    with pytest.raises(ValueError, match="unknown loss 'no_such_loss'"):
        Objective(model, "no_such_loss", (X, y))
    with pytest.raises(TypeError, match="loss must be a torch callable"):
        Objective(model, 3.0, (X, y))
    frozen = mlp()
    for p in frozen.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="model has no trainable parameters"):
        Objective(frozen, F.cross_entropy, (X, y))
    obj = Objective(
        model, lambda out, target: F.cross_entropy(out, target, reduction="none"), (X, y)
    )
    with pytest.raises(ValueError, match="loss must return a scalar"):
        obj.value(obj.theta0)
    with pytest.raises(ValueError, match=r"theta must have shape \(51,\)"):
        obj.value(np.zeros(3))


def test_any_catalogue_loss_is_exact_through_losslab_torch() -> None:
    """A losslab loss name goes through losslab.torch.loss: its Hessian matches autograd's."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    net = net.double()
    X, y = torch.randn(20, 3, dtype=torch.float64), torch.randn(20, dtype=torch.float64)
    objective = Objective(net, "pseudo_huber:delta=0.7", (X, y))
    theta = objective.theta0
    params = [p.detach().clone() for p in net.parameters()]
    shapes = [p.shape for p in params]

    def mean_loss(flat: torch.Tensor) -> torch.Tensor:
        chunks, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            chunks.append(flat[start : start + size].reshape(shape))
            start += size
        h = torch.tanh(X @ chunks[0].T + chunks[1])
        r = (h @ chunks[2].T + chunks[3]).squeeze(-1) - y
        return (0.49 * (torch.sqrt(1 + (r / 0.7) ** 2) - 1)).mean()

    exact = torch.autograd.functional.hessian(mean_loss, torch.as_tensor(theta))
    v = np.random.default_rng(1).normal(size=theta.size)
    np.testing.assert_allclose(objective.hvp(theta, v), exact.numpy() @ v, rtol=1e-9, atol=1e-12)
