# %% [raw]
# # ASSIGNMENT CONFIG
# name: conv-math
# init_cell: false
# check_all_cell: false
# export_cell: false
# generate: false
# run_tests: false
# solutions_pdf: false
# template_pdf: false
# tests:
#   files: true
#   ok_format: false

# %% [markdown]
# # The Math of Convolutional Layers
#
# In the lecture we started from a fully connected layer on images and, with two assumptions about
# images (translation invariance and locality), arrived at a convolutional layer with a handful of
# weights. In this notebook you build every step of that derivation yourself in numpy, check it on
# small examples you can verify by hand, and see with your own eyes why the result shifts with its
# input and why it needs so few weights.
#
# **Start here.** Run the two setup cells below first: the first installs what is missing (on Google Colab,
# in JupyterLite or in a fresh Python it may install numpy or matplotlib; where they are there it installs
# nothing), the second loads the self-checks. You need nothing else: the checks are carried inside this
# notebook, so they work under any file name and with no other file beside it.
#
# **How this notebook is graded.** Each question ends with a cell `grader.check("qN")` that runs a few
# small public checks, with the grader's rules and in the grader's words. After you submit, the grader
# runs the same public checks and more tests (hidden now) on other inputs: non-square images,
# rectangular kernels, kernels as large as the image, 1x1 images, integer and float arrays. Passing the
# public checks is a good sign, not a guarantee: test your code on your own examples. Question 7 is a
# written answer read by a person (14 of the 100 points).
#
# **One mistake is charged once.** Each function is graded by the tests that check it directly. Tests of
# properties that follow from several functions (commutativity, shifting, agreement between two functions)
# are reported on your feedback page to help you find the mistake, but they carry no points: a mistake is
# not charged a second time.
#
# **Rules.** Write the arithmetic yourself with numpy (loops, slicing, `np.einsum`, `np.sum`, `numpy.fft`
# and `numpy.lib.stride_tricks` are all fine). Library convolution or correlation routines
# (`scipy.signal`, `scipy.ndimage`, `np.convolve`, `np.correlate`, deep-learning frameworks) earn no points
# for the function that uses them. Your functions must not modify their arguments: make a copy
# (`np.array(U, dtype=float)`) before you add to it.
#
# ## Conventions (used by every question and by the grader)
# - An image $\mathbf{X}$ is a 2-D numpy array of shape `(h, w)`, indexed `X[i, j]`; $[\mathbf{X}]_{i,j}$ is
#   `X[i, j]`. The height `h` and the width `w` may differ.
# - Pixels outside the image are zero (*zero padding*). An offset $(a, b)$ looks at $[\mathbf{X}]_{i+a, j+b}$.
# - Numpy indices start at 0, offsets can be negative, so offsets are stored **shifted to start at 0**:
#   - a full-range offset $a \in \{-(h-1), \dots, h-1\}$ is stored at index `a + h - 1` (length `2h - 1`),
#     and $b \in \{-(w-1), \dots, w-1\}$ at `b + w - 1` (length `2w - 1`);
#   - a local kernel of half-widths $\Delta_h$ = `dh` and $\Delta_w$ = `dw` has $a \in \{-\Delta_h, \dots, \Delta_h\}$
#     stored at `a + dh` and $b \in \{-\Delta_w, \dots, \Delta_w\}$ at `b + dw`, so its shape is `(2*dh + 1, 2*dw + 1)`
#     (it may be rectangular).
# - Functions return numpy arrays of real numbers (any integer or float dtype; a complex array is refused);
#   functions that count weights return exact integers: a Python `int` (a numpy integer of the right value is
#   accepted too, but numpy integers overflow past $2^{63}$, and a float is refused: it loses digits past
#   $2^{53}$). A pair may be a tuple or a list, and a collection of names a set, a list or a tuple. The
#   checks in this notebook and the grader's hidden tests accept exactly the same forms.
# - Functions never modify their inputs.

# %%
# Setup 1 of 2: run this cell first. It installs what this notebook needs where it is missing (Google Colab,
# JupyterLite, a fresh Python) and prints the versions it found; where everything is there it installs nothing.
import importlib.util
import sys

NEEDED = {"numpy": "numpy>=1.23", "matplotlib": "matplotlib>=3.5"}
missing = [spec for module, spec in NEEDED.items() if importlib.util.find_spec(module) is None]
if missing:
    install = " ".join(f'"{spec}"' for spec in missing)
    print("installing", install, "...")
    %pip install --quiet {install}
import numpy
import matplotlib

print(f"Python {sys.version.split()[0]}, numpy {numpy.__version__}, matplotlib {matplotlib.__version__}")
if sys.version_info < (3, 9) or tuple(int(part) for part in numpy.__version__.split(".")[:2]) < (1, 23):
    print("This notebook needs Python 3.9 or later and numpy 1.23 or later: upgrade numpy with\n"
          "    %pip install --upgrade 'numpy>=1.23'\nthen restart the kernel and run this cell again.")
else:
    print("Ready. (The grader runs Python 3.11 with numpy 2.4; the checks behave the same on any of these.)")

# %%
SELF_CHECKS_CELL

# %%
import numpy as np
import matplotlib.pyplot as plt


def try_call(function, *args):
    """Call function(*args) for a picture; print the error instead of stopping the notebook."""
    try:
        return function(*args)
    except Exception as error:
        print(f"{function.__name__} raised {type(error).__name__}: {error}")
        return None


def show(panels, title=""):
    """Draw (caption, array) panels side by side; a panel that is not an array says so."""
    fig, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 3.2))
    for ax, (caption, array) in zip(np.atleast_1d(axes), panels):
        if isinstance(array, np.ndarray) and array.ndim == 2:
            limit = max(float(np.abs(array).max()), 1e-9)
            ax.imshow(array, cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:
            ax.text(0.5, 0.5, "not implemented yet", ha="center", va="center")
        ax.set_title(caption, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    plt.show()


# %% [markdown]
# ## Question 1: a fully connected layer on images
#
# Let $\mathbf{X}$ be the input image and $\mathbf{H}$ the hidden representation, of the same shape
# `(h, w)`. A fully connected layer connects every output pixel $(i, j)$ to **every** input pixel $(k, l)$:
#
# $$[\mathbf{H}]_{i, j} = [\mathbf{U}]_{i, j} + \sum_k \sum_l[\mathsf{W}]_{i, j, k, l}  [\mathbf{X}]_{k, l}$$
#
# The weights form a fourth-order tensor $\mathsf{W}$ of shape `(h, w, h, w)` and the bias $\mathbf{U}$
# has shape `(h, w)`.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 11

# %% [markdown]
# **(a)** Write `fc_layer(X, W, U)` that returns $\mathbf{H}$.
#
# **(b)** Write `fc_num_weights(h, w)`, the number of entries of $\mathsf{W}$, as an exact Python `int`.
# The slide says a $1000 \times 1000$ image needs $10^{12}$ weights: check it.
#
# *Hint.* For a fixed output pixel, `W[i, j]` is an `(h, w)` array of weights, one per input pixel:
# multiply it with `X` element by element and add everything up. Start from a copy of `U` so that
# you do not change the caller's array.
#
# *Worked example.* With `X = [[1, 2]]` (`h = 1`, `w = 2`), `W[0, 0, 0] = [1, 2]`, `W[0, 1, 0] = [3, 4]`
# and `U = [[10, 20]]`: $[\mathbf{H}]_{0,0} = 10 + 1 \cdot 1 + 2 \cdot 2 = 15$ and $[\mathbf{H}]_{0,1} = 20 + 3 \cdot 1 + 4 \cdot 2 = 31$.

# %% [raw]
# # BEGIN SOLUTION

# %%
def fc_layer(X, W, U):
    """Fully connected layer: H[i, j] = U[i, j] + sum_k sum_l W[i, j, k, l] X[k, l].

    X: (h, w) image, W: (h, w, h, w) weights, U: (h, w) bias. Returns H of shape (h, w).
    """
    # BEGIN SOLUTION
    h, w = X.shape
    H = np.array(U, dtype=float)
    for i in range(h):
        for j in range(w):
            H[i, j] += np.sum(W[i, j] * X)
    return H
    # END SOLUTION


def fc_num_weights(h, w):
    """Number of entries of W for an (h, w) image, as a Python int."""
    # BEGIN SOLUTION
    return (int(h) * int(w)) ** 2
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_fc_layer_worked_example(fc_layer):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0]])
    W = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    U = np.array([[10.0, 20.0]])
    expect_array("fc_layer(X, W, U)", fc_layer(X, W, U), [[15.0, 31.0]], shape_hint="H has the shape of X",
                 call="fc_layer(X, W, U) with X = [[1, 2]], W[0, 0, 0] = [1, 2], W[0, 1, 0] = [3, 4], U = [[10, 20]]",
                 why="10 + 1*1 + 2*2 and 20 + 3*1 + 4*2",
                 mistakes={"missing bias": [[5.0, 11.0]], "W indices in the wrong order": [[17.0, 30.0]]})

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_fc_num_weights_small_and_slide(fc_num_weights):
    from self_checks import expect_int
    expect_int("fc_num_weights(2, 3)", fc_num_weights(2, 3), 36, mistakes={"only h*w weights": 6})
    expect_int("fc_num_weights(1000, 1000)", fc_num_weights(1000, 1000), 10**12, mistakes={"only h*w weights": 10**6})

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 5
""" # END TEST CONFIG
def test_fc_layer_random_non_square(fc_layer):
    from grading import FC_LAYER_MISTAKES, fc_cases, fc_small, ref_fc_layer, check_function
    check_function("fc_layer", fc_layer, ref_fc_layer, fc_cases(), mistakes=FC_LAYER_MISTAKES, small_cases=fc_small(), what="on random non-square images")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_fc_layer_integer_inputs_and_1x1(fc_layer):
    from grading import FC_LAYER_MISTAKES, fc_int_cases, fc_small, ref_fc_layer, check_function
    check_function("fc_layer", fc_layer, ref_fc_layer, fc_int_cases(), mistakes=FC_LAYER_MISTAKES, small_cases=fc_small(), what="on a 1x1 image, integer arrays, or integers mixed with float weights")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_fc_num_weights_slide_and_hidden_sizes(fc_num_weights):
    from grading import FC_COUNT_MISTAKES, check_counts, ref_fc_num_weights
    check_counts("fc_num_weights", fc_num_weights, ref_fc_num_weights, [(1000, 1000), (1, 1), (3, 5), (7, 2), (28, 28)], mistakes=FC_COUNT_MISTAKES)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_fc_num_weights_exact_beyond_int64(fc_num_weights):
    from grading import FC_COUNT_MISTAKES, check_counts, ref_fc_num_weights
    check_counts("fc_num_weights", fc_num_weights, ref_fc_num_weights, [(10**5, 10**5), (3 * 10**9, 2 * 10**9)], mistakes=FC_COUNT_MISTAKES)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: re-indexing with offsets
#
# Instead of the absolute position $(k, l)$ of an input pixel, describe it by its offset from the output
# pixel: $k = i + a$, $l = j + b$. Nothing changes but the bookkeeping:
#
# $$[\mathbf{H}]_{i, j} = [\mathbf{U}]_{i, j} + \sum_a \sum_b [\mathsf{V}]_{i, j, a, b} [\mathbf{X}]_{i+a, j+b}
# \qquad\text{with}\qquad [\mathsf{V}]_{i, j, a, b} = [\mathsf{W}]_{i, j, i+a, j+b}.$$
#
# The offsets range over $a \in \{-(h-1), \dots, h-1\}$ and $b \in \{-(w-1), \dots, w-1\}$ and are stored at
# index `a + h - 1` and `b + w - 1` (see the conventions), so `V` has shape `(h, w, 2h-1, 2w-1)`.
# Entries whose input pixel $(i+a, j+b)$ falls outside the image are 0.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 14

# %% [markdown]
# **(a)** Write `reindex(W)` that returns `V` with `V[i, j, a+h-1, b+w-1] = W[i, j, i+a, j+b]` (0 outside the image).
#
# **(b)** Write `offset_layer(X, V, U)` that computes $\mathbf{H}$ from the re-indexed weights. For every `W`,
# `offset_layer(X, reindex(W), U)` must equal `fc_layer(X, W, U)`.
#
# *Hint.* Loop over `i, j, k, l` and compute the offsets `a = k - i`, `b = l - j`: every input pixel has exactly one
# offset, so this fills every entry of `V` that is not 0. For `offset_layer`, loop over the stored indices
# `ia in range(2*h - 1)` and turn them back into offsets `a = ia - (h - 1)`; skip pixels outside the image.
#
# *Worked example.* For `h = 1`, `w = 2` and `W[0, 0, 0] = [1, 2]`, `W[0, 1, 0] = [3, 4]`: output pixel `j = 0`
# sees offsets `b = 0, 1` and `j = 1` sees `b = -1, 0`, so `V[0, 0, 0] = [0, 1, 2]` and `V[0, 1, 0] = [3, 4, 0]`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def reindex(W):
    """Re-index W (h, w, h, w) by offsets: V[i, j, a+h-1, b+w-1] = W[i, j, i+a, j+b], 0 outside the image."""
    # BEGIN SOLUTION
    h, w = W.shape[:2]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
    for i in range(h):
        for j in range(w):
            # offsets a = k - i for k = 0..h-1 are stored at k - i + h - 1
            V[i, j, h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j] = W[i, j]
    return V
    # END SOLUTION


def offset_layer(X, V, U):
    """H[i, j] = U[i, j] + sum_a sum_b V[i, j, a+h-1, b+w-1] X[i+a, j+b] (zero outside the image)."""
    # BEGIN SOLUTION
    h, w = X.shape
    H = np.array(U, dtype=float)
    for i in range(h):
        for j in range(w):
            H[i, j] += np.sum(V[i, j, h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j] * X)
    return H
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_reindex_worked_example(reindex):
    import numpy as np
    from self_checks import expect_array
    W = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    expect_array("reindex(W)", reindex(W), [[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 0.0]]]], shape_hint="(h, w, 2h-1, 2w-1) for W of shape (1, 2, 1, 2)",
                 call="reindex(W) with W[0, 0, 0] = [1, 2], W[0, 1, 0] = [3, 4]",
                 why="V[0, 0, 0] = [0, 1, 2] and V[0, 1, 0] = [3, 4, 0]: offset b is stored at b + w - 1",
                 mistakes={"offset sign flipped": [[[[2.0, 1.0, 0.0]], [[0.0, 4.0, 3.0]]]]})

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_offset_layer_worked_example(offset_layer):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0]])
    V = np.array([[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 0.0]]]])
    U = np.array([[10.0, 20.0]])
    expect_array("offset_layer(X, V, U)", offset_layer(X, V, U), [[15.0, 31.0]], shape_hint="H has the shape of X",
                 call="offset_layer(X, V, U) with X = [[1, 2]], V[0, 0, 0] = [0, 1, 2], V[0, 1, 0] = [3, 4, 0], U = [[10, 20]]",
                 why="the same as fc_layer in question 1",
                 mistakes={"missing bias": [[5.0, 11.0]], "offset sign flipped": [[11.0, 28.0]]})

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 6
""" # END TEST CONFIG
def test_reindex_random_non_square(reindex):
    from grading import REINDEX_MISTAKES, ref_reindex, reindex_cases, reindex_small, check_function
    check_function("reindex", reindex, ref_reindex, reindex_cases(), mistakes=REINDEX_MISTAKES, small_cases=reindex_small(), what="on random non-square weight tensors (1x1 and integer ones too)")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 6
""" # END TEST CONFIG
def test_offset_layer_random_non_square(offset_layer):
    from grading import OFFSET_LAYER_MISTAKES, offset_cases, offset_small, ref_offset_layer, check_function
    check_function("offset_layer", offset_layer, ref_offset_layer, offset_cases(), mistakes=OFFSET_LAYER_MISTAKES, small_cases=offset_small(), what="on random non-square images, a 1x1 image, integer arrays or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0
""" # END TEST CONFIG
def test_offset_layer_of_reindex_equals_fc_layer(reindex, offset_layer):
    from grading import check_offset_layer_of_reindex, fc_cases
    check_offset_layer_of_reindex(reindex, offset_layer, fc_cases(seed=211))

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: translation invariance
#
# If a shift of the input $\mathbf{X}$ should lead to the same shift of $\mathbf{H}$, the weights cannot depend on
# where we are in the image: $[\mathsf{V}]_{i, j, a, b} = [\mathbf{V}]_{a, b}$, and $\mathbf{U}$ is a constant, say $u$.
# The layer becomes
#
# $$[\mathbf{H}]_{i, j} = u + \sum_a\sum_b [\mathbf{V}]_{a, b}  [\mathbf{X}]_{i+a, j+b}.$$
#
# $\mathbf{V}$ still spans every offset, so it has shape `(2h-1, 2w-1)` (offset $a$ at index `a + h - 1`).

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 13

# %% [markdown]
# **(a)** Write `shared_layer(X, V, u)` (output shape `(h, w)`, zero padding).
#
# **(b)** Weight sharing made visible: write `expand_shared(V, u, h, w)` that returns the pair `(W, U)` (a tuple
# or a list) of fully connected parameters the shared ones stand for, so that `fc_layer(X, W, U)` equals
# `shared_layer(X, V, u)`. Every entry of $\mathbf{U}$ is $u$, and $[\mathsf{W}]_{i, j, k, l}$ is the weight
# $[\mathbf{V}]_{k-i, l-j}$ for the offset $(k - i, l - j)$.
#
# **(c)** Write `shared_num_weights(h, w)`, the number of entries of $\mathbf{V}$ (an exact `int`).
# For $1000 \times 1000$ it is about $4 \times 10^6$, as in the slide's table.
#
# *Hint.* Output pixel $(i, j)$ sees input pixel $(k, l)$ through the offset $(k - i, l - j)$, stored at
# `V[k - i + h - 1, l - j + w - 1]`. A double loop over `k` and `l` is correct and enough. To go faster, ask
# which rows of `V` output row `i` uses as `k` runs over `0..h-1`: they are consecutive, so they form a slice.
# Find where it starts for `i = 0` and for `i = h - 1` (try the worked example: `h = 1`, `w = 2`), then do the
# same for the columns. `expand_shared` uses the same correspondence, one `(i, j)` at a time.
#
# *Worked example.* With `X = [[1, 2]]`, `V = [[1, 10, 100]]` (offsets $b = -1, 0, 1$) and $u = 0.5$:
# $[\mathbf{H}]_{0,0} = 0.5 + 10 \cdot 1 + 100 \cdot 2 = 210.5$ and $[\mathbf{H}]_{0,1} = 0.5 + 1 \cdot 1 + 10 \cdot 2 = 21.5$.

# %% [raw]
# # BEGIN SOLUTION

# %%
def shared_layer(X, V, u):
    """H[i, j] = u + sum_a sum_b V[a+h-1, b+w-1] X[i+a, j+b]; V has shape (2h-1, 2w-1)."""
    # BEGIN SOLUTION
    h, w = X.shape
    H = np.full((h, w), float(u))
    for i in range(h):
        for j in range(w):
            H[i, j] += np.sum(V[h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j] * X)
    return H
    # END SOLUTION


def expand_shared(V, u, h, w):
    """The fully connected (W, U) that shared_layer(., V, u) stands for on (h, w) images."""
    # BEGIN SOLUTION
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            W[i, j] = V[h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j]
    U = np.full((h, w), float(u))
    return W, U
    # END SOLUTION


def shared_num_weights(h, w):
    """Number of entries of the shared V for an (h, w) image, as a Python int."""
    # BEGIN SOLUTION
    return (2 * int(h) - 1) * (2 * int(w) - 1)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_shared_layer_small_example(shared_layer):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0]])
    V = np.array([[1.0, 10.0, 100.0]])
    expect_array("shared_layer(X, V, u)", shared_layer(X, V, 0.5), [[210.5, 21.5]], shape_hint="H has the shape of X",
                 call="shared_layer(X, V, 0.5) with X = [[1, 2]] and V = [[1, 10, 100]] (offsets b = -1, 0, 1)",
                 why="0.5 + 10*1 + 100*2 and 0.5 + 1*1 + 10*2",
                 mistakes={"missing bias": [[210.0, 21.0]], "offset sign flipped": [[12.5, 120.5]],
                           "wraps around the border instead of zero padding": [[212.5, 121.5]]})

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_expand_shared_small_example(expand_shared):
    import numpy as np
    from self_checks import expect_array, expect_pair
    V = np.array([[1.0, 10.0, 100.0]])
    W, U = expect_pair("expand_shared(V, u, h, w)", expand_shared(V, 0.5, 1, 2), "(W, U) of numpy arrays")
    expect_array("expand_shared[0] (W)", W, [[[[10.0, 100.0]], [[1.0, 10.0]]]], shape_hint="(h, w, h, w)",
                 call="W of expand_shared(V, 0.5, 1, 2) with V = [[1, 10, 100]]",
                 why="W[0, 0, 0] = [10, 100] and W[0, 1, 0] = [1, 10]: W[i, j, k, l] = V[k-i+h-1, l-j+w-1]",
                 mistakes={"offset sign flipped": [[[[10.0, 1.0]], [[100.0, 10.0]]]]})
    expect_array("expand_shared[1] (U)", U, [[0.5, 0.5]], shape_hint="(h, w)", call="U of expand_shared(V, 0.5, 1, 2)",
                 why="every entry of U is u", mistakes={"U not filled with u": [[0.0, 0.0]]})

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_shared_num_weights_small(shared_num_weights):
    from self_checks import expect_int
    expect_int("shared_num_weights(2, 3)", shared_num_weights(2, 3), 15,
               mistakes={"the slide's rounding 4hw instead of the exact (2h-1)(2w-1)": 24, "h*w offsets instead of (2h-1)(2w-1)": 6})

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 5
""" # END TEST CONFIG
def test_shared_layer_random_non_square(shared_layer):
    from grading import SHARED_LAYER_MISTAKES, ref_shared_layer, shared_cases, shared_small, check_function
    check_function("shared_layer", shared_layer, ref_shared_layer, shared_cases(), mistakes=SHARED_LAYER_MISTAKES, small_cases=shared_small(), what="on random non-square images, a 1x1 image, integer inputs or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0
""" # END TEST CONFIG
def test_shared_layer_shift_equivariant(shared_layer):
    from grading import check_layer_shift_equivariant, embed, rng
    r = rng(311)
    for (h, w), (di, dj) in [((8, 10), (1, 2)), ((9, 7), (-2, 1))]:
        X = embed(r, h, w, 2)
        V = r.normal(size=(2 * h - 1, 2 * w - 1))
        u = float(r.normal())
        check_layer_shift_equivariant("shared_layer", shared_layer, X, (V, u), di, dj)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 3
""" # END TEST CONFIG
def test_expand_shared_random_non_square(expand_shared):
    from grading import check_expand_shared, expand_cases
    check_expand_shared(expand_shared, expand_cases())

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0
""" # END TEST CONFIG
def test_expand_shared_gives_equivariant_fc_layer(expand_shared):
    from grading import check_expand_shared_equivariant, rng
    check_expand_shared_equivariant(expand_shared, rng(312), 7, 9)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_shared_num_weights_slide_and_hidden_sizes(shared_num_weights):
    from grading import SHARED_COUNT_MISTAKES, check_counts, ref_shared_num_weights
    check_counts("shared_num_weights", shared_num_weights, ref_shared_num_weights, [(1000, 1000), (1, 1), (4, 7), (9, 2)], mistakes=SHARED_COUNT_MISTAKES)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_shared_num_weights_exact_beyond_int64(shared_num_weights):
    from grading import SHARED_COUNT_MISTAKES, check_counts, ref_shared_num_weights
    check_counts("shared_num_weights", shared_num_weights, ref_shared_num_weights, [(2**40, 2**40), (10**10, 3 * 10**9)], mistakes=SHARED_COUNT_MISTAKES)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4: locality
#
# We should not have to look very far from $(i, j)$ to know what happens at $[\mathbf{H}]_{i, j}$: outside some range
# $|a| > \Delta$ or $|b| > \Delta$ we set $[\mathbf{V}]_{a, b} = 0$, and the layer becomes
#
# $$[\mathbf{H}]_{i, j} = u + \sum_{a = -\Delta}^{\Delta} \sum_{b = -\Delta}^{\Delta} [\mathbf{V}]_{a, b}  [\mathbf{X}]_{i+a, j+b}.$$
#
# This is a **convolutional layer** with kernel size $(2\Delta + 1)$. In code we allow different half-widths
# $\Delta_h$ = `dh` for rows and $\Delta_w$ = `dw` for columns, so `V` has shape `(2*dh + 1, 2*dw + 1)`, offset $a$
# at index `a + dh` and offset $b$ at index `b + dw`.
#
# | NN/Stage | # of parameters |
# |-------|------------|
# | Full MLP | $10^{12}$ |
# | + Translation invariance | $4 \times 10^6$ |
# | + Locality ($\Delta=5$) | $(2 \times 5 + 1)^2 = 121$ |
#
# A reduction by about $10^{10}$. Deep-learning libraries compute the same sum without padding and without
# centring the kernel: `corr2d(X, K)` below keeps only the positions where the whole kernel lies inside the image.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 18

# %% [markdown]
# **(a)** Write `local_layer(X, V, u)`: the sum over $|a| \le \Delta_h$, $|b| \le \Delta_w$ with zero padding;
# output shape `(h, w)`.
#
# **(b)** Write `local_num_weights(delta)`, the number of weights of a $(2\Delta+1) \times (2\Delta+1)$ kernel
# (an exact `int`).
#
# **(c)** Write `corr2d(X, K)` for a kernel $\mathbf{K}$ of shape `(kh, kw)`:
# $[\mathbf{Y}]_{i, j} = \sum_a \sum_b [\mathbf{K}]_{a, b} [\mathbf{X}]_{i+a, j+b}$ over the kernel's indices
# $a = 0, \dots, k_h - 1$ and $b = 0, \dots, k_w - 1$, of shape `(h - kh + 1, w - kw + 1)` ("valid" cross-correlation:
# only the positions where the whole kernel lies inside the image).
#
# *Hint.* For `local_layer`, copy `X` into the middle of a zero array of shape `(h + 2*dh, w + 2*dw)`; then output
# pixel `(i, j)` is `u` plus the sum of `V` times the window of the padded image starting at `(i, j)`.
# The kernel may be rectangular: `V.shape[0] = 2*dh + 1` gives `dh`, and `V.shape[1]` gives `dw`.
#
# *Worked example.* `corr2d([[1, 2, 3], [4, 5, 6]], [[1, 10]])` is `[[21, 32], [54, 65]]`: the kernel slides
# over the image without being flipped.

# %% [raw]
# # BEGIN SOLUTION

# %%
def local_layer(X, V, u):
    """H[i, j] = u + sum_{|a|<=dh} sum_{|b|<=dw} V[a+dh, b+dw] X[i+a, j+b], zero padding; V is (2dh+1, 2dw+1)."""
    # BEGIN SOLUTION
    h, w = X.shape
    kh, kw = V.shape
    dh, dw = (kh - 1) // 2, (kw - 1) // 2
    P = np.zeros((h + 2 * dh, w + 2 * dw))
    P[dh : dh + h, dw : dw + w] = X
    H = np.full((h, w), float(u))
    for i in range(h):
        for j in range(w):
            H[i, j] += np.sum(V * P[i : i + kh, j : j + kw])
    return H
    # END SOLUTION


def local_num_weights(delta):
    """Number of weights of a (2 delta + 1) x (2 delta + 1) kernel, as a Python int."""
    # BEGIN SOLUTION
    return (2 * int(delta) + 1) ** 2
    # END SOLUTION


def corr2d(X, K):
    """Valid cross-correlation: Y[i, j] = sum_a sum_b K[a, b] X[i+a, j+b], shape (h-kh+1, w-kw+1)."""
    # BEGIN SOLUTION
    h, w = X.shape
    kh, kw = K.shape
    Y = np.zeros((h - kh + 1, w - kw + 1))
    for i in range(h - kh + 1):
        for j in range(w - kw + 1):
            Y[i, j] = np.sum(K * X[i : i + kh, j : j + kw])
    return Y
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_local_layer_small_example(local_layer):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0, 3.0]])
    V = np.array([[1.0, 10.0, 100.0]])
    expect_array("local_layer(X, V, u)", local_layer(X, V, 0.0), [[210.0, 321.0, 32.0]], shape_hint="the output has the shape of X",
                 call="local_layer(X, V, 0) with X = [[1, 2, 3]] and the 1x3 kernel V = [[1, 10, 100]] (dh = 0, dw = 1)",
                 why="e.g. H[0, 0] = 10*1 + 100*2: the pixel left of the image is 0",
                 mistakes={"wraps around the border instead of zero padding": [[213.0, 321.0, 132.0]],
                           "kernel flipped: this is a true convolution, not the layer's cross-correlation": [[12.0, 123.0, 230.0]]})

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_local_num_weights_slide(local_num_weights):
    from self_checks import expect_int
    expect_int("local_num_weights(5)", local_num_weights(5), 121,
               mistakes={"kernel size 2*delta instead of 2*delta + 1": 100, "one axis only": 11})

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_corr2d_worked_example(corr2d):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    K = np.array([[1.0, 10.0]])
    expect_array("corr2d(X, K)", corr2d(X, K), [[21.0, 32.0], [54.0, 65.0]], shape_hint="(h-kh+1, w-kw+1) for X of shape (2, 3) and K of shape (1, 2)",
                 call="corr2d(X, K) with X = [[1, 2, 3], [4, 5, 6]] and K = [[1, 10]]",
                 why="e.g. Y[0, 0] = 1*1 + 10*2: the kernel is not flipped",
                 mistakes={"kernel flipped: this is a true convolution": [[12.0, 23.0], [45.0, 56.0]]},
                 complex_hint="an inverse FFT returns complex numbers: keep their .real part")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 5
""" # END TEST CONFIG
def test_local_layer_random_rectangular_kernels(local_layer):
    from grading import LOCAL_LAYER_MISTAKES, local_cases, local_small, ref_local_layer, check_function
    check_function("local_layer", local_layer, ref_local_layer, local_cases(), mistakes=LOCAL_LAYER_MISTAKES, small_cases=local_small(), what="on random non-square images with rectangular kernels, integer inputs or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_local_layer_kernel_as_large_as_image_and_1x1(local_layer):
    from grading import LOCAL_LAYER_MISTAKES, local_edge_cases, local_small, ref_local_layer, check_function
    check_function("local_layer", local_layer, ref_local_layer, local_edge_cases(), mistakes=LOCAL_LAYER_MISTAKES, small_cases=local_small(), what="on a 1x1 image, 1x1 kernels or kernels larger than the image")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0
""" # END TEST CONFIG
def test_local_layer_shift_equivariant(local_layer):
    from grading import check_layer_shift_equivariant, embed, rng
    r = rng(411)
    for (h, w), (kh, kw), (di, dj) in [((8, 11), (3, 5), (2, -1)), ((10, 7), (5, 3), (-1, 2))]:
        X = embed(r, h, w, 2)
        V = r.normal(size=(kh, kw))
        check_layer_shift_equivariant("local_layer", local_layer, X, (V, 0.5), di, dj)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
""" # END TEST CONFIG
def test_corr2d_random_non_square(corr2d):
    from grading import CORR2D_MISTAKES, corr2d_cases, corr2d_small, ref_corr2d, check_function
    check_function("corr2d", corr2d, ref_corr2d, corr2d_cases(), mistakes=CORR2D_MISTAKES, small_cases=corr2d_small(), what="on random non-square images with rectangular kernels, integer inputs or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_corr2d_kernel_as_large_as_image_1x1_and_integers(corr2d):
    from grading import CORR2D_MISTAKES, corr2d_edge_cases, corr2d_small, ref_corr2d, check_function
    check_function("corr2d", corr2d, ref_corr2d, corr2d_edge_cases(), mistakes=CORR2D_MISTAKES, small_cases=corr2d_small(), what="on a 1x1 image, a kernel as large as the image, 1x1 kernels, integer inputs or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_local_num_weights_slide_and_delta_zero(local_num_weights):
    from grading import LOCAL_COUNT_MISTAKES, check_counts, ref_local_num_weights
    check_counts("local_num_weights", local_num_weights, ref_local_num_weights, [(5,), (0,), (1,), (3,), (12,)], mistakes=LOCAL_COUNT_MISTAKES)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_local_num_weights_exact_beyond_int64(local_num_weights):
    from grading import LOCAL_COUNT_MISTAKES, check_counts, ref_local_num_weights
    check_counts("local_num_weights", local_num_weights, ref_local_num_weights, [(2**40,), (10**12,)], mistakes=LOCAL_COUNT_MISTAKES)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ### See it: a local layer on a synthetic image
#
# A bright rectangle on a dark background, and the kernel `[[1, -1]]` that subtracts a pixel's right neighbour
# from it: it answers only at vertical edges. Run the cell once your `local_layer` and `corr2d` work.
# Note the sizes: `local_layer` keeps the image size (zero padding), `corr2d` loses `kw - 1` columns.

# %%
X_demo = np.zeros((12, 16))
X_demo[3:9, 4:11] = 1.0
K_edge = np.array([[0.0, 1.0, -1.0]])  # offsets b = -1, 0, 1: X[i, j] - X[i, j+1]

H_local = try_call(local_layer, X_demo, K_edge, 0.0)
Y_corr = try_call(corr2d, X_demo, K_edge[:, 1:])
show([("image X", X_demo), ("local_layer(X, [[0, 1, -1]], 0)", H_local), ("corr2d(X, [[1, -1]])", Y_corr)], "vertical edges")
for name, result in [("local_layer", H_local), ("corr2d", Y_corr)]:
    if isinstance(result, np.ndarray):
        print(f"{name}: output shape {result.shape}")

# %% [markdown]
# ## Question 5: true convolution, and why it flips
#
# In mathematics the *convolution* of two functions $f, g: \mathbb{R}^d \to \mathbb{R}$ is
# $$(f * g)(\mathbf{x}) = \int f(\mathbf{z}) g(\mathbf{x}-\mathbf{z}) d\mathbf{z}.$$
# We measure the overlap between $f$ and $g$ when one function is "flipped" and shifted by $\mathbf{x}$.
# For discrete objects the integral turns into a sum,
# $$(f * g)(i) = \sum_a f(a) g(i-a), \qquad (f * g)(i, j) = \sum_a\sum_b f(a, b) g(i-a, j-b).$$
#
# **Why flip?** The minus sign in $g(i-a)$ is what makes convolution commutative, $f * g = g * f$
# (substitute $a' = i - a$), and associative. The layers of questions 3 and 4 use $i + a$ instead: that is
# *cross-correlation*. Question 7 asks you why deep-learning libraries still call their layers convolutions.
#
# Indices start at 0 and $f$, $g$ are zero outside their arrays. We compute the **full** convolution: every index
# where the two overlap, length `len(f) + len(g) - 1` in 1-D and shape `(m1 + m2 - 1, n1 + n2 - 1)` in 2-D.

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 16

# %% [markdown]
# **(a)** Write `conv1d(f, g)` for 1-D arrays.
#
# **(b)** Write `conv2d(f, g)` for 2-D arrays (both may be rectangular, and either may be the larger one).
#
# *Hint.* Think of the sum the other way round: each value `f[a]` adds a copy of `g`, scaled by `f[a]` and starting
# at index `a`, to the output. In 2-D, `f[a, b]` adds a scaled copy of `g` whose top-left corner is at `(a, b)`.
#
# *Worked example.* `conv1d([1, 2, 3], [1, 10])` is `[1, 12, 23, 30]`: for instance $(f * g)(1) = f(0)\,g(1) + f(1)\,g(0) = 10 + 2$.
# Cross-correlation would give `[10, 21, 32, 3]` instead.

# %% [raw]
# # BEGIN SOLUTION

# %%
def conv1d(f, g):
    """Full 1-D convolution: c[i] = sum_a f[a] g[i-a], length len(f) + len(g) - 1."""
    # BEGIN SOLUTION
    m, n = len(f), len(g)
    c = np.zeros(m + n - 1)
    for a in range(m):
        c[a : a + n] += f[a] * np.asarray(g, dtype=float)
    return c
    # END SOLUTION


def conv2d(f, g):
    """Full 2-D convolution: c[i, j] = sum_a sum_b f[a, b] g[i-a, j-b], shape (m1+m2-1, n1+n2-1)."""
    # BEGIN SOLUTION
    (m1, n1), (m2, n2) = f.shape, g.shape
    c = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
    for a in range(m1):
        for b in range(n1):
            c[a : a + m2, b : b + n2] += f[a, b] * np.asarray(g, dtype=float)
    return c
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_conv1d_worked_example(conv1d):
    import numpy as np
    from self_checks import expect_array
    c = conv1d(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0]))
    expect_array("conv1d(f, g)", c, [1.0, 12.0, 23.0, 30.0], shape_hint="the full length len(f) + len(g) - 1 = 3 + 2 - 1",
                 call="conv1d([1, 2, 3], [1, 10])", why="e.g. (f*g)(1) = f(0) g(1) + f(1) g(0) = 10 + 2",
                 mistakes={"kernel not flipped: this is cross-correlation": [10.0, 21.0, 32.0, 3.0]},
                 complex_hint="an inverse FFT returns complex numbers: keep their .real part")

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_conv2d_small_example(conv2d):
    import numpy as np
    from self_checks import expect_array
    c = conv2d(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 10.0]]))
    expect_array("conv2d(f, g)", c, [[1.0, 12.0, 20.0], [3.0, 34.0, 40.0]], shape_hint="the full shape (m1+m2-1, n1+n2-1) for f of shape (2, 2) and g of shape (1, 2)",
                 call="conv2d([[1, 2], [3, 4]], [[1, 10]])", why="each row is conv1d(row, [1, 10])",
                 mistakes={"kernel not flipped: this is cross-correlation": [[10.0, 21.0, 2.0], [30.0, 43.0, 4.0]]},
                 complex_hint="an inverse FFT returns complex numbers: keep their .real part")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
""" # END TEST CONFIG
def test_conv1d_random_lengths(conv1d):
    from grading import CONV1D_MISTAKES, conv1d_cases, conv1d_small, ref_conv1d, check_function
    check_function("conv1d", conv1d, ref_conv1d, conv1d_cases(), mistakes=CONV1D_MISTAKES, small_cases=conv1d_small(), what="on random lengths (g longer or shorter than f, length 1, integers, integers mixed with floats)")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_conv1d_flips_kernel(conv1d):
    from grading import CONV1D_MISTAKES, conv1d_small, ref_conv1d, check_function
    import numpy as np
    cases = [(np.array([0.0, 1.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0])), (np.array([2.0, -1.0, 0.5]), np.array([0.0, 1.0, 4.0, -2.0]))]
    check_function("conv1d", conv1d, ref_conv1d, cases, mistakes=CONV1D_MISTAKES, small_cases=conv1d_small(), what="on asymmetric kernels, where flipping matters")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
""" # END TEST CONFIG
def test_conv2d_random_rectangular(conv2d):
    from grading import CONV2D_MISTAKES, conv2d_cases, conv2d_small, ref_conv2d, check_function
    check_function("conv2d", conv2d, ref_conv2d, conv2d_cases(), mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what="on random rectangular arrays")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 3
""" # END TEST CONFIG
def test_conv2d_flips_kernel(conv2d):
    from grading import CONV2D_MISTAKES, conv2d_small, ref_conv2d, check_function
    import numpy as np
    impulse = np.zeros((3, 4))
    impulse[1, 1] = 1.0
    cases = [(impulse, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])), (np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 0.0]]), np.array([[0.0, 1.0, 2.0], [-1.0, 4.0, 0.5]]))]
    check_function("conv2d", conv2d, ref_conv2d, cases, mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what="on asymmetric kernels, where flipping matters")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_conv2d_integer_inputs_and_1x1(conv2d):
    from grading import CONV2D_MISTAKES, conv2d_edge_cases, conv2d_small, ref_conv2d, check_function
    check_function("conv2d", conv2d, ref_conv2d, conv2d_edge_cases(), mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what="on 1x1 arrays, single rows and columns, integer inputs or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0
""" # END TEST CONFIG
def test_conv2d_is_commutative(conv2d):
    from grading import check_conv2d_commutative, rng
    check_conv2d_commutative(conv2d, rng(511))

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0
""" # END TEST CONFIG
def test_conv2d_is_linear(conv2d):
    from grading import check_conv2d_linear, rng
    check_conv2d_linear(conv2d, rng(512))

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0
""" # END TEST CONFIG
def test_conv2d_shift_equivariant(conv2d):
    from grading import check_conv2d_shift_equivariant, rng
    check_conv2d_shift_equivariant(conv2d, rng(513))

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 0
""" # END TEST CONFIG
def test_corr2d_matches_flipped_conv2d(corr2d, conv2d):
    from grading import check_corr2d_matches_flipped_conv2d, rng
    check_corr2d_matches_flipped_conv2d(corr2d, conv2d, rng(514))

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ### See it: convolution flips, correlation does not
#
# Correlating an image with a single bright pixel (an *impulse*) returns the kernel upside down; convolving
# returns it the right way up. On the edge picture, convolution with `[[1, -1]]` swaps the sign of the edges and
# keeps the full size.

# %%
impulse = np.zeros((7, 7))
impulse[3, 3] = 1.0
K_arrow = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])  # points up
show([
    ("kernel K", K_arrow),
    ("corr2d(impulse, K)", try_call(corr2d, impulse, K_arrow)),
    ("conv2d(impulse, K)", try_call(conv2d, impulse, K_arrow)),
    ("conv2d(X, [[1, -1]])", try_call(conv2d, X_demo, np.array([[1.0, -1.0]]))),
], "why flip")

# %% [markdown]
# ## Question 6: equivariance
#
# What we wanted from the start: *a shift in the input $\mathbf{X}$ should lead to the same shift in $\mathbf{H}$.*

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 14

# %% [markdown]
# **(a)** Write `shift(X, di, dj)` that moves the picture `di` rows down and `dj` columns right:
# $[\mathbf{Y}]_{i, j} = [\mathbf{X}]_{i - d_i, j - d_j}$ where that pixel exists, else 0 (no wrap-around:
# `np.roll` is not the answer). Negative `di`, `dj` move up and left; a shift by the whole height or width,
# or more, leaves only zeros.
#
# **(b)** Set `equivariant_layers` to the names (a set, a list or a tuple) among `"fc_layer"`, `"offset_layer"`,
# `"shared_layer"`, `"local_layer"` of the layers that are *shift-equivariant for every choice of their
# parameters*, in this precise sense. Take any image $\mathbf{X}$ and any shift $(d_i, d_j)$ that moves none of
# its nonzero pixels out of the image (so `shift(X, di, dj)` loses nothing of $\mathbf{X}$). Then shifting the
# input shifts the output: with $\mathbf{Y}$ = `shift(X, di, dj)`,
#
# $$[\text{layer}(\mathbf{Y})]_{i, j} = [\text{layer}(\mathbf{X})]_{i - d_i,\, j - d_j}
# \quad\text{for every } (i, j) \text{ with } (i - d_i, j - d_j) \text{ inside the image,}$$
#
# that is, the two outputs agree wherever both are defined. The condition on $\mathbf{X}$ matters for
# `shared_layer`: its $\mathbf{V}$ spans every offset, so every output pixel reads every input pixel, and a pixel
# that leaves the image changes all of them. `local_layer` is equivariant in this sense and in a stronger one:
# on *any* image, the equation holds at every $(i, j)$ whose $(2\Delta_h+1) \times (2\Delta_w+1)$ window lies
# inside the image both before and after the shift (away from the border), because it reads only that window.
# The cell after the check tries all four layers with random parameters, on an image whose content stays
# inside and on one whose content touches the border: run it before you answer.
#
# *Hint for (a).* Start from an array of zeros of the shape of `X` (with the same dtype). For `di >= 0`, which
# rows of `X` survive, and where do they land in `Y`? Answer the same for `di < 0`, then for the columns, and
# copy the surviving block with one slice assignment. Decide first what happens when `abs(di) >= h`: no row
# survives, and a slice bound such as `h - di` would then be negative, which Python reads as counting from
# the end (try `shift(X, h + 1, 0)` on a small `X`).

# %% [raw]
# # BEGIN SOLUTION

# %%
def shift(X, di, dj):
    """Y[i, j] = X[i - di, j - dj] where that pixel exists, else 0 (zero padding, no wrap-around)."""
    # BEGIN SOLUTION
    h, w = X.shape
    Y = np.zeros_like(X)
    if abs(di) >= h or abs(dj) >= w:
        return Y
    Y[max(di, 0) : h + min(di, 0), max(dj, 0) : w + min(dj, 0)] = X[max(-di, 0) : h - max(di, 0), max(-dj, 0) : w - max(dj, 0)]
    return Y
    # END SOLUTION


equivariant_layers = {"shared_layer", "local_layer"}  # SOLUTION

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_shift_small_example(shift):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    expect_array("shift(X, 1, 0)", shift(X, 1, 0), [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]], shape_hint="a shift keeps the shape of X",
                 call="shift(X, 1, 0) with X = [[1, 2, 3], [4, 5, 6]]", why="one row down, the top row is zero",
                 mistakes={"wraps around the border instead of zero padding": [[4.0, 5.0, 6.0], [1.0, 2.0, 3.0]],
                           "shift in the wrong direction": [[4.0, 5.0, 6.0], [0.0, 0.0, 0.0]],
                           "rows and columns swapped": [[0.0, 1.0, 2.0], [0.0, 4.0, 5.0]]})
    expect_array("shift(X, 0, -1)", shift(X, 0, -1), [[2.0, 3.0, 0.0], [5.0, 6.0, 0.0]], shape_hint="a shift keeps the shape of X",
                 call="shift(X, 0, -1) with X = [[1, 2, 3], [4, 5, 6]]", why="one column left, the last column is zero",
                 mistakes={"wraps around the border instead of zero padding": [[2.0, 3.0, 1.0], [5.0, 6.0, 4.0]],
                           "shift in the wrong direction": [[0.0, 1.0, 2.0], [0.0, 4.0, 5.0]],
                           "rows and columns swapped": [[4.0, 5.0, 6.0], [0.0, 0.0, 0.0]]})

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_equivariant_layers_are_layer_names(equivariant_layers):
    from self_checks import CheckFailed, expect_names
    names = expect_names("equivariant_layers", equivariant_layers, ["fc_layer", "offset_layer", "shared_layer", "local_layer"])
    if not names:
        raise CheckFailed("equivariant_layers is empty; at least one layer of this notebook is equivariant.")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
""" # END TEST CONFIG
def test_shift_random_non_square(shift):
    from grading import SHIFT_MISTAKES, ref_shift, shift_cases, shift_small, check_function
    check_function("shift", shift, ref_shift, shift_cases(), mistakes=SHIFT_MISTAKES, small_cases=shift_small(), what="on random non-square images (1x1 and integer ones too) and shifts in every direction")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
""" # END TEST CONFIG
def test_shift_zero_fills_instead_of_wrapping(shift):
    from grading import SHIFT_MISTAKES, ref_shift, shift_far_cases, shift_small, check_function
    import numpy as np
    X = np.arange(1.0, 13.0).reshape(3, 4)
    cases = [(X, 1, 1), (X, -1, 2), (X, 0, -3)] + shift_far_cases()
    check_function("shift", shift, ref_shift, cases, mistakes=SHIFT_MISTAKES, small_cases=shift_small(), what="where pixels leave the image, by a little or by more than the whole image in either direction")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_equivariant_layers_fc_layer(equivariant_layers):
    from grading import check_layer_name
    check_layer_name(equivariant_layers, "fc_layer")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_equivariant_layers_offset_layer(equivariant_layers):
    from grading import check_layer_name
    check_layer_name(equivariant_layers, "offset_layer")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_equivariant_layers_shared_layer(equivariant_layers):
    from grading import check_layer_name
    check_layer_name(equivariant_layers, "shared_layer")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_equivariant_layers_local_layer(equivariant_layers):
    from grading import check_layer_name
    check_layer_name(equivariant_layers, "local_layer")

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ### See it: shift the input, watch the output
#
# First the picture: shift the rectangle by 2 rows and 3 columns and apply `local_layer` with the edge kernel;
# the edges move with it. Then the experiment behind question 6(b): every layer with random parameters, on an
# image whose content stays inside the image when shifted, and on one whose content touches the border. For each
# layer it compares `layer(shift(X, di, dj))[i, j]` with `layer(X)[i - di, j - dj]` wherever both are defined, and,
# for the second image, also only away from the border (where the kernel's window stays inside the image).

# %%
shift_rows, shift_cols = 2, 3
X_moved = try_call(shift, X_demo, shift_rows, shift_cols)
H_moved = try_call(local_layer, X_moved, K_edge, 0.0) if isinstance(X_moved, np.ndarray) else None
show([("X", X_demo), ("shift(X, 2, 3)", X_moved), ("local_layer(X)", H_local), ("local_layer(shift(X, 2, 3))", H_moved)], "equivariance")


def moved_with_input(layer, X, di, dj, border=0):
    """Whether layer(shift(X, di, dj))[i, j] equals layer(X)[i - di, j - dj] wherever both are defined,
    leaving out `border` pixels along each edge of both outputs; None if a function is not working yet."""
    Y = try_call(shift, X, di, dj)
    H, H_moved = try_call(layer, X), try_call(layer, Y) if isinstance(Y, np.ndarray) else None
    if not all(isinstance(A, np.ndarray) and A.shape == X.shape for A in (Y, H, H_moved)):
        return None
    height, width = X.shape
    rows = [i for i in range(height) if border <= i < height - border and border <= i - di < height - border]
    cols = [j for j in range(width) if border <= j < width - border and border <= j - dj < width - border]
    return bool(np.allclose(H_moved[np.ix_(rows, cols)], H[np.ix_([i - di for i in rows], [j - dj for j in cols])]))


rng_demo = np.random.default_rng(0)
h_small, w_small, di_small, dj_small = 7, 9, 1, 2
kernel_small = rng_demo.normal(size=(3, 5))  # dh = 1, dw = 2
layers = {  # each layer with random parameters of its own kind
    "fc_layer": lambda X, W=rng_demo.normal(size=(h_small, w_small, h_small, w_small)), U=rng_demo.normal(size=(h_small, w_small)): fc_layer(X, W, U),
    "offset_layer": lambda X, V=rng_demo.normal(size=(h_small, w_small, 2 * h_small - 1, 2 * w_small - 1)), U=rng_demo.normal(size=(h_small, w_small)): offset_layer(X, V, U),
    "shared_layer": lambda X, V=rng_demo.normal(size=(2 * h_small - 1, 2 * w_small - 1)): shared_layer(X, V, 0.3),
    "local_layer": lambda X: local_layer(X, kernel_small, 0.3),
}
for name, layer in layers.items():
    layer.__name__ = name
X_inside = np.zeros((h_small, w_small))
X_inside[1:5, 2:6] = rng_demo.normal(size=(4, 4))  # a shift by (1, 2) keeps all of it inside
X_touching = rng_demo.normal(size=(h_small, w_small))  # content everywhere, up to the border
print(f"shift by ({di_small}, {dj_small}); does the output move with the input?")
print(f"{'layer':<14}{'content inside':>16}{'touching border':>17}{'  ... away from border':>24}")
for name, layer in layers.items():
    answers = [moved_with_input(layer, X_inside, di_small, dj_small),
               moved_with_input(layer, X_touching, di_small, dj_small),
               moved_with_input(layer, X_touching, di_small, dj_small, border=2)]
    print(f"{name:<14}" + "".join(f"{'not working yet' if a is None else str(a):>{width}}" for a, width in zip(answers, (16, 17, 24))))

# %% [markdown]
# ## Question 7: cross-correlation called convolution (written answer)

# %% [raw]
# # BEGIN QUESTION
# name: q7
# manual: true
# points: 14

# %% [markdown]
# Deep-learning libraries compute `corr2d` (no flip) in their "convolution" layers. In a paragraph: why is it
# fine for them to compute cross-correlation and still call it convolution? Refer to what you found in this
# notebook (what does a trained layer learn, what changes if the kernel is flipped, and when would the difference
# matter?). This question is worth 14 of the 100 points and is read by a person: a precise argument counts, not
# its length.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Answer.** Cross-correlation with a kernel $\mathbf{K}$ equals true convolution with the flipped kernel
# `K[::-1, ::-1]` (we checked this with `corr2d` and `conv2d`). A convolutional layer *learns* its kernel, so if
# training would find $\mathbf{K}$ for a convolution, it finds the flipped kernel for the cross-correlation: the set of
# functions the layer can represent, its number of weights ($(2\Delta+1)^2$), its locality and its translation
# equivariance are identical. Only properties of the operation on its own, such as commutativity
# ($f * g = g * f$) or associativity, need the flip, and a layer does not rely on them. The difference matters
# only when a fixed, hand-designed or pre-trained kernel is moved between the two conventions (it must then be
# flipped), or when reasoning mathematically about compositions of convolutions.

# %% [markdown]
# **Rubric** (14 points; shown to graders and in the solutions, never to students before grading).
#
# - **5 points**: cross-correlation with $K$ is convolution with the flipped kernel $K[::-1, ::-1]$ (or the
#   equivalent index statement); 2 points if the flip is mentioned but not tied to the kernel.
# - **5 points**: the kernel is *learned*, so training finds the flipped kernel: the layer represents the same
#   functions with the same number of weights, locality and translation equivariance.
# - **4 points**: when the difference matters: a fixed or pre-trained kernel moved between conventions, or
#   algebraic properties of convolution (commutativity, associativity).
# - No points for restating the question; deduct 2 points for a claim that the two operations give equal
#   outputs for every kernel.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Submit
#
# **1. Check every question.** The cell below runs the public checks of every question at once.

# %%
grader.check_all()

# %% [markdown]
# **2. Check that the saved notebook runs from top to bottom.** The grader runs your *saved* file in a fresh
# Python, from the first cell to the last: a name defined in a cell you have since deleted, or cells that only
# work when run out of order, break there even if they work here. Save the notebook (Ctrl+S, or Cmd+S on a
# Mac), then run the cell below: it runs the saved file in a fresh kernel and names the first cell that fails.
# On Colab or JupyterLite the saved file is not on this disk: there, use *Runtime > Restart session and run all*
# (Colab) or *Kernel > Restart Kernel and Run All Cells* (JupyterLite) and look for a cell that shows an error.

# %%
grader.run_saved_notebook()

# %% [markdown]
# **3. Upload the notebook file to Gradescope**, to this assignment:
#
# - Upload the `.ipynb` file itself (not a PDF, an HTML page or a zip). Its name does not matter:
#   `conv-math (1).ipynb` is fine. Upload only this one notebook; if you upload several files, the notebook must
#   be named `conv-math.ipynb`.
# - **On Colab:** *File > Download > Download .ipynb*, then upload the downloaded file. Saving a copy in Drive is
#   not a submission. **In JupyterLite:** right-click the notebook in the file browser and choose *Download*.
# - Within a minute Gradescope shows your score on the public checks (the same ones as here). The hidden tests,
#   with the likely misconception and the smallest input on which a function is wrong, appear when grades are
#   published. Question 7 is read by a person.
# - You may submit again until the deadline.
