"""The Learn panel: forward propagation, back-propagation and gradient descent explained with the
current network as the worked example (its layers, sizes, activation, loss, optimizer and
learning rate), regenerated on every edit."""

from __future__ import annotations

import re
from html import escape

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from playground.core.model.graph import INPUT_INDEX, sources
from playground.core.model.layers import LAYERS, describe_shape
from playground.core.model.registry import ACTIVATIONS, FEATURES, LOSSES, OPTIMIZERS, REGULARIZATIONS, SCHEDULES
from playground.core.model.shapes import Analysis
from playground.core.model.spec import Project

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(n: int) -> str:
    return str(n).translate(SUB)


def doc_html(text: str) -> str:
    """A registry text as HTML: escaped, `code` in back-ticks set as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def _input(project: Project, analysis: Analysis) -> str:
    """What one sample's input is, in words, for every kind of data."""
    data, shape = project.data, analysis.input_shape
    if data.kind == "plane":
        features = ", ".join(FEATURES[f].title for f in data.features)
        return (f"a vector <b>x</b> of {len(data.features)} feature{'s' if len(data.features) != 1 else ''} "
                f"({escape(features)}) for each point of the plane")
    if not shape:
        return "what the data file holds (it is being read)"
    if data.kind == "images":
        channels, height, width = shape
        return (f"an image <b>x</b> of {channels} channel{'s' if channels != 1 else ''} × {height}×{width} pixels "
                f"({channels * height * width:,} numbers), scaled to [0, 1] and then standardized with the "
                "training images' mean and spread")
    if data.kind == "sequence":
        return (f"a sequence <b>x</b> of {shape[0]} steps of {shape[1]} feature{'s' if shape[1] != 1 else ''} "
                f"({escape(data.dataset)})")
    columns = ", ".join(data.columns) if data.columns else f"every column but {data.target}"
    return (f"a row <b>x</b> of {shape[0]} numbers for each row of the table ({escape(columns)}; numeric "
            "columns standardized with the training rows' mean and spread, text columns one-hot)")


def explain(project: Project, analysis: Analysis) -> str:
    """The lesson as HTML, for this project."""
    data, train = project.data, project.training
    out = [f"<h3>1. Forward propagation</h3><p>The input is {_input(project, analysis)}. Each "
           "layer turns its input into a new one; a dense layer computes <b>y = f(W·x + b)</b>: every "
           "neuron takes a weighted sum of all its inputs, adds its bias and applies the activation f.</p><ol>"]
    if not analysis.ok:
        out.append(f"</ol><p style='color:#b71c1c'>The network has an error, so the lesson stops here: "
                   f"{escape(str(analysis.error))}</p>")
        return "".join(out)
    dense = merges = 0
    names = {INPUT_INDEX: "x"}   # what each layer's output is called: h for a dense one, m for a merge
    previous = "x"
    for i, (info, layer, src) in enumerate(zip(analysis.layers, project.model.layers, sources(project.model.layers))):
        kind = LAYERS[layer.type]
        names[i] = previous = names[src[0]]
        if kind.neurons:
            dense += 1
            units, inputs = layer.params["units"], info.input_shape[-1]
            act = ACTIVATIONS[layer.params["activation"]]
            name = f"h{_sub(dense)}"
            out.append(f"<li><b>{name} = {escape(act.title)}(W{_sub(dense)}·{previous} + b{_sub(dense)})</b> — "
                       f"W{_sub(dense)} is {units}×{inputs} ({units * inputs} weights), b{_sub(dense)} has "
                       f"{units} biases; {escape(act.title)}: <code>{escape(act.formula)}</code></li>")
            names[i] = previous = name
        elif kind.merge:
            merges += 1
            name = f"m{_sub(merges)}"
            out.append(f"<li><b>{name} = {escape(kind.entry.title.lower())}({', '.join(names[j] for j in src)})</b> "
                       f"(→ {escape(describe_shape(info.output_shape))}): {doc_html(kind.entry.doc)} "
                       f"<code>{escape(kind.entry.formula)}</code></li>")
            names[i] = previous = name
        else:
            out.append(f"<li><b>{escape(kind.entry.title)}</b> (→ {escape(describe_shape(info.output_shape))}): "
                       f"{doc_html(kind.entry.doc)} <code>{escape(kind.entry.formula)}</code></li>")
    loss = LOSSES[train.loss["name"]]
    out.append(f"</ol><p>The last vector, <b>ŷ = {previous}</b>, is the prediction: {analysis.total_params:,} "
               "numbers (weights and biases) decide it.</p>")
    out.append(f"<h3>2. The loss</h3><p>How wrong the prediction is, averaged over a mini-batch of "
               f"{train.batch_size} points: <b>{escape(loss.title)}</b>, <code>{escape(loss.formula)}</code>. "
               f"{doc_html(loss.doc)}</p>")
    reg = REGULARIZATIONS[train.regularization]
    if train.regularization != "none" and train.regularization_rate > 0:
        out.append(f"<p>With {escape(reg.title)} regularization (λ = {train.regularization_rate:g}): "
                   f"<code>{escape(reg.formula)}</code>. {doc_html(reg.doc)}</p>")
    out.append("<h3>3. Back-propagation</h3><p>The chain rule gives the gradient of the loss with respect "
               "to every weight, layer by layer from the output back to the input. With "
               "<b>z = W·h + b</b> and <b>h' = f(z)</b>, the error signal of a layer is "
               "<b>δ = (Wₙₑₓₜᵀ·δₙₑₓₜ) ⊙ f′(z)</b>, and then <b>∂L/∂W = δ·hᵀ</b>, <b>∂L/∂b = δ</b>.")
    if dense > 1:
        out.append(f" Here the error flows from the output through {dense - 1} hidden layer"
                   f"{'s' if dense > 2 else ''}; each f′ can shrink it (vanishing gradients: see "
                   "<i>Weights &amp; gradients</i>).")
    out.append("</p>")
    opt = OPTIMIZERS[train.optimizer["name"]]
    if data.samples:
        count = int(data.samples * data.train_fraction)
        epoch = (f"the {count:,} training samples: {-(-count // train.batch_size):,} steps of "
                 f"{train.batch_size}")
    else:
        epoch = f"the training samples, in steps of {train.batch_size}"
    out.append(f"<h3>4. Gradient descent</h3><p>Each step moves every weight a little against its gradient: "
               f"<b>{escape(opt.title)}</b>, <code>{escape(opt.formula)}</code>, with learning rate "
               f"η = {train.learning_rate:g}. {doc_html(opt.doc)} One epoch is one pass over {epoch}.</p>")
    schedule = SCHEDULES[train.schedule["name"]]
    if train.schedule["name"] != "constant":
        out.append(f"<p>The learning rate follows a schedule, {escape(schedule.title)}: "
                   f"<code>{escape(schedule.formula)}</code>.</p>")
    watch = ("the network view: the links (weights) change thickness and colour, and each neuron's map "
             "shifts" if data.kind == "plane" else "the predictions on the right and the loss curves")
    out.append(f"<p>Press <b>Step</b> to take one epoch of steps and watch {watch}.</p>")
    return "".join(out)


class LearnView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("learnView")
        self.browser = QTextBrowser(objectName="learnText")
        self.browser.setOpenExternalLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.browser)

    def set_project(self, project: Project, analysis: Analysis) -> None:
        scroll = self.browser.verticalScrollBar().value()
        self.browser.setHtml(explain(project, analysis))
        self.browser.verticalScrollBar().setValue(scroll)

    def text(self) -> str:
        return self.browser.toPlainText()
