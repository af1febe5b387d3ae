"""An independent reference network for the self-checks, written from the textbook with
mpmath (it shares no code with symbackprop's model or evaluator)."""
from __future__ import annotations

import mpmath


def _act(name, z, slope):
    if name == "sigmoid":
        return 1 / (1 + mpmath.exp(-z))
    if name == "tanh":
        return mpmath.tanh(z)
    if name == "relu":
        return z if z > 0 else mpmath.mpf(0)
    if name == "leaky_relu":
        return z if z > 0 else slope * z
    if name == "linear":
        return z
    if name == "softplus":
        return mpmath.log(1 + mpmath.exp(z))
    if name == "elu":
        return z if z > 0 else mpmath.exp(z) - 1
    if name == "swish":
        return z / (1 + mpmath.exp(-z))
    raise ValueError(name)


def _normalize(zs, gamma, beta, eps):
    """Deck 004's batch normalization of one neuron's sums over the batch (biased variance)."""
    m = len(zs)
    mu = sum(zs) / m
    var = sum((z - mu) ** 2 for z in zs) / m
    return [gamma * (z - mu) / mpmath.sqrt(var + eps) + beta for z in zs]


def error(spec, params: dict) -> mpmath.mpf:
    """E of the spec at the given parameter values (dict id -> mpf). The batch goes layer by
    layer (batch normalization needs every example's weighted sums)."""
    K = spec.layers[-1].units
    total = mpmath.mpf(0)
    A = [[mpmath.mpf(str(v)) for v in xs] for xs in spec.inputs]
    outputs = [A]                       # every layer's outputs (0: the inputs), for shortcuts
    for l, layer in enumerate(spec.layers, start=1):
        Z = []
        for a in A:
            z = []
            for i in range(1, layer.units + 1):
                s = sum(params[f"w{l}_{i}_{j}"] * a[j - 1] for j in range(1, len(a) + 1))
                if layer.bias is not None:
                    s += params[f"b{l}"] if f"b{l}" in params else params[f"b{l}_{i}"]
                z.append(s)
            Z.append(z)
        bn = getattr(layer, "batch_norm", None)
        if bn is not None:
            eps = mpmath.mpf(str(bn.epsilon))
            columns = [_normalize([z[i - 1] for z in Z], params[f"gamma{l}_{i}"], params[f"beta{l}_{i}"], eps)
                       for i in range(1, layer.units + 1)]
            Z = [[col[n] for col in columns] for n in range(len(Z))]
        new = []
        for n, z in enumerate(Z):
            if layer.activation == "softmax":
                m = max(z)
                e = [mpmath.exp(v - m) for v in z]
                a = [v / sum(e) for v in e]
            else:
                slope = mpmath.mpf(str(layer.slope)) if layer.slope is not None else 0
                a = [_act(layer.activation, v, slope) for v in z]
            drop = getattr(layer, "dropout", None)
            if drop is not None:        # inverted dropout in training: a·m/(1 − p)
                p = mpmath.mpf(str(drop.rate))
                a = [v * m / (1 - p) for v, m in zip(a, drop.masks[n])]
            res = getattr(layer, "residual", None)
            if res is not None:         # a residual block: H(x) = F(x) + x, after the activation
                x = outputs[res.source][n]
                if res.weights is None:
                    a = [v + s for v, s in zip(a, x)]
                else:                   # a projection W_s
                    a = [v + sum(mpmath.mpf(str(w)) * s for w, s in zip(row, x))
                         for v, row in zip(a, res.weights)]
            new.append(a)
        A = new
        outputs.append(A)
    for a, ys in zip(A, spec.targets):
        y = [mpmath.mpf(str(v)) for v in ys]
        for k in range(K):
            if spec.loss == "half_sse":
                total += (y[k] - a[k]) ** 2 / 2
            elif spec.loss == "mse":
                total += (y[k] - a[k]) ** 2 / K
            elif spec.loss == "binary_cross_entropy":
                total += -(y[k] * mpmath.log(a[k]) + (1 - y[k]) * mpmath.log(1 - a[k]))
            else:
                total += -y[k] * mpmath.log(a[k])
    if spec.reduction == "mean":
        total /= len(spec.inputs)
    reg = spec.regularization
    for pid, v in params.items():
        if pid.startswith("w") or (reg.include_biases and pid[0] == "b" and not pid.startswith("beta")):
            if reg.l2 is not None:
                total += mpmath.mpf(str(reg.l2)) / 2 * v**2
            if reg.l1 is not None:
                total += mpmath.mpf(str(reg.l1)) / 2 * abs(v)
    return total


def finite_difference(spec, params: dict, pid: str, h: str = "1e-20") -> mpmath.mpf:
    """Central difference at the caller's mpmath precision (h is made there, not at import)."""
    h = mpmath.mpf(h)
    up = dict(params)
    down = dict(params)
    up[pid] += h
    down[pid] -= h
    return (error(spec, up) - error(spec, down)) / (2 * h)


def assert_finite_differences_agree(spec, solve) -> None:
    """E and every gradient of ``solve(spec)`` against this reference at 40 digits: E to
    1e-28, each gradient to a central difference of h = 1e-15 within 1e-25."""
    d = solve(spec).derivations[0]
    with mpmath.workdps(40):
        params = {pid: mpmath.mpf(str(v)) for pid, v in d.model.parameters().items()}
        assert abs(error(spec, params) - mpmath.mpf(str(d.E))) < mpmath.mpf("1e-28")
        for pid, g in d.gradients.items():
            fd = finite_difference(spec, params, pid, "1e-15")
            assert abs(fd - mpmath.mpf(str(g))) < mpmath.mpf("1e-25"), (pid, fd, g)


def assert_delta_form_agrees(specs, solve) -> None:
    """The δ form (``paths="none"``) gives exactly the gradients of the sums over paths."""
    for spec in specs:
        paths, deltas = solve(spec).derivations[0], solve(spec, paths="none").derivations[0]
        assert paths.gradients == deltas.gradients


def hand_222(spec, decimals=None, mode="round", slip=None) -> dict:
    """The default steps of a 2-2-2 sigmoid network with half-SSE loss, written out from the
    lecture (a1_1 = σ(w1_1_1·x1 + w1_1_2·x2 + b1), ...), with mpmath. With ``decimals``, as a
    student with a calculator does it: every value written down is rounded half up (``mode``
    "round") or cut (``mode`` "trunc") before it is used again (z, a, each error term, E, each
    local derivative, each path product, each partial sum, each gradient, each update);
    without, exactly. ``slip``: one mistake carried forward, "sign" ((y − a) for (a − y) in
    ∂E/∂a2), "sigma" (σ′ of the outputs taken as 1), "eta" (the update without η)."""
    from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
    how = ROUND_HALF_UP if mode == "round" else ROUND_DOWN

    def r(v):
        if decimals is None:
            return v
        return mpmath.mpf(str(Decimal(mpmath.nstr(v, 40)).quantize(Decimal(1).scaleb(-decimals), rounding=how)))

    def num(v):
        return mpmath.mpf(str(v))

    def sigma(z):
        return 1 / (1 + mpmath.exp(-z))

    x = [num(v) for v in spec.inputs[0]]
    y = [num(v) for v in spec.targets[0]]
    (W1, b1), (W2, b2) = [([[num(w) for w in row] for row in l.weights], num(l.bias)) for l in spec.layers]
    eta = 1 if slip == "eta" else num(spec.learning_rate)
    z1 = [r(W1[i][0] * x[0] + W1[i][1] * x[1] + b1) for i in range(2)]
    a1 = [r(sigma(z)) for z in z1]
    z2 = [r(W2[k][0] * a1[0] + W2[k][1] * a1[1] + b2) for k in range(2)]
    a2 = [r(sigma(z)) for z in z2]
    E = r(sum(r((y[k] - a2[k]) ** 2 / 2) for k in range(2)))
    sign = -1 if slip == "sign" else 1
    dE_da2 = [r(sign * (a2[k] - y[k])) for k in range(2)]        # ∂E_k/∂a2_k = −(y_k − a2_k)
    da2_dz2 = [1 if slip == "sigma" else r(a2[k] * (1 - a2[k])) for k in range(2)]   # σ′ = σ(1 − σ)
    da1_dz1 = [r(a1[i] * (1 - a1[i])) for i in range(2)]
    # ∂E/∂w2_1_1: one path, E1 ← a2_1 ← z2_1 ← w2_1_1 (∂z2_1/∂w2_1_1 = a1_1)
    g2 = r(dE_da2[0] * da2_dz2[0] * a1[0])        # path = partial = gradient: rounded once
    # ∂E/∂w1_1_1: a path through each output, E_k ← a2_k ← z2_k ← a1_1 ← z1_1 ← w1_1_1
    partial = [r(dE_da2[k] * da2_dz2[k] * W2[k][0] * da1_dz1[0] * x[0]) for k in range(2)]
    g1 = r(partial[0] + partial[1])
    return {"a1_1": a1[0], "a2_1": a2[0], "E": E,
            "dE/dw2_1_1": g2, "new_w2_1_1": r(W2[0][0] - eta * g2),
            "dE/dw1_1_1": g1, "new_w1_1_1": r(W1[0][0] - eta * g1)}


def assert_bad_spec_exits_2_in_one_line(main, spec_path, old: str, new: str, place: str, tmp_path, capsys) -> None:
    """``solve`` on ``spec_path`` with ``old`` replaced by ``new`` exits 2 with one line naming
    ``place``."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(spec_path.read_text().replace(old, new))
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and place in err


ACTIVATIONS = ["sigmoid", "tanh", "softplus", "swish"]


def random_layer(rng, fan_in: int, units: int) -> dict:
    """A dense layer of the random specs: a smooth activation, weights in [−1, 1] and a bias per
    neuron in [−0.5, 0.5], at two decimals."""
    return {"units": units, "activation": rng.choice(ACTIVATIONS),
            "weights": [[round(rng.uniform(-1, 1), 2) for _ in range(fan_in)] for _ in range(units)],
            "bias": [round(rng.uniform(-0.5, 0.5), 2) for _ in range(units)]}


def random_spec_data(rng, widths, examples: int, layers: list) -> dict:
    """The rest of a random spec around its ``layers``: inputs in [−1, 1], targets in
    [0.1, 0.9] (two decimals), half_sse, η = 0.5."""
    return {"inputs": [[round(rng.uniform(-1, 1), 2) for _ in range(widths[0])] for _ in range(examples)],
            "targets": [[round(rng.uniform(0.1, 0.9), 2) for _ in range(widths[-1])] for _ in range(examples)],
            "layers": layers, "loss": "half_sse", "learning_rate": 0.5}
