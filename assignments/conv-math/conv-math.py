# %% [raw]
# # ASSIGNMENT CONFIG
# name: conv-math
# init_cell: true
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
# **How this notebook is graded.** Each question ends with a cell `grader.check("qN")` that runs a few
# small public tests. After you submit, more tests (hidden now) run your functions on other inputs:
# non-square images, rectangular kernels, kernels as large as the image, 1x1 images, integer and float
# arrays. Passing the public tests is a good sign, not a guarantee: test your code on your own examples.
# Question 7 is a written answer graded by hand.
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
#   - a local kernel of half-widths `dh`, `dw` has $a \in \{-dh, \dots, dh\}$ stored at `a + dh` and
#     $b \in \{-dw, \dots, dw\}$ at `b + dw`, so its shape is `(2*dh + 1, 2*dw + 1)` (it may be rectangular).
# - Functions return numpy arrays; functions that count weights return exact Python `int`s.
# - Functions never modify their inputs.

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
# points: 12

# %% [markdown]
# **(a)** Write `fc_layer(X, W, U)` that returns $\mathbf{H}$.
# **(b)** Write `fc_num_weights(h, w)`, the number of entries of $\mathsf{W}$, as an exact Python `int`.
# The slide says a $1000 \times 1000$ image needs $10^{12}$ weights: check it.
#
# *Hint.* For a fixed output pixel, `W[i, j]` is an `(h, w)` array of weights, one per input pixel:
# multiply it with `X` element by element and add everything up. Start from a copy of `U` so that
# you do not change the caller's array.
#
# *Worked example.* With `X = [[1, 2]]` (`h = 1`, `w = 2`), `W[0, 0, 0] = [1, 2]`, `W[0, 1, 0] = [3, 4]`
# and `U = [[10, 20]]`: $H_{0,0} = 10 + 1 \cdot 1 + 2 \cdot 2 = 15$ and $H_{0,1} = 20 + 3 \cdot 1 + 4 \cdot 2 = 31$.

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
    X = np.array([[1.0, 2.0]])
    W = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    U = np.array([[10.0, 20.0]])
    H = fc_layer(X, W, U)
    assert isinstance(H, np.ndarray), f"fc_layer(X, W, U) returned {type(H).__name__}; expected a numpy array (is the body still `...`?)"
    assert H.shape == (1, 2), f"fc_layer(X, W, U) on a 1x2 image returned shape {H.shape}; H has the shape of X, (1, 2)"
    assert np.allclose(H, [[15.0, 31.0]]), f"fc_layer(X, W, U) with X = [[1, 2]], W[0, 0, 0] = [1, 2], W[0, 1, 0] = [3, 4], U = [[10, 20]] returned {H.tolist()}; expected [[15.0, 31.0]] (10 + 1*1 + 2*2 and 20 + 3*1 + 4*2)"

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_fc_num_weights_small_and_slide(fc_num_weights):
    n = fc_num_weights(2, 3)
    assert n == 36 and type(n) is int, f"fc_num_weights(2, 3) returned {n!r} ({type(n).__name__}); expected the Python int 36 (W has shape (2, 3, 2, 3))"
    n = fc_num_weights(1000, 1000)
    assert n == 10**12 and type(n) is int, f"fc_num_weights(1000, 1000) returned {n!r} ({type(n).__name__}); expected the Python int 10**12, as on the slide"

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
""" # END TEST CONFIG
def test_fc_layer_random_non_square(fc_layer):
    from autograder.checks import check_function
    from grading import FC_LAYER_MISTAKES, fc_cases, fc_small, ref_fc_layer
    check_function("fc_layer", fc_layer, ref_fc_layer, fc_cases(), mistakes=FC_LAYER_MISTAKES, small_cases=fc_small(), what="on random non-square images")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_fc_layer_integer_inputs_and_1x1(fc_layer):
    from autograder.checks import check_function
    from grading import FC_LAYER_MISTAKES, fc_int_cases, fc_small, ref_fc_layer
    check_function("fc_layer", fc_layer, ref_fc_layer, fc_int_cases(), mistakes=FC_LAYER_MISTAKES, small_cases=fc_small(), what="on a 1x1 image, integer arrays, or integers mixed with float weights")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 3
""" # END TEST CONFIG
def test_fc_num_weights_slide_and_hidden_sizes(fc_num_weights):
    from grading import check_counts, ref_fc_num_weights
    mistakes = [("only h*w weights", "every one of the h*w outputs has its own h*w weights: (h*w)**2 in all.", lambda h, w: h * w)]
    check_counts("fc_num_weights", fc_num_weights, ref_fc_num_weights, [(1000, 1000), (1, 1), (3, 5), (7, 2), (28, 28)], mistakes=mistakes)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_fc_num_weights_exact_beyond_int64(fc_num_weights):
    from grading import check_counts, ref_fc_num_weights
    check_counts("fc_num_weights", fc_num_weights, ref_fc_num_weights, [(10**5, 10**5), (3 * 10**9, 2 * 10**9)])

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
    W = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    V = reindex(W)
    assert isinstance(V, np.ndarray), f"reindex(W) returned {type(V).__name__}; expected a numpy array (is the body still `...`?)"
    assert V.shape == (1, 2, 1, 3), f"reindex(W) for W of shape (1, 2, 1, 2) returned shape {V.shape}; expected (h, w, 2h-1, 2w-1) = (1, 2, 1, 3)"
    expected = np.array([[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 0.0]]]])
    assert np.allclose(V, expected), f"reindex(W) with W[0, 0, 0] = [1, 2], W[0, 1, 0] = [3, 4] returned V[0, 0, 0] = {V[0, 0, 0].tolist()}, V[0, 1, 0] = {V[0, 1, 0].tolist()}; expected [0, 1, 2] and [3, 4, 0] (offset b is stored at b + w - 1)"

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_offset_layer_worked_example(offset_layer):
    import numpy as np
    X = np.array([[1.0, 2.0]])
    V = np.array([[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 0.0]]]])
    U = np.array([[10.0, 20.0]])
    H = offset_layer(X, V, U)
    assert isinstance(H, np.ndarray), f"offset_layer(X, V, U) returned {type(H).__name__}; expected a numpy array (is the body still `...`?)"
    assert H.shape == (1, 2), f"offset_layer(X, V, U) on a 1x2 image returned shape {H.shape}; expected (1, 2)"
    assert np.allclose(H, [[15.0, 31.0]]), f"offset_layer(X, V, U) with X = [[1, 2]], V[0, 0, 0] = [0, 1, 2], V[0, 1, 0] = [3, 4, 0], U = [[10, 20]] returned {H.tolist()}; expected [[15.0, 31.0]], the same as fc_layer in question 1"

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
""" # END TEST CONFIG
def test_reindex_random_non_square(reindex):
    from autograder.checks import check_function
    from grading import REINDEX_MISTAKES, ref_reindex, reindex_cases, reindex_small
    check_function("reindex", reindex, ref_reindex, reindex_cases(), mistakes=REINDEX_MISTAKES, small_cases=reindex_small(), what="on random non-square weight tensors (1x1 and integer ones too)")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
""" # END TEST CONFIG
def test_offset_layer_random_non_square(offset_layer):
    from autograder.checks import check_function
    from grading import OFFSET_LAYER_MISTAKES, offset_cases, offset_small, ref_offset_layer
    check_function("offset_layer", offset_layer, ref_offset_layer, offset_cases(), mistakes=OFFSET_LAYER_MISTAKES, small_cases=offset_small(), what="on random non-square images, a 1x1 image, integer arrays or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
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
# points: 14

# %% [markdown]
# **(a)** Write `shared_layer(X, V, u)` (output shape `(h, w)`, zero padding).
# **(b)** Weight sharing made visible: write `expand_shared(V, u, h, w)` that returns the pair `(W, U)` of
# fully connected parameters the shared ones stand for, so that `fc_layer(X, W, U)` equals `shared_layer(X, V, u)`.
# Every entry of `U` is `u`, and `W[i, j, k, l]` is the weight for offset `(k - i, l - j)`.
# **(c)** Write `shared_num_weights(h, w)`, the number of entries of $\mathbf{V}$ (an exact `int`).
# For $1000 \times 1000$ it is about $4 \times 10^6$, as in the slide's table.
#
# *Hint.* In `shared_layer`, output pixel `(i, j)` sees input pixel `(k, l)` through the offset `(k - i, l - j)`,
# stored at `V[k - i + h - 1, l - j + w - 1]`. The slice `V[h-1-i : 2*h-1-i, w-1-j : 2*w-1-j]` lines up with `X`.

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
    X = np.array([[1.0, 2.0]])
    V = np.array([[1.0, 10.0, 100.0]])
    H = shared_layer(X, V, 0.5)
    assert isinstance(H, np.ndarray), f"shared_layer(X, V, u) returned {type(H).__name__}; expected a numpy array (is the body still `...`?)"
    assert H.shape == (1, 2), f"shared_layer(X, V, u) on a 1x2 image returned shape {H.shape}; expected (1, 2)"
    assert np.allclose(H, [[210.5, 21.5]]), f"shared_layer(X, V, 0.5) with X = [[1, 2]] and V = [[1, 10, 100]] (offsets b = -1, 0, 1) returned {H.tolist()}; expected [[210.5, 21.5]] (0.5 + 10*1 + 100*2 and 0.5 + 1*1 + 10*2)"

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_expand_shared_small_example(expand_shared):
    import numpy as np
    V = np.array([[1.0, 10.0, 100.0]])
    result = expand_shared(V, 0.5, 1, 2)
    assert isinstance(result, tuple) and len(result) == 2, f"expand_shared(V, u, h, w) returned {type(result).__name__}; expected a pair (W, U)"
    W, U = result
    assert np.shape(W) == (1, 2, 1, 2) and np.shape(U) == (1, 2), f"expand_shared(V, 0.5, 1, 2) returned W of shape {np.shape(W)} and U of shape {np.shape(U)}; expected (h, w, h, w) = (1, 2, 1, 2) and (h, w) = (1, 2)"
    assert np.allclose(W, [[[[10.0, 100.0]], [[1.0, 10.0]]]]), f"expand_shared(V, 0.5, 1, 2) with V = [[1, 10, 100]] returned W[0, 0, 0] = {np.asarray(W)[0, 0, 0].tolist()}, W[0, 1, 0] = {np.asarray(W)[0, 1, 0].tolist()}; expected [10, 100] and [1, 10] (W[i, j, k, l] = V[k-i+h-1, l-j+w-1])"
    assert np.allclose(U, [[0.5, 0.5]]), f"expand_shared(V, 0.5, 1, 2) returned U = {np.asarray(U).tolist()}; expected [[0.5, 0.5]]"

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_shared_num_weights_small(shared_num_weights):
    n = shared_num_weights(2, 3)
    assert n == 15 and type(n) is int, f"shared_num_weights(2, 3) returned {n!r} ({type(n).__name__}); expected the Python int 15 (V has shape (3, 5))"

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 3
""" # END TEST CONFIG
def test_shared_layer_random_non_square(shared_layer):
    from autograder.checks import check_function
    from grading import SHARED_LAYER_MISTAKES, ref_shared_layer, shared_cases, shared_small
    check_function("shared_layer", shared_layer, ref_shared_layer, shared_cases(), mistakes=SHARED_LAYER_MISTAKES, small_cases=shared_small(), what="on random non-square images, a 1x1 image, integer inputs or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
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
points: 2
""" # END TEST CONFIG
def test_expand_shared_random_non_square(expand_shared):
    from grading import check_expand_shared, expand_cases
    check_expand_shared(expand_shared, expand_cases())

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
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
    from grading import check_counts, ref_shared_num_weights
    mistakes = [("the slide's rounding 4hw instead of the exact (2h-1)(2w-1)", "the slide rounds 3,996,001 to 4 x 10^6; the exact count has 2h-1 row offsets and 2w-1 column offsets.", lambda h, w: 4 * h * w), ("h*w offsets instead of (2h-1)(2w-1)", "offsets run from -(h-1) to h-1: 2h-1 values per axis.", lambda h, w: h * w)]
    check_counts("shared_num_weights", shared_num_weights, ref_shared_num_weights, [(1000, 1000), (1, 1), (4, 7), (9, 2)], mistakes=mistakes)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_shared_num_weights_exact_beyond_int64(shared_num_weights):
    from grading import check_counts, ref_shared_num_weights
    check_counts("shared_num_weights", shared_num_weights, ref_shared_num_weights, [(2**40, 2**40), (10**10, 3 * 10**9)])

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
# `dh` and `dw` for rows and columns, so `V` has shape `(2*dh + 1, 2*dw + 1)`, offset $a$ at index `a + dh`.
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
# **(a)** Write `local_layer(X, V, u)`: the sum over $|a| \le dh$, $|b| \le dw$ with zero padding; output shape `(h, w)`.
# **(b)** Write `local_num_weights(delta)`, the number of weights of a $(2\Delta+1) \times (2\Delta+1)$ kernel (an exact `int`).
# **(c)** Write `corr2d(X, K)`: $Y_{i, j} = \sum_a \sum_b K_{a, b} X_{i+a, j+b}$ over the kernel's indices
# $a = 0..kh-1$, $b = 0..kw-1$, of shape `(h - kh + 1, w - kw + 1)` ("valid" cross-correlation).
#
# *Hint.* For `local_layer`, copy `X` into the middle of a zero array of shape `(h + 2*dh, w + 2*dw)`; then output
# pixel `(i, j)` is `u` plus the sum of `V` times the window of the padded image starting at `(i, j)`.
# Take `dh` from `V.shape[0]` and `dw` from `V.shape[1]`: the kernel may be rectangular.
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
    X = np.array([[1.0, 2.0, 3.0]])
    V = np.array([[1.0, 10.0, 100.0]])
    H = local_layer(X, V, 0.0)
    assert isinstance(H, np.ndarray), f"local_layer(X, V, u) returned {type(H).__name__}; expected a numpy array (is the body still `...`?)"
    assert H.shape == (1, 3), f"local_layer(X, V, u) on a 1x3 image returned shape {H.shape}; the output has the shape of X, (1, 3)"
    assert np.allclose(H, [[210.0, 321.0, 32.0]]), f"local_layer(X, V, 0) with X = [[1, 2, 3]] and the 1x3 kernel V = [[1, 10, 100]] (dh = 0, dw = 1) returned {H.tolist()}; expected [[210, 321, 32]] (e.g. H[0, 0] = 10*1 + 100*2, the pixel left of the image is 0)"

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_local_num_weights_slide(local_num_weights):
    n = local_num_weights(5)
    assert n == 121 and type(n) is int, f"local_num_weights(5) returned {n!r} ({type(n).__name__}); expected the Python int 121, as in the slide's table"

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_corr2d_worked_example(corr2d):
    import numpy as np
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    K = np.array([[1.0, 10.0]])
    Y = corr2d(X, K)
    assert isinstance(Y, np.ndarray), f"corr2d(X, K) returned {type(Y).__name__}; expected a numpy array (is the body still `...`?)"
    assert Y.shape == (2, 2), f"corr2d(X, K) with X of shape (2, 3) and K of shape (1, 2) returned shape {Y.shape}; expected (h-kh+1, w-kw+1) = (2, 2)"
    assert np.allclose(Y, [[21.0, 32.0], [54.0, 65.0]]), f"corr2d(X, K) with X = [[1, 2, 3], [4, 5, 6]] and K = [[1, 10]] returned {Y.tolist()}; expected [[21, 32], [54, 65]] (e.g. Y[0, 0] = 1*1 + 10*2: the kernel is not flipped)"

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
""" # END TEST CONFIG
def test_local_layer_random_rectangular_kernels(local_layer):
    from autograder.checks import check_function
    from grading import LOCAL_LAYER_MISTAKES, local_cases, local_small, ref_local_layer
    check_function("local_layer", local_layer, ref_local_layer, local_cases(), mistakes=LOCAL_LAYER_MISTAKES, small_cases=local_small(), what="on random non-square images with rectangular kernels, integer inputs or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_local_layer_kernel_as_large_as_image_and_1x1(local_layer):
    from autograder.checks import check_function
    from grading import LOCAL_LAYER_MISTAKES, local_edge_cases, local_small, ref_local_layer
    check_function("local_layer", local_layer, ref_local_layer, local_edge_cases(), mistakes=LOCAL_LAYER_MISTAKES, small_cases=local_small(), what="on a 1x1 image, 1x1 kernels or kernels larger than the image")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
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
points: 3
""" # END TEST CONFIG
def test_corr2d_random_non_square(corr2d):
    from autograder.checks import check_function
    from grading import CORR2D_MISTAKES, corr2d_cases, corr2d_small, ref_corr2d
    check_function("corr2d", corr2d, ref_corr2d, corr2d_cases(), mistakes=CORR2D_MISTAKES, small_cases=corr2d_small(), what="on random non-square images with rectangular kernels, integer inputs or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_corr2d_kernel_as_large_as_image_1x1_and_integers(corr2d):
    from autograder.checks import check_function
    from grading import CORR2D_MISTAKES, corr2d_edge_cases, corr2d_small, ref_corr2d
    check_function("corr2d", corr2d, ref_corr2d, corr2d_edge_cases(), mistakes=CORR2D_MISTAKES, small_cases=corr2d_small(), what="on a 1x1 image, a kernel as large as the image, 1x1 kernels, integer inputs or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_local_num_weights_slide_and_delta_zero(local_num_weights):
    from grading import check_counts, ref_local_num_weights
    mistakes = [("kernel size 2*delta instead of 2*delta + 1", "offsets run from -delta to delta: 2*delta + 1 values per axis, counting offset 0.", lambda d: (2 * d) ** 2), ("one axis only", "the kernel has 2*delta + 1 rows and 2*delta + 1 columns.", lambda d: 2 * d + 1)]
    check_counts("local_num_weights", local_num_weights, ref_local_num_weights, [(5,), (0,), (1,), (3,), (12,)], mistakes=mistakes)

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_local_num_weights_exact_beyond_int64(local_num_weights):
    from grading import check_counts, ref_local_num_weights
    check_counts("local_num_weights", local_num_weights, ref_local_num_weights, [(2**40,), (10**12,)])

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
# points: 20

# %% [markdown]
# **(a)** Write `conv1d(f, g)` for 1-D arrays. **(b)** Write `conv2d(f, g)` for 2-D arrays (both may be rectangular,
# and either may be the larger one).
#
# *Hint.* Think of the sum the other way round: each value `f[a]` adds a copy of `g`, scaled by `f[a]` and starting
# at index `a`, to the output. In 2-D, `f[a, b]` adds a scaled copy of `g` whose top-left corner is at `(a, b)`.
#
# *Worked example.* `conv1d([1, 2, 3], [1, 10])` is `[1, 12, 23, 30]`: for instance $c_1 = f_0 g_1 + f_1 g_0 = 10 + 2$.
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
    c = conv1d(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0]))
    assert isinstance(c, np.ndarray), f"conv1d(f, g) returned {type(c).__name__}; expected a numpy array (is the body still `...`?)"
    assert c.shape == (4,), f"conv1d(f, g) with len(f) = 3 and len(g) = 2 returned shape {c.shape}; expected the full length 3 + 2 - 1 = 4"
    assert np.allclose(c, [1.0, 12.0, 23.0, 30.0]), f"conv1d([1, 2, 3], [1, 10]) returned {c.tolist()}; expected [1, 12, 23, 30] ([10, 21, 32, 3] would mean g was not flipped)"

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_conv2d_small_example(conv2d):
    import numpy as np
    c = conv2d(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 10.0]]))
    assert isinstance(c, np.ndarray), f"conv2d(f, g) returned {type(c).__name__}; expected a numpy array (is the body still `...`?)"
    assert c.shape == (2, 3), f"conv2d(f, g) with f of shape (2, 2) and g of shape (1, 2) returned shape {c.shape}; expected the full shape (2+1-1, 2+2-1) = (2, 3)"
    assert np.allclose(c, [[1.0, 12.0, 20.0], [3.0, 34.0, 40.0]]), f"conv2d([[1, 2], [3, 4]], [[1, 10]]) returned {c.tolist()}; expected [[1, 12, 20], [3, 34, 40]] (each row is conv1d(row, [1, 10]))"

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 3
""" # END TEST CONFIG
def test_conv1d_random_lengths(conv1d):
    from autograder.checks import check_function
    from grading import CONV1D_MISTAKES, conv1d_cases, conv1d_small, ref_conv1d
    check_function("conv1d", conv1d, ref_conv1d, conv1d_cases(), mistakes=CONV1D_MISTAKES, small_cases=conv1d_small(), what="on random lengths (g longer or shorter than f, length 1, integers, integers mixed with floats)")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_conv1d_flips_kernel(conv1d):
    from autograder.checks import check_function
    from grading import CONV1D_MISTAKES, conv1d_small, ref_conv1d
    import numpy as np
    cases = [(np.array([0.0, 1.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0])), (np.array([2.0, -1.0, 0.5]), np.array([0.0, 1.0, 4.0, -2.0]))]
    check_function("conv1d", conv1d, ref_conv1d, cases, mistakes=CONV1D_MISTAKES, small_cases=conv1d_small(), what="on asymmetric kernels, where flipping matters")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 3
""" # END TEST CONFIG
def test_conv2d_random_rectangular(conv2d):
    from autograder.checks import check_function
    from grading import CONV2D_MISTAKES, conv2d_cases, conv2d_small, ref_conv2d
    check_function("conv2d", conv2d, ref_conv2d, conv2d_cases(), mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what="on random rectangular arrays")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_conv2d_flips_kernel(conv2d):
    from autograder.checks import check_function
    from grading import CONV2D_MISTAKES, conv2d_small, ref_conv2d
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
    from autograder.checks import check_function
    from grading import CONV2D_MISTAKES, conv2d_edge_cases, conv2d_small, ref_conv2d
    check_function("conv2d", conv2d, ref_conv2d, conv2d_edge_cases(), mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what="on 1x1 arrays, single rows and columns, integer inputs or integers mixed with floats")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_conv2d_is_commutative(conv2d):
    from grading import check_conv2d_commutative, rng
    check_conv2d_commutative(conv2d, rng(511))

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 1
""" # END TEST CONFIG
def test_conv2d_is_linear(conv2d):
    from grading import check_conv2d_linear, rng
    check_conv2d_linear(conv2d, rng(512))

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
""" # END TEST CONFIG
def test_conv2d_shift_equivariant(conv2d):
    from grading import check_conv2d_shift_equivariant, rng
    check_conv2d_shift_equivariant(conv2d, rng(513))

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 2
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
# `Y[i, j] = X[i - di, j - dj]` where that pixel exists, else 0 (no wrap-around: `np.roll` is not the answer).
# Negative `di`, `dj` move up and left; a shift by the whole size leaves only zeros.
# **(b)** Set `equivariant_layers` to the names (a set) among `"fc_layer"`, `"offset_layer"`, `"shared_layer"`,
# `"local_layer"` whose output shifts with the input **for every choice of their parameters** (away from the border).
# Try it with the cell after the check: shift an image, apply each layer with random parameters, and compare.
#
# *Hint.* Find the rows that survive the shift: for `di >= 0`, `Y[di:] = X[:h - di]`. Slicing copies whole blocks.

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
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    Y = shift(X, 1, 0)
    assert isinstance(Y, np.ndarray), f"shift(X, di, dj) returned {type(Y).__name__}; expected a numpy array (is the body still `...`?)"
    assert Y.shape == X.shape, f"shift(X, 1, 0) returned shape {Y.shape}; a shift keeps the shape {X.shape}"
    assert np.allclose(Y, [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]), f"shift(X, 1, 0) with X = [[1, 2, 3], [4, 5, 6]] returned {Y.tolist()}; expected [[0, 0, 0], [1, 2, 3]] (one row down, the top row is zero)"
    Y = shift(X, 0, -1)
    assert np.allclose(Y, [[2.0, 3.0, 0.0], [5.0, 6.0, 0.0]]), f"shift(X, 0, -1) with X = [[1, 2, 3], [4, 5, 6]] returned {np.asarray(Y).tolist()}; expected [[2, 3, 0], [5, 6, 0]] (one column left, the last column is zero)"

# %%
""" # BEGIN TEST CONFIG
points: 1
""" # END TEST CONFIG
def test_equivariant_layers_are_layer_names(equivariant_layers):
    names = {"fc_layer", "offset_layer", "shared_layer", "local_layer"}
    assert isinstance(equivariant_layers, (set, frozenset, list, tuple)), f"equivariant_layers is {type(equivariant_layers).__name__}; expected a set of layer names such as {{'fc_layer'}}"
    unknown = [n for n in equivariant_layers if n not in names]
    assert not unknown, f"equivariant_layers contains {unknown}; the names to choose from are {sorted(names)}"
    assert len(equivariant_layers) > 0, "equivariant_layers is empty; at least one layer of this notebook is equivariant"

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 4
""" # END TEST CONFIG
def test_shift_random_non_square(shift):
    from autograder.checks import check_function
    from grading import SHIFT_MISTAKES, ref_shift, shift_cases, shift_small
    check_function("shift", shift, ref_shift, shift_cases(), mistakes=SHIFT_MISTAKES, small_cases=shift_small(), what="on random non-square images (1x1 and integer ones too) and shifts in every direction")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 3
""" # END TEST CONFIG
def test_shift_zero_fills_instead_of_wrapping(shift):
    from autograder.checks import check_function
    from grading import SHIFT_MISTAKES, ref_shift, shift_far_cases, shift_small
    import numpy as np
    X = np.arange(1.0, 13.0).reshape(3, 4)
    cases = [(X, 1, 1), (X, -1, 2), (X, 0, -3)] + shift_far_cases()
    check_function("shift", shift, ref_shift, cases, mistakes=SHIFT_MISTAKES, small_cases=shift_small(), what="where pixels leave the image, by a little or by more than the whole image in either direction")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 5
""" # END TEST CONFIG
def test_equivariant_layers_exact_set(equivariant_layers):
    from grading import check_names
    check_names(equivariant_layers)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ### See it: shift the input, watch the output
#
# Shift the rectangle by 2 rows and 3 columns and apply `local_layer` with the edge kernel: the edges move with it.
# Then try `fc_layer` with random weights: does its output move?

# %%
shift_rows, shift_cols = 2, 3
X_moved = try_call(shift, X_demo, shift_rows, shift_cols)
H_moved = try_call(local_layer, X_moved, K_edge, 0.0) if isinstance(X_moved, np.ndarray) else None
show([("X", X_demo), ("shift(X, 2, 3)", X_moved), ("local_layer(X)", H_local), ("local_layer(shift(X, 2, 3))", H_moved)], "equivariance")

rng_demo = np.random.default_rng(0)
h_small, w_small = 6, 8
X_small = np.zeros((h_small, w_small))
X_small[1:3, 2:4] = 1.0
W_random = rng_demo.normal(size=(h_small, w_small, h_small, w_small))
U_random = rng_demo.normal(size=(h_small, w_small))
H_fc = try_call(fc_layer, X_small, W_random, U_random)
X_small_moved = try_call(shift, X_small, 1, 2)
H_fc_moved = try_call(fc_layer, X_small_moved, W_random, U_random) if isinstance(X_small_moved, np.ndarray) else None
if isinstance(H_fc, np.ndarray) and isinstance(H_fc_moved, np.ndarray):
    same = np.allclose(H_fc_moved[1:, 2:], H_fc[:-1, :-2])
    print(f"fc_layer output moved with its input: {same}")

# %% [markdown]
# ## Question 7: cross-correlation called convolution (written answer)

# %% [raw]
# # BEGIN QUESTION
# name: q7
# manual: true
# points: 8

# %% [markdown]
# Deep-learning libraries compute `corr2d` (no flip) in their "convolution" layers. In a few sentences: why is it
# fine for them to compute cross-correlation and still call it convolution? Refer to what you found in this
# notebook (what does a trained layer learn, what changes if the kernel is flipped, and when would the difference
# matter?).

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Answer.** Cross-correlation with a kernel $K$ equals true convolution with the flipped kernel
# $K[::-1, ::-1]$ (we checked this with `corr2d` and `conv2d`). A convolutional layer *learns* its kernel, so if
# training would find $K$ for a convolution, it finds the flipped kernel for the cross-correlation: the set of
# functions the layer can represent, its number of weights ($(2\Delta+1)^2$), its locality and its translation
# equivariance are identical. Only properties of the operation on its own, such as commutativity
# ($f * g = g * f$) or associativity, need the flip, and a layer does not rely on them. The difference matters
# only when a fixed, hand-designed or pre-trained kernel is moved between the two conventions (it must then be
# flipped), or when reasoning mathematically about compositions of convolutions.

# %% [markdown]
# **Rubric** (8 points; shown to graders and in the solutions, never to students before grading).
#
# - **3 points**: cross-correlation with $K$ is convolution with the flipped kernel $K[::-1, ::-1]$ (or the
#   equivalent index statement); 1 point if the flip is mentioned but not tied to the kernel.
# - **3 points**: the kernel is *learned*, so training finds the flipped kernel: the layer represents the same
#   functions with the same weights, locality and translation equivariance.
# - **2 points**: when the difference matters: a fixed or pre-trained kernel moved between conventions, or
#   algebraic properties of convolution (commutativity, associativity).
# - No points for restating the question; deduct 1 point for a claim that the two operations give equal
#   outputs for every kernel.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Submit
#
# Save the notebook and upload `conv-math.ipynb`. Before you do, restart the kernel and run all cells: the
# notebook should run top to bottom without errors.
