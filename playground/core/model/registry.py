"""The one catalogue: activations, losses, optimizers, initializers, schedules, regularization,
data sets, input features and layer kinds.

Everything that lists choices (the builder, the CLI, the GUI's palette, combo boxes and tooltips)
reads these tables; nothing is listed twice. Torch-free: importing this module is cheap.

Code strings (`extra["code"]`) are PyTorch expressions. The builder evaluates them and the python
exporter writes them out, so a built model and its generated code cannot drift apart.
"""

from __future__ import annotations

from playground.core.model.params import Entry, Param

# ---------------------------------------------------------------------------------------------
# Activations

ACTIVATIONS: dict[str, Entry] = {e.name: e for e in [
    Entry("linear", "Linear", "Passes its input through unchanged (no non-linearity).",
          "f(x) = x", extra={"code": None}),
    Entry("relu", "ReLU", "Keeps positive values, zeroes negative ones; cheap and the usual default.",
          "f(x) = max(0, x)", extra={"code": "nn.ReLU()"}),
    Entry("leaky_relu", "Leaky ReLU", "Like ReLU but lets a small slope through for negative inputs, "
          "so units never die.", "f(x) = x if x > 0 else 0.01·x",
          extra={"code": "nn.LeakyReLU(0.01)"}),
    Entry("elu", "ELU", "Smooth for negative inputs, saturating at −1; keeps mean activations near 0.",
          "f(x) = x if x > 0 else eˣ − 1", extra={"code": "nn.ELU()"}),
    Entry("gelu", "GELU", "A smooth ReLU weighted by the Gaussian CDF; used in Transformers.",
          "f(x) = x·Φ(x)", extra={"code": "nn.GELU()"}),
    Entry("silu", "SiLU (swish)", "x times its sigmoid: smooth, non-monotonic, self-gated.",
          "f(x) = x·σ(x)", extra={"code": "nn.SiLU()"}),
    Entry("tanh", "Tanh", "Squashes to (−1, 1), zero-centred; the TensorFlow Playground default.",
          "f(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)", extra={"code": "nn.Tanh()"}),
    Entry("sigmoid", "Sigmoid", "Squashes to (0, 1); read as a probability on a binary output.",
          "f(x) = 1/(1 + e⁻ˣ)", extra={"code": "nn.Sigmoid()"}),
    Entry("softplus", "Softplus", "A smooth ReLU that is always positive.",
          "f(x) = ln(1 + eˣ)", extra={"code": "nn.Softplus()"}),
    Entry("sine", "Sine", "Periodic activation (as in SIREN); fits repeating patterns.",
          "f(x) = sin(x)", extra={"code": "Sine()"}),
    Entry("softmax", "Softmax", "Turns a vector of scores into probabilities that sum to 1; "
          "for a multi-class output.", "f(x)ᵢ = eˣⁱ / Σⱼ eˣʲ", extra={"code": "nn.Softmax(dim=-1)"}),
]}

# ---------------------------------------------------------------------------------------------
# Losses. extra["code"]: the PyTorch expression over {out} and {target}; for bce and cross_entropy
# one per output activation (probabilities or logits).

LOSSES: dict[str, Entry] = {e.name: e for e in [
    Entry("mse", "Mean squared error", "Average squared distance between output and target; "
          "punishes big misses hard.", "L = mean((ŷ − y)²)", extra={"code": "F.mse_loss({out}, {target})"}),
    Entry("mae", "Mean absolute error", "Average absolute distance; robust to outliers.",
          "L = mean(|ŷ − y|)", extra={"code": "F.l1_loss({out}, {target})"}),
    Entry("huber", "Huber", "Squared for small errors, absolute for large ones.",
          "L = mean(½e² if |e| ≤ δ else δ(|e| − ½δ)), e = ŷ − y",
          (Param("delta", "float", 1.0, "where the loss turns from squared to absolute",
                 low=0.0, high=100.0, low_exclusive=True),),
          extra={"code": "F.huber_loss({out}, {target}, delta={delta!r})"}),
    Entry("bce", "Binary cross-entropy", "Log loss for a yes/no output read as a probability "
          "(sigmoid output, or a linear output read as logits); targets 0/1.",
          "L = −mean(y·ln p + (1 − y)·ln(1 − p))",
          extra={"code": {"sigmoid": "F.binary_cross_entropy({out}, {target})",
                          "linear": "F.binary_cross_entropy_with_logits({out}, {target})"}}),
    Entry("cross_entropy", "Cross-entropy", "Log loss over classes: one output unit per class "
          "(softmax output, or linear logits); targets are class indices.",
          "L = −mean(ln softmax(ŷ)_y)",
          extra={"code": {"softmax": "F.nll_loss(torch.log({out}.clamp_min(1e-12)), {target})",
                          "linear": "F.cross_entropy({out}, {target})"}}),
    Entry("hinge", "Hinge", "Margin loss of support vector machines; targets ±1.",
          "L = mean(max(0, 1 − y·ŷ))", extra={"code": "torch.clamp(1 - {target} * {out}, min=0).mean()"}),
]}

# ---------------------------------------------------------------------------------------------
# Optimizers: their own parameters (the learning rate lives in the training spec);
# extra["code"] constructs one over {params} with learning rate {lr}.

_BETAS = (Param("beta1", "float", 0.9, "decay of the running mean of gradients", low=0.0, high=0.9999),
          Param("beta2", "float", 0.999, "decay of the running mean of squared gradients",
                low=0.0, high=0.99999),
          Param("eps", "float", 1e-8, "added to the denominator for stability", low=0.0, high=1.0,
                low_exclusive=True))

OPTIMIZERS: dict[str, Entry] = {e.name: e for e in [
    Entry("sgd", "SGD", "Plain gradient descent: step against the gradient.", "w ← w − η·∇L",
          extra={"code": "torch.optim.SGD({params}, lr={lr!r})"}),
    Entry("momentum", "SGD with momentum", "Accumulates a velocity so steps keep going downhill.",
          "v ← μ·v + ∇L;  w ← w − η·v",
          (Param("momentum", "float", 0.9, "how much velocity is kept per step", low=0.0, high=0.9999),),
          extra={"code": "torch.optim.SGD({params}, lr={lr!r}, momentum={momentum!r})"}),
    Entry("nesterov", "Nesterov momentum", "Momentum that looks ahead before it steps.",
          "v ← μ·v + ∇L;  w ← w − η·(∇L + μ·v)",
          (Param("momentum", "float", 0.9, "how much velocity is kept per step", low=0.0, high=0.9999),),
          extra={"code": "torch.optim.SGD({params}, lr={lr!r}, momentum={momentum!r}, nesterov=True)"}),
    Entry("adagrad", "Adagrad", "Per-weight step sizes that shrink for often-updated weights.",
          "G ← G + (∇L)²;  w ← w − η·∇L/(√G + ε)",
          (Param("eps", "float", 1e-10, "added to the denominator", low=0.0, high=1.0,
                 low_exclusive=True),),
          extra={"code": "torch.optim.Adagrad({params}, lr={lr!r}, eps={eps!r})"}),
    Entry("rmsprop", "RMSprop", "Divides the step by a running average of recent gradient sizes.",
          "s ← α·s + (1 − α)(∇L)²;  w ← w − η·∇L/(√s + ε)",
          (Param("alpha", "float", 0.99, "decay of the squared-gradient average", low=0.0, high=0.9999),
           Param("eps", "float", 1e-8, "added to the denominator", low=0.0, high=1.0, low_exclusive=True),
           Param("momentum", "float", 0.0, "momentum on top of the scaled step", low=0.0, high=0.9999)),
          extra={"code": "torch.optim.RMSprop({params}, lr={lr!r}, alpha={alpha!r}, eps={eps!r}, "
                         "momentum={momentum!r})"}),
    Entry("adam", "Adam", "Momentum plus per-weight step sizes, bias-corrected; a robust default.",
          "m ← β₁m + (1−β₁)∇L;  v ← β₂v + (1−β₂)(∇L)²;  w ← w − η·m̂/(√v̂ + ε)", _BETAS,
          extra={"code": "torch.optim.Adam({params}, lr={lr!r}, betas=({beta1!r}, {beta2!r}), eps={eps!r})"}),
    Entry("adamw", "AdamW", "Adam with weight decay applied to the weights directly (decoupled).",
          "Adam step, then w ← w − η·λ·w", _BETAS + (
              Param("weight_decay", "float", 0.01, "decoupled weight decay λ", low=0.0, high=10.0),),
          extra={"code": "torch.optim.AdamW({params}, lr={lr!r}, betas=({beta1!r}, {beta2!r}), eps={eps!r}, "
                         "weight_decay={weight_decay!r})"}),
]}

# ---------------------------------------------------------------------------------------------
# Initializers. extra["code"] is a template over {t} (the tensor) and the parameters;
# extra["needs_matrix"]: only for weights with a fan-in and fan-out (not biases).

INITIALIZERS: dict[str, Entry] = {e.name: e for e in [
    Entry("default", "PyTorch default", "Whatever the layer's own reset_parameters does "
          "(Kaiming-uniform weights, small uniform biases for dense layers).",
          "w ~ U(−1/√fan_in, 1/√fan_in)", extra={"code": None, "needs_matrix": False}),
    Entry("zeros", "Zeros", "All zero: fine for biases, breaks symmetry-learning for weights.", "w = 0",
          extra={"code": "nn.init.zeros_({t})", "needs_matrix": False}),
    Entry("constant", "Constant", "Every value the same.", "w = c",
          (Param("value", "float", 0.0, "the constant", low=-1e6, high=1e6),),
          extra={"code": "nn.init.constant_({t}, {value!r})", "needs_matrix": False}),
    Entry("uniform", "Uniform", "Uniform in [low, high].", "w ~ U(low, high)",
          (Param("low", "float", -0.05, "lower bound", low=-1e6, high=1e6, at_most="high"),
           Param("high", "float", 0.05, "upper bound", low=-1e6, high=1e6)),
          extra={"code": "nn.init.uniform_({t}, {low!r}, {high!r})", "needs_matrix": False}),
    Entry("normal", "Normal", "Gaussian with the given mean and standard deviation.", "w ~ N(μ, σ²)",
          (Param("mean", "float", 0.0, "mean μ", low=-1e6, high=1e6),
           Param("std", "float", 0.05, "standard deviation σ", low=0.0, high=1e6)),
          extra={"code": "nn.init.normal_({t}, {mean!r}, {std!r})", "needs_matrix": False}),
    Entry("xavier_uniform", "Xavier (Glorot) uniform", "Keeps the variance of signals equal "
          "forwards and backwards; suits tanh and sigmoid.",
          "w ~ U(−a, a), a = gain·√(6/(fan_in + fan_out))",
          (Param("gain", "float", 1.0, "scale factor", low=0.0, high=100.0),),
          extra={"code": "nn.init.xavier_uniform_({t}, gain={gain!r})", "needs_matrix": True}),
    Entry("xavier_normal", "Xavier (Glorot) normal", "Gaussian version of Xavier.",
          "w ~ N(0, gain²·2/(fan_in + fan_out))",
          (Param("gain", "float", 1.0, "scale factor", low=0.0, high=100.0),),
          extra={"code": "nn.init.xavier_normal_({t}, gain={gain!r})", "needs_matrix": True}),
    Entry("he_uniform", "He (Kaiming) uniform", "Scaled for ReLU so signals neither vanish nor explode.",
          "w ~ U(−b, b), b = √(6/fan_in)",
          extra={"code": "nn.init.kaiming_uniform_({t}, nonlinearity='relu')", "needs_matrix": True}),
    Entry("he_normal", "He (Kaiming) normal", "Gaussian version of He.", "w ~ N(0, 2/fan_in)",
          extra={"code": "nn.init.kaiming_normal_({t}, nonlinearity='relu')", "needs_matrix": True}),
    Entry("orthogonal", "Orthogonal", "A (semi-)orthogonal matrix: preserves norms; good for deep and "
          "recurrent nets.", "W = gain·Q, QᵀQ = I",
          (Param("gain", "float", 1.0, "scale factor", low=0.0, high=100.0),),
          extra={"code": "nn.init.orthogonal_({t}, gain={gain!r})", "needs_matrix": True}),
    Entry("lecun_normal", "LeCun normal", "Variance 1/fan_in; pairs with SELU-style nets.",
          "w ~ N(0, 1/fan_in)",
          extra={"code": "nn.init.kaiming_normal_({t}, nonlinearity='linear')", "needs_matrix": True}),
]}

# ---------------------------------------------------------------------------------------------
# Learning-rate schedules: the multiplier applied to the base learning rate at each epoch.

SCHEDULES: dict[str, Entry] = {e.name: e for e in [
    Entry("constant", "Constant", "The learning rate never changes.", "η(t) = η₀"),
    Entry("step", "Step decay", "Multiply the rate by γ every `step_size` epochs.",
          "η(t) = η₀·γ^⌊t/step_size⌋",
          (Param("step_size", "int", 100, "epochs between drops", low=1, high=10_000_000),
           Param("gamma", "float", 0.5, "factor per drop", low=0.0, high=1.0, low_exclusive=True))),
    Entry("exponential", "Exponential decay", "Multiply the rate by γ every epoch.", "η(t) = η₀·γᵗ",
          (Param("gamma", "float", 0.99, "factor per epoch", low=0.0, high=1.0, low_exclusive=True),)),
    Entry("cosine", "Cosine annealing", "Glide from η₀ down to a minimum along half a cosine over "
          "`period` epochs (0: the run's epochs).", "η(t) = η_min + ½(η₀ − η_min)(1 + cos(πt/T))",
          (Param("period", "int", 0, "epochs T of the half cosine; 0 = all epochs", low=0, high=10_000_000),
           Param("min_factor", "float", 0.0, "η_min as a fraction of η₀", low=0.0, high=1.0))),
]}

REGULARIZATIONS: dict[str, Entry] = {e.name: e for e in [
    Entry("none", "None", "No penalty on the weights.", "L_total = L"),
    Entry("l1", "L1", "Pulls weights to exactly zero: sparse networks.", "L_total = L + λ·Σ|w|"),
    Entry("l2", "L2", "Pulls large weights towards zero: smooth networks (weight decay).",
          "L_total = L + λ·½Σw²"),
]}

# ---------------------------------------------------------------------------------------------
# Data sets. extra: kind (plane: generated 2-D points with features; images; table; sequence), task,
# classes (0: read from the data), default samples (0: all the file has), and for images the shape
# when it is fixed.

DATASETS: dict[str, Entry] = {e.name: e for e in [
    Entry("circle", "Circle", "A disc of one class inside a ring of the other.", "label = +1 if ‖p‖ < 2.5",
          extra={"kind": "plane", "task": "classification", "classes": 2, "samples": 500}),
    Entry("xor", "Exclusive or", "Quadrants: the sign of x·y.", "label = sign(x·y)",
          extra={"kind": "plane", "task": "classification", "classes": 2, "samples": 500}),
    Entry("gauss", "Two Gaussians", "Two clouds around (2, 2) and (−2, −2).", "p ~ N(±(2, 2), σ²)",
          extra={"kind": "plane", "task": "classification", "classes": 2, "samples": 500}),
    Entry("spiral", "Spiral", "Two interleaved spiral arms; the TensorFlow Playground's challenge.",
          "r = 5i/n, t = 1.75·2π·i/n + {0, π}", extra={"kind": "plane", "task": "classification", "classes": 2, "samples": 500}),
    Entry("moons", "Two moons", "Two interleaving half circles.", "upper: (cos t, sin t), lower: "
          "(1 − cos t, ½ − sin t), scaled", extra={"kind": "plane", "task": "classification", "classes": 2, "samples": 500}),
    Entry("checkerboard", "Checkerboard", "A 4×4 board of alternating squares.",
          "label = (−1)^(⌊x/3⌋ + ⌊y/3⌋)", extra={"kind": "plane", "task": "classification", "classes": 2, "samples": 500}),
    Entry("spiral3", "Three-arm spiral", "Three interleaved spiral arms: a 3-class problem.",
          "t = 1.75·2π·i/n + 2πk/3", extra={"kind": "plane", "task": "classification", "classes": 3, "samples": 600}),
    Entry("blobs", "Three blobs", "Three Gaussian clouds: a 3-class problem.", "p ~ N(c_k, σ²)",
          extra={"kind": "plane", "task": "classification", "classes": 3, "samples": 600}),
    Entry("plane", "Regression plane", "A tilted plane: y grows with x1 + x2.", "y = (x1 + x2)/10",
          extra={"kind": "plane", "task": "regression", "classes": 0, "samples": 1200}),
    Entry("multigauss", "Multi-Gaussian", "Six bumps of alternating sign.",
          "y = the strongest of ±max(0, 1 − d/2)", extra={"kind": "plane", "task": "regression", "classes": 0, "samples": 1200}),
    Entry("digits", "Digits (8×8)", "1,797 handwritten digits, 8×8 pixels, 10 classes (UCI, shipped "
          "with the app).", "x ∈ [0, 16]^(1×8×8), label ∈ {0…9}",
          extra={"kind": "images", "task": "classification", "classes": 10, "samples": 1797}),
    Entry("mnist", "MNIST-format files", "MNIST, Fashion-MNIST or KMNIST: 28×28 grey images, 10 classes, "
          "from the four IDX files (gzipped or not) or an .npz.", "x ∈ [0, 255]^(1×28×28)",
          extra={"kind": "images", "task": "classification", "classes": 10, "samples": 0}),
    Entry("cifar10", "CIFAR-10 files", "32×32 colour images of 10 kinds of objects, from CIFAR-10's "
          "binary batches or an .npz.", "x ∈ [0, 255]^(3×32×32)",
          extra={"kind": "images", "task": "classification", "classes": 10, "samples": 0}),
    Entry("folder", "Image folder", "Your own images: one sub-folder per class with PNG or JPEG files, "
          "resized and scaled as you set.", "x ∈ [0, 255]^(C×S×S), label = its sub-folder",
          extra={"kind": "images", "task": "classification", "classes": 0, "samples": 0}),
    Entry("sine", "Sine forecasting", "Windows of a noisy mixture of two sines; predict the next value.",
          "y = Σ aₖ·sin(ωₖ·(T+1) + φₖ)", extra={"kind": "sequence", "task": "regression", "classes": 0,
                                               "samples": 1000, "steps": 24}),
    Entry("parity", "Parity", "Bit strings; the class says whether the number of ones is odd.",
          "y = (Σ xₜ) mod 2", extra={"kind": "sequence", "task": "classification", "classes": 2,
                                     "samples": 1000, "steps": 8}),
    Entry("chars", "Next character", "Windows of a short text as token ids; predict the next character.",
          "y = c_{T+1}", extra={"kind": "sequence", "task": "classification", "classes": 0,
                                "samples": 2000, "steps": 16}),
    Entry("arrays", "Numpy arrays", "Your own numbers from Python (the Keras-style API saves them): an .npz "
          "with x_train (rows × features), y_train and optionally x_val, y_val; used as given.",
          "x = x_train, validation = x_val", extra={"kind": "table", "task": "classification", "classes": 0,
                                                   "samples": 0}),
    Entry("image_arrays", "Numpy images", "Your own images from Python (the Keras-style API saves them): an "
          ".npz with x_train (N × C × H × W), y_train (class numbers) and optionally x_val, y_val; used as given.",
          "x = x_train, validation = x_val", extra={"kind": "images", "task": "classification", "classes": 0,
                                                   "samples": 0}),
    Entry("sequence_arrays", "Numpy sequences", "Your own sequences from Python (the Keras-style API saves "
          "them): an .npz with x_train (N × steps × features), y_train and optionally x_val, y_val; used as given.",
          "x = x_train, validation = x_val", extra={"kind": "sequence", "task": "regression", "classes": 0,
                                                   "samples": 0, "steps": 0}),
    Entry("csv", "CSV table", "Your own table: pick the target column and the feature columns; "
          "numbers are standardized, text columns one-hot encoded.", "x = standardized columns",
          extra={"kind": "table", "task": "classification", "classes": 0, "samples": 0}),
]}

FEATURES: dict[str, Entry] = {e.name: e for e in [
    Entry("x1", "x₁", "The first coordinate.", "x₁", extra={"code": "x1"}),
    Entry("x2", "x₂", "The second coordinate.", "x₂", extra={"code": "x2"}),
    Entry("x1^2", "x₁²", "The first coordinate squared.", "x₁²", extra={"code": "x1 * x1"}),
    Entry("x2^2", "x₂²", "The second coordinate squared.", "x₂²", extra={"code": "x2 * x2"}),
    Entry("x1*x2", "x₁·x₂", "The product of the coordinates.", "x₁·x₂", extra={"code": "x1 * x2"}),
    Entry("sin(x1)", "sin x₁", "Sine of the first coordinate.", "sin(x₁)", extra={"code": "np.sin(x1)"}),
    Entry("sin(x2)", "sin x₂", "Sine of the second coordinate.", "sin(x₂)", extra={"code": "np.sin(x2)"}),
]}
