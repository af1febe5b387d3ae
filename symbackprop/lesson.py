"""The lesson plan: the lecture's sequence of steps for one solution, as data.

    plan = lesson_plan(solution)            # tuple[Step, ...]
    [type(s).__name__ for s in plan]        # Notation, Network, Forward ×4, Error, Question, ...

It sits between ``derive`` and ``render``: it decides *what* is taught and in which order
(the neuron-by-neuron forward pass, the error, for every parameter its question, each
factor, the product, the sum over outputs, the update, the end-of-iteration table) and
holds canonical ids only (``"w2_1_1"``, ``"da2_1/dz2_1"``, ``"dE/dw2_1_1"``,
``"new_w2_1_1"``). How a step looks is the printers' business (``render.text``,
``render.context``): they dispatch on the step's class, as SymPy's printers do.

Graph mode has its plan too: :func:`graph_plan` turns a computational graph (decks 000/002)
into the point, the forward pass node by node, the backward pass from the output (each node
sending its gradient back along its edges, the branches that add up), the gradients of the
variables and the conventions met at non-differentiable points; ``render.graph_text`` and
``render.graph_context`` print it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Union

from .core import ids
from .core.graph import Graph
from .core.ops import DERIVED
from .derive.derivation import Chain, Path, Solution
from .derive.ledger import path_ids

__all__ = [
    "Notation", "Network", "LabelSmoothing", "Forward", "Dropout", "Residual", "BatchNorm", "BatchNormBackward", "Error", "Deltas", "Question", "Reused", "Factor",
    "Together", "PartialSum", "Rule", "SumOverOutputs", "Update", "IterationTable", "Recap", "Step", "lesson_plan", "path_id",
    "find_path", "GraphPoint", "GraphForward", "GraphSeed", "GraphBackward", "GraphBranches",
    "GraphGradients", "GraphConvention", "GraphStep", "graph_plan",
]


@dataclass(frozen=True)
class Notation:
    """The names used: the layered legend, or a table of every neuron's z and a."""

    layered_legend: bool
    neurons: tuple[tuple[str, str], ...]        # (z id, a id) of the first example


@dataclass(frozen=True)
class Network:
    """The data (inputs, targets, η) and the parameters' starting values."""

    inputs: tuple[str, ...]
    targets: tuple[str, ...]
    params: tuple[str, ...]


@dataclass(frozen=True)
class LabelSmoothing:
    """Deck 004's label smoothing of one-hot targets (the spec's ``label_smoothing``): the
    targets, whose values are the smoothed ones, and one target that was a 1 (its value 1 − ε)
    and one that was a 0 (ε/(K − 1)); ε and the one-hot rows are the spec's."""

    targets: tuple[str, ...]
    hot: str
    cold: str


@dataclass(frozen=True)
class Forward:
    """One neuron: its weighted sum, then its activation. ``sums``: the weighted sums first
    needed here, in the model's order (a softmax neuron needs its whole layer's)."""

    z: str
    a: str
    sums: tuple[str, ...]


@dataclass(frozen=True)
class Dropout:
    """Inverted dropout after a layer's forward pass (the layer's ``dropout``, one example):
    each output a becomes ã = a·m/(1 − p), what the next layer uses. ``outputs``: the a's,
    ``dropped``: the ã's, in the same order; the rate and the mask are the spec's."""

    layer: int
    example: int | None
    outputs: tuple[str, ...]
    dropped: tuple[str, ...]


@dataclass(frozen=True)
class Residual:
    """A residual block's sum after a layer's forward pass (the layer's ``residual``, one
    example): H = F(x) + x, each h = a + x (the shortcut x: the earlier layer's output, or
    W_s·x with a projection), what the next layer uses. ``outputs``: the a's (F(x)),
    ``sums``: the h's, in the same order."""

    layer: int
    example: int | None
    outputs: tuple[str, ...]
    sums: tuple[str, ...]


@dataclass(frozen=True)
class BatchNorm:
    """Batch normalization of one neuron over the batch (the layer's ``batch_norm``, deck 004's
    algorithm 1): its weighted sums (one per example), the batch's mean μ_B and variance σ²_B,
    then each example's x̂ = (z − μ_B)/√(σ²_B + ε) and y = γ·x̂ + β, what the activation takes."""

    layer: int
    neuron: int
    sums: tuple[str, ...]
    mean: str
    variance: str
    normalized: tuple[str, ...]
    scaled: tuple[str, ...]


@dataclass(frozen=True)
class BatchNormBackward:
    """The backward pass through one neuron's batch normalization, before the chains of its
    layer: ∂E/∂y and ∂E/∂x̂ of every example, then ∂E/∂σ²_B and ∂E/∂μ_B, which gather the whole
    batch (each an adjoint of the ledger, ids dE/d<node>); every δ of the layer uses them."""

    layer: int
    neuron: int
    adjoints: tuple[str, ...]


@dataclass(frozen=True)
class Error:
    terms: tuple[str, ...]                      # E1, E2, ..., R; their sum is E
    total: str = "E"


@dataclass(frozen=True)
class Deltas:
    """The δ of every weighted sum, before the chains that use them (delta form only)."""

    zs: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """How much does this parameter contribute to E? (the chain's id is dE/d<param>)."""

    param: str
    gradient: str


@dataclass(frozen=True)
class Reused:
    """The factors of one path that an earlier step already computed."""

    param: str
    path: str                                   # the path's id (see :func:`path_id`)
    factors: tuple[str, ...]
    old_values: tuple[str, ...] = ()            # as in :class:`Factor`


@dataclass(frozen=True)
class Factor:
    """One factor of one path, at ``position`` (from 0) in the path's product."""

    param: str
    path: str
    factor: str
    position: int
    reused: bool
    #: parameters in the factor whose update an earlier step showed: the factor still uses their
    #: old value (every gradient of an iteration is taken at the same point)
    old_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Together:
    """A path's factors multiplied. ``path`` names the product: the partial ∂E_k/∂p when
    the path is the only one from its error term, a path id of its own otherwise."""

    param: str
    path: str


@dataclass(frozen=True)
class PartialSum:
    """∂E_k/∂p as the sum of its several paths (a shared bias, a deeper network): the paths'
    products, each named as a path, added into the partial, a step of its own."""

    param: str
    partial: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """Once per activation, before its first local derivative: the rule derived step by step
    (deck 003's "Derivada de la función sigmoide"), for activations whose table entry has a
    derivation."""

    activation: str


@dataclass(frozen=True)
class SumOverOutputs:
    """∂E/∂p as the sum of its parts (partials ∂E_k/∂p, or the δ-form paths)."""

    param: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Update:
    param: str
    gradient: str
    new: str
    summed: bool = False                        # a SumOverOutputs step gave the gradient already


@dataclass(frozen=True)
class IterationTable:
    """The parameters before and after gradient-descent step ``step`` (from 1)."""

    step: int
    params: tuple[str, ...]


@dataclass(frozen=True)
class Recap:
    """The lesson's close (deck 004's "Recuerda"): the old parameters are replaced by the new
    ones, the forward pass runs again, then the backward pass, until the loss converges.
    ``steps`` is how many gradient-descent steps the solution took."""

    steps: int


Step = Union[Notation, Network, LabelSmoothing, Forward, Dropout, Residual, BatchNorm, BatchNormBackward, Error, Deltas, Question, Reused, Factor, Together,
             PartialSum, Rule, SumOverOutputs, Update, IterationTable, Recap]


# ----------------------------------------------------------------------------- graph mode

@dataclass(frozen=True)
class GraphPoint:
    """The expression's variables and the point they are taken at (opens the forward pass);
    in the order the point was given."""

    variables: tuple[str, ...]


@dataclass(frozen=True)
class GraphForward:
    """One operation node: its definition in its inputs, then its value."""

    node: str


@dataclass(frozen=True)
class GraphSeed:
    """The backward pass starts at the output: ∂f/∂f = 1."""

    output: str


@dataclass(frozen=True)
class GraphBackward:
    """One operation node, processed backwards: for each of its ``inputs`` in order (an input
    used twice is sent to twice), the local gradient and downstream = local × upstream.
    ``pattern``: the gate pattern the lectures name (add distributes, mul swaps, max routes)."""

    node: str
    inputs: tuple[str, ...]
    pattern: str | None = None


@dataclass(frozen=True)
class GraphBranches:
    """``node`` feeds several edges: its gradient, now complete, is the sum of their shares."""

    node: str


@dataclass(frozen=True)
class GraphGradients:
    """The result: ∂f/∂v for every variable."""

    variables: tuple[str, ...]


@dataclass(frozen=True)
class GraphConvention:
    """A non-differentiable point met at ``node``: ``kind`` "tie" (max/min of equal arguments)
    or "kink" (relu, |x|… at 0), and the convention used there."""

    node: str
    kind: str


GraphStep = Union[GraphPoint, GraphForward, GraphSeed, GraphBackward, GraphBranches,
                  GraphGradients, GraphConvention]


def graph_plan(g: Graph) -> tuple[GraphStep, ...]:
    """The steps of deck 000's walk through ``g``."""
    operations = [n for n in g.nodes if n.definition is not None]
    variables = tuple(g.gradients)
    steps: list[GraphStep] = [GraphPoint(tuple(k for k in g.at if k in g.gradients))]
    steps += [GraphForward(n.id) for n in operations]
    steps.append(GraphSeed(g.output))
    # A node's gradient is complete once its first user in the forward order, the last one the
    # backward pass reaches, has sent its share: that is where its branches are added up.
    last_user = {i: n.id for n in reversed(operations) for i in n.inputs}
    by_id = {n.id: n for n in g.nodes}
    for n in reversed(operations):
        steps.append(GraphBackward(n.id, n.inputs, n.pattern))
        steps += [GraphBranches(i) for i in dict.fromkeys(n.inputs)
                  if by_id[i].branches > 1 and last_user[i] == n.id]
    steps.append(GraphGradients(variables))
    steps += [GraphConvention(node, kind) for kind, node, _ in g.notes]
    return tuple(steps)


def path_id(c: Chain, path: Path) -> str:
    """The id of one path's product: the ledger's (a path alone from its error term is the
    partial itself; one of several is ``<partial>#<n>``, never named like their sum)."""
    return path_ids(c)[next(n for n, p in enumerate(c.paths) if p is path)]


def find_path(c: Chain, pid: str) -> tuple[int, Path]:
    """The path of ``c`` whose product is ``pid``, with its number (from 1) in the chain."""
    pids = path_ids(c)
    if pid not in pids:
        raise KeyError(pid)
    n = pids.index(pid)
    return n + 1, c.paths[n]


def _chain_steps(c: Chain, rules: dict[str, str], derived: set[str]) -> Iterable[Step]:
    """``rules``: the activation of each local derivative da/dz that has a derivation to show;
    ``derived``: the activations shown already (shared by the chains of one plan)."""
    yield Question(c.param, c.id)
    pids = path_ids(c)
    last_of_term = {p.term: n for n, p in enumerate(c.paths)}
    for n, path in enumerate(c.paths):
        pid = pids[n]
        reused = tuple(fid for fid, r in zip(path.factors, path.reused) if r)
        if reused and len(path.factors) > 1:
            yield Reused(c.param, pid, reused)
        for k, (fid, r) in enumerate(zip(path.factors, path.reused)):
            act = rules.get(fid)
            if act is not None and not r and act not in derived:
                derived.add(act)
                yield Rule(act)
            yield Factor(c.param, pid, fid, k, r)
        if len(path.factors) > 1:
            yield Together(c.param, pid)
        if last_of_term[path.term] == n and c.form == "paths":
            siblings = tuple(q for q, p in zip(pids, c.paths) if p.term == path.term)
            if len(siblings) > 1:
                yield PartialSum(c.param, ids.derivative(path.term, c.param), siblings)
    parts = tuple(p.id for p in c.partials) if c.partials else tuple(path_id(c, p) for p in c.paths)
    if len(parts) > 1:
        yield SumOverOutputs(c.param, parts)
    yield Update(c.param, c.id, ids.new(c.param), summed=len(parts) > 1)


def _batch_norm_backward(spec, l: int) -> Iterable[Step]:
    examples = range(1, spec.n_examples + 1)
    for i in range(1, spec.layers[l - 1].units + 1):
        adjoints = ([ids.bn(l, i, n) for n in examples] + [ids.xhat(l, i, n) for n in examples]
                    + [ids.var(l, i), ids.mu(l, i)])
        yield BatchNormBackward(l, i, tuple(ids.derivative("E", q) for q in adjoints))


def lesson_plan(solution: Solution, only=None) -> tuple[Step, ...]:
    """The steps of the lecture for ``solution``; ``only``: the parameters whose chain rule
    is derived step by step (default: all; the iteration table still lists them all)."""
    spec, model = solution.spec, solution.model
    d = solution.derivations[0]
    ex = 1 if spec.batch else None
    steps: list[Step] = []
    neurons = tuple((ids.z(l, i), ids.a(l, i)) for l, layer in enumerate(spec.layers, start=1)
                    for i in range(1, layer.units + 1))
    steps.append(Notation(spec.notation == "layered" and not spec.labels, neurons))
    steps.append(Network(tuple(ids.x(j, ex) for j in range(1, len(spec.inputs[0]) + 1)),
                         tuple(ids.y(k, ex) for k in range(1, len(spec.targets[0]) + 1)),
                         tuple(sorted(model.walk_order, key=lambda p: model.nodes[p].layer))))
    if spec.label_smoothing is not None:
        targets = tuple(ids.y(k, n if spec.batch else None) for n in range(1, len(spec.targets) + 1)
                        for k in range(1, len(spec.targets[0]) + 1))
        flat = [t for row in spec.one_hot for t in row]
        steps.append(LabelSmoothing(targets, next(y for y, t in zip(targets, flat) if t == 1),
                                    next(y for y, t in zip(targets, flat) if t == 0)))
    pending: list[str] = []
    for node in model.nodes.values():
        if node.kind == "z":
            pending.append(node.id)
        elif node.kind == "mean":
            # one step per neuron, once the batch's weighted sums are known; its activations
            # then take y = γ·x̂ + β
            l, i, m = node.layer, node.index, spec.n_examples
            sums = tuple(ids.z(l, i, n) for n in range(1, m + 1))
            pending = [z for z in pending if z not in sums]
            steps.append(BatchNorm(l, i, sums, node.id, ids.var(l, i),
                                   tuple(ids.xhat(l, i, n) for n in range(1, m + 1)),
                                   tuple(ids.bn(l, i, n) for n in range(1, m + 1))))
        elif node.kind == "a":
            source = (ids.bn if spec.layers[node.layer - 1].batch_norm is not None else ids.z)
            steps.append(Forward(source(node.layer, node.index, node.example), node.id, tuple(pending)))
            pending = []
        elif node.kind == "dropout":
            # one step per layer and example, right after that layer's forward pass
            a = ids.a(node.layer, node.index, node.example)
            last = steps[-1]
            if isinstance(last, Dropout) and (last.layer, last.example) == (node.layer, node.example):
                steps[-1] = Dropout(last.layer, last.example, last.outputs + (a,), last.dropped + (node.id,))
            else:
                steps.append(Dropout(node.layer, node.example, (a,), (node.id,)))
        elif node.kind == "residual":
            # one step per block and example, right after that layer's forward pass
            a = ids.a(node.layer, node.index, node.example)
            last = steps[-1]
            if isinstance(last, Residual) and (last.layer, last.example) == (node.layer, node.example):
                steps[-1] = Residual(last.layer, last.example, last.outputs + (a,), last.sums + (node.id,))
            else:
                steps.append(Residual(node.layer, node.example, (a,), (node.id,)))
    steps.append(Error(tuple(model.terms)))
    if any(c.form == "delta" for c in d.chains):
        nodes = model.nodes
        steps.append(Deltas(tuple(sorted(d.deltas, key=lambda z: (-nodes[z].layer, nodes[z].example or 0,
                                                                   nodes[z].index)))))
    wanted = None if only is None else set(only)
    rules = {ids.derivative(node.id, (ids.bn if spec.layers[node.layer - 1].batch_norm is not None else ids.z)(
                 node.layer, node.index, node.example)):
             spec.layers[node.layer - 1].activation
             for node in model.nodes.values() if node.kind == "a"
             and spec.layers[node.layer - 1].activation in DERIVED}
    derived: set[str] = set()
    normalized = {l for l, layer in enumerate(spec.layers, start=1) if layer.batch_norm is not None}
    for c in d.chains:
        layer = model.nodes[c.param].layer
        if layer in normalized and (wanted is None or c.param in wanted):
            normalized.discard(layer)     # once, before the layer's first chain
            steps.extend(_batch_norm_backward(spec, layer))
        if wanted is None or c.param in wanted:
            steps.extend(_chain_steps(c, rules, derived))
    for later in solution.derivations:
        steps.append(IterationTable(later.step, tuple(c.param for c in later.chains)))
    steps.append(Recap(len(solution.derivations)))
    return _mark_old_values(tuple(steps), d)


def _mark_old_values(steps: tuple[Step, ...], d) -> tuple[Step, ...]:
    """Each Factor step that uses a parameter updated by an earlier step says so (deck 004:
    the old weights are replaced only when the backward pass ends)."""
    updated: set[str] = set()
    out = []
    for step in steps:
        if isinstance(step, Update):
            updated.add(step.param)
        elif isinstance(step, (Factor, Reused)) and updated:
            factors = (step.factor,) if isinstance(step, Factor) else step.factors
            used = sorted({s.name for f in factors for s in d.factors[f].named.free_symbols} & updated)
            if used:
                step = replace(step, old_values=tuple(used))
        out.append(step)
    return tuple(out)
