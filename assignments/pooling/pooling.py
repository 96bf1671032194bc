# %% [raw]
# # ASSIGNMENT CONFIG
# name: pooling
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
# # Pooling Layers: Downsampling Feature Maps
#
# A convolutional layer turns an image into **feature maps**: one 2-D map per channel, each telling how
# strongly a pattern (a horizontal edge, a vertical edge, a corner) appears around each pixel. A **pooling
# layer** then shrinks every map by summarizing small windows of it: the largest value (*max pooling*) or
# the mean (*average pooling*). In this notebook you write both, with windows, strides and padding of any
# size, for any number of channels, and apply them to the feature maps of a real image.
#
# **Files.** This notebook reads `feature_maps.npy`, which comes with it: keep the two files in one folder
# (on Google Colab, upload `feature_maps.npy` with the *Files* panel on the left before you run question 4).
#
# **How this notebook is graded.** Each question ends with a cell `grader.check("qN")` that runs a few small
# public checks, with the grader's rules and in the grader's words. After you submit, the grader runs the same
# checks and hidden tests on other inputs: several channels, rectangular windows, strides unlike the window,
# padding, integer maps, windows as large as the map. Question 5 is a written answer read by a person
# (15 of the 100 points).
#
# **Rules.** Write the pooling yourself with numpy: loops, slicing, `reshape`, `np.max`, `np.mean` and
# `np.pad` are all fine. Library pooling or window routines (`skimage.measure.block_reduce`,
# `numpy.lib.stride_tricks.sliding_window_view`, `scipy.ndimage`, deep-learning frameworks such as `torch`)
# earn no points for the function that uses them. Your functions must not modify their arguments.
#
# ## Conventions (used by every question and by the grader)
# - Feature maps `X` are a 3-D numpy array of shape `(C, H, W)`: `C` channels, each an `H` by `W` map
#   (*channels first*). A single map is `(1, H, W)`. `H` and `W` may differ.
# - A window `size` is an int `k` (a `k` by `k` window) or a pair `(kh, kw)` (`kh` rows, `kw` columns).
#   `stride` is an int or a pair too, and `None` (the default) means "the window's size", so that windows
#   tile the map without overlapping. `padding` is an int or a pair `(ph, pw)`: that many pixels are added
#   above and below (`ph`) and left and right (`pw`) of every map; it is at most half the window.
# - Windows start at the top-left corner of the padded map and move `stride` pixels at a time; a window that
#   would reach past the padded map is dropped. So the output has
#   `(H + 2*ph - kh) // sh + 1` rows and `(W + 2*pw - kw) // sw + 1` columns, per channel.
# - Padding never wins a maximum: max pooling takes the largest value of the window's pixels *inside* the
#   map. Average pooling counts padded pixels as zeros: every window's sum is divided by `kh * kw`.
# - Functions return numpy arrays of real numbers (any integer or float dtype) and never modify their inputs;
#   `pool_output_shape` returns a pair of ints (a tuple or a list).

# %%
SELF_CHECKS_CELL

# %%
import numpy as np
import matplotlib.pyplot as plt


def show_maps(X, title=""):
    """Draw each channel of (C, H, W) feature maps side by side; anything else is said in words."""
    if not (isinstance(X, np.ndarray) and X.ndim == 3 and X.size):
        print(f"{title}: not feature maps yet ({type(X).__name__})")
        return
    fig, axes = plt.subplots(1, X.shape[0], figsize=(3 * X.shape[0], 2.6))
    for c, ax in enumerate(np.atleast_1d(axes)):
        ax.imshow(X[c], cmap="viridis")
        ax.set_title(f"{title} channel {c}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    plt.show()


# %% [markdown]
# ## Question 1: the output's shape
#
# Before pooling anything, count the windows. With a window of `kh` rows, a stride of `sh` and a padding of
# `ph`, the padded map has `H + 2*ph` rows and the windows start at rows `0, sh, 2*sh, ...` of it, as long as
# the window fits.

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 10

# %% [markdown]
# Write `pool_output_shape(h, w, size, stride=None, padding=0)` that returns the pair `(rows, columns)` of
# the pooled map, as ints.
#
# *Worked example.* A `6 x 8` map with 2 x 2 windows (stride 2, no padding) gives `(3, 4)`. A `5 x 5` map with
# 3 x 3 windows, stride 2 and padding 1 is a `7 x 7` padded map with windows starting at rows 0, 2 and 4: `(3, 3)`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def pool_output_shape(h, w, size, stride=None, padding=0):
    """The (rows, columns) of an (h, w) map pooled with windows `size`, `stride` and `padding`."""
    # BEGIN SOLUTION
    kh, kw = (size, size) if np.isscalar(size) else size
    if stride is None:
        stride = (kh, kw)
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    return (int(h) + 2 * ph - kh) // sh + 1, (int(w) + 2 * pw - kw) // sw + 1
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_output_shape_tiles(pool_output_shape):
    from self_checks import expect_int, expect_pair
    got = expect_pair("pool_output_shape(6, 8, 2)", pool_output_shape(6, 8, 2), "(rows, columns)")
    expect_int("pool_output_shape(6, 8, 2)[0]", got[0], 3)
    expect_int("pool_output_shape(6, 8, 2)[1]", got[1], 4, mistakes={"stride ignored: windows step by one pixel": 7})

# %%
def test_output_shape_stride_and_padding(pool_output_shape):
    from self_checks import expect_int, expect_pair
    got = expect_pair("pool_output_shape(5, 5, 3, 2, 1)", pool_output_shape(5, 5, 3, 2, 1), "(rows, columns)")
    expect_int("pool_output_shape(5, 5, 3, 2, 1)[0]", got[0], 3, mistakes={"padding on one side only": 2})
    expect_int("pool_output_shape(5, 5, 3, 2, 1)[1]", got[1], 3, mistakes={"padding on one side only": 2})

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_output_shape_rectangular(pool_output_shape):
    from grading import check_output_shape, shape_cases
    check_output_shape(pool_output_shape, shape_cases()[2:6])

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_output_shape_partial_windows_dropped(pool_output_shape):
    from grading import check_output_shape
    check_output_shape(pool_output_shape, [(7, 7, 2), (10, 9, 3, 2), (13, 9, (4, 2), None, (2, 1))])

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_output_shape_common_layers(pool_output_shape):
    from grading import check_output_shape
    check_output_shape(pool_output_shape, [(224, 224, 2), (32, 32, 3, 1, 1), (1, 1, 1), (55, 55, 3, 2)])

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: max pooling
#
# Max pooling keeps, for every window of every channel, the largest value: "is the pattern anywhere in this
# window?". Each channel is pooled on its own, so the output has as many channels as the input.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 35

# %% [markdown]
# Write `max_pool2d(X, size, stride=None, padding=0)` for feature maps `X` of shape `(C, H, W)`; it returns
# an array of shape `(C, rows, columns)` with `(rows, columns) = pool_output_shape(H, W, size, stride, padding)`.
#
# *Hint.* Pad a copy of `X` with `-np.inf` (`np.pad(X, ((0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)`),
# then loop over the output's rows and columns: window `(i, j)` is `P[:, i*sh : i*sh + kh, j*sw : j*sw + kw]`,
# and `.max(axis=(1, 2))` gives its maximum for every channel at once.
#
# *Worked example.* One channel `[[1, 2, 0, 1], [3, 4, 1, 0], [0, 1, 5, 6], [2, 1, 7, 8]]` with 2 x 2 windows
# gives `[[4, 1], [2, 8]]`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def max_pool2d(X, size, stride=None, padding=0):
    """Max pooling of (C, H, W) feature maps; padded pixels never win."""
    # BEGIN SOLUTION
    kh, kw = (size, size) if np.isscalar(size) else size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    rows, cols = pool_output_shape(X.shape[1], X.shape[2], (kh, kw), (sh, sw), (ph, pw))
    P = np.pad(np.asarray(X, dtype=float), ((0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    out = np.empty((X.shape[0], rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[:, i, j] = P[:, i * sh : i * sh + kh, j * sw : j * sw + kw].max(axis=(1, 2))
    return out
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 2
""" # END TEST CONFIG
def test_max_pool_worked_example(max_pool2d):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[[1.0, 2.0, 0.0, 1.0], [3.0, 4.0, 1.0, 0.0], [0.0, 1.0, 5.0, 6.0], [2.0, 1.0, 7.0, 8.0]]])
    expect_array("max_pool2d(X, 2)", max_pool2d(X, 2), [[[4.0, 1.0], [2.0, 8.0]]], shape_hint="(C, rows, columns)",
                 call="max_pool2d(X, 2) with X[0] = [[1, 2, 0, 1], [3, 4, 1, 0], [0, 1, 5, 6], [2, 1, 7, 8]]",
                 why="the largest value of each 2 x 2 block")

# %%
""" # BEGIN TEST CONFIG
points: 2
""" # END TEST CONFIG
def test_max_pool_padding_never_wins(max_pool2d):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0], [-7.0, -8.0, -9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
    expect_array("max_pool2d(X, 3, 2, 1)", max_pool2d(X, 3, 2, 1), [[[-1.0, -2.0], [-4.0, -5.0]], [[5.0, 6.0], [8.0, 9.0]]],
                 shape_hint="(C, rows, columns)",
                 call="max_pool2d(X, 3, 2, 1) with X[0] = -[[1, 2, 3], [4, 5, 6], [7, 8, 9]] and X[1] = -X[0]",
                 why="each channel on its own; padded pixels are never the maximum",
                 mistakes={"zero padding in max pooling": [[[0.0, 0.0], [0.0, 0.0]], [[5.0, 6.0], [8.0, 9.0]]]})

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 15
""" # END TEST CONFIG
def test_max_pool_random_channels_and_strides(max_pool2d):
    from grading import MAX_POOL_MISTAKES, check_pooling, pool_cases, ref_max_pool2d
    check_pooling("max_pool2d", max_pool2d, ref_max_pool2d, MAX_POOL_MISTAKES, pool_cases(201),
                  what="on random maps of 1 to 4 channels, rectangular windows and strides unlike the window")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 8
""" # END TEST CONFIG
def test_max_pool_with_padding(max_pool2d):
    from grading import MAX_POOL_MISTAKES, check_pooling, padding_cases, ref_max_pool2d
    check_pooling("max_pool2d", max_pool2d, ref_max_pool2d, MAX_POOL_MISTAKES, padding_cases(202),
                  what="with padding, on maps of negative values too")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 8
""" # END TEST CONFIG
def test_max_pool_integer_maps_and_edges(max_pool2d):
    from grading import MAX_POOL_MISTAKES, check_pooling, edge_cases, ref_max_pool2d
    check_pooling("max_pool2d", max_pool2d, ref_max_pool2d, MAX_POOL_MISTAKES, edge_cases(203),
                  what="on integer maps, 1 x 1 windows, one-pixel maps or a window as large as the map")

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: average pooling
#
# Average pooling keeps the mean of every window: "how much of the pattern is in this window?".

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 30

# %% [markdown]
# Write `avg_pool2d(X, size, stride=None, padding=0)`, like `max_pool2d` but with the mean of each window,
# padded pixels counting as zeros (every sum is divided by `kh * kw`). Integer maps give fractions: make the
# output a float array.
#
# *Worked example.* The map of question 2 with 2 x 2 windows gives `[[2.5, 0.5], [1, 6.5]]`.

# %% [raw]
# # BEGIN SOLUTION

# %%
def avg_pool2d(X, size, stride=None, padding=0):
    """Average pooling of (C, H, W) feature maps; padded pixels count as zeros."""
    # BEGIN SOLUTION
    kh, kw = (size, size) if np.isscalar(size) else size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    rows, cols = pool_output_shape(X.shape[1], X.shape[2], (kh, kw), (sh, sw), (ph, pw))
    P = np.pad(np.asarray(X, dtype=float), ((0, 0), (ph, ph), (pw, pw)))
    out = np.empty((X.shape[0], rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[:, i, j] = P[:, i * sh : i * sh + kh, j * sw : j * sw + kw].sum(axis=(1, 2)) / (kh * kw)
    return out
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
""" # BEGIN TEST CONFIG
points: 2
""" # END TEST CONFIG
def test_avg_pool_worked_example(avg_pool2d):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[[1.0, 2.0, 0.0, 1.0], [3.0, 4.0, 1.0, 0.0], [0.0, 1.0, 5.0, 6.0], [2.0, 1.0, 7.0, 8.0]]])
    expect_array("avg_pool2d(X, 2)", avg_pool2d(X, 2), [[[2.5, 0.5], [1.0, 6.5]]], shape_hint="(C, rows, columns)",
                 call="avg_pool2d(X, 2) with X[0] = [[1, 2, 0, 1], [3, 4, 1, 0], [0, 1, 5, 6], [2, 1, 7, 8]]",
                 why="the mean of each 2 x 2 block",
                 mistakes={"window sum instead of mean": [[[10.0, 2.0], [4.0, 26.0]]]})

# %%
""" # BEGIN TEST CONFIG
points: 2
""" # END TEST CONFIG
def test_avg_pool_padding_counts_as_zero(avg_pool2d):
    import numpy as np
    from self_checks import expect_array
    X = np.full((1, 2, 2), 4.0)
    expect_array("avg_pool2d(X, 3, 1, 1)", avg_pool2d(X, 3, 1, 1), [[[16 / 9, 16 / 9], [16 / 9, 16 / 9]]],
                 shape_hint="(C, rows, columns)", call="avg_pool2d(X, 3, 1, 1) with X[0] = [[4, 4], [4, 4]]",
                 why="each 3 x 3 window holds the four 4s and five padded zeros: 16 / 9",
                 mistakes={"padding left out of the mean": [[[4.0, 4.0], [4.0, 4.0]]]})

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 14
""" # END TEST CONFIG
def test_avg_pool_random_channels_and_strides(avg_pool2d):
    from grading import AVG_POOL_MISTAKES, check_pooling, pool_cases, ref_avg_pool2d
    check_pooling("avg_pool2d", avg_pool2d, ref_avg_pool2d, AVG_POOL_MISTAKES, pool_cases(301),
                  what="on random maps of 1 to 4 channels, rectangular windows and strides unlike the window")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 6
""" # END TEST CONFIG
def test_avg_pool_with_padding(avg_pool2d):
    from grading import AVG_POOL_MISTAKES, check_pooling, padding_cases, ref_avg_pool2d
    check_pooling("avg_pool2d", avg_pool2d, ref_avg_pool2d, AVG_POOL_MISTAKES, padding_cases(302),
                  what="with padding")

# %%
""" # BEGIN TEST CONFIG
hidden: true
points: 6
""" # END TEST CONFIG
def test_avg_pool_integer_maps_and_edges(avg_pool2d):
    from grading import AVG_POOL_MISTAKES, check_pooling, edge_cases, ref_avg_pool2d
    check_pooling("avg_pool2d", avg_pool2d, ref_avg_pool2d, AVG_POOL_MISTAKES, edge_cases(303),
                  what="on integer maps, 1 x 1 windows, one-pixel maps or a window as large as the map")

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4: pooling the feature maps of an image
#
# `feature_maps.npy` holds the output of a small convolutional layer (after its ReLU) on a 12 x 16 image of a
# square, a diagonal stroke and a bar: channel 0 responds to horizontal edges, channel 1 to vertical edges and
# channel 2 to corners. The cell below loads it and draws it.

# %%
try:
    features = np.load("feature_maps.npy")
except FileNotFoundError:
    print("feature_maps.npy is not in the folder of this notebook: put it there (on Colab, upload it with the Files\n"
          "panel on the left), then run this cell again.")
    raise
print("features:", features.shape, features.dtype)
show_maps(features, "features")

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: [4, 3, 3]

# %% [markdown]
# **(a)** Set `pooled` to the max pooling of `features` with 2 x 2 windows (stride 2, no padding), using your
# `max_pool2d`, and look at it: every edge and corner is still there, on a map a quarter of the size.
#
# **(b)** *Global average pooling* averages each channel over its whole map (a window as large as the map): it
# is how many networks turn their last feature maps into one number per channel. Set `strongest_channel` to the
# index (an int) of the channel whose global average is largest (with `avg_pool2d` and a window as large as the
# map, or with `np.mean` over the last two axes: both are global average pooling).

# %% [raw]
# # BEGIN SOLUTION

# %%
pooled = max_pool2d(features, 2)  # SOLUTION
strongest_channel = int(np.argmax(features.mean(axis=(1, 2))))  # SOLUTION
show_maps(pooled if isinstance(pooled, np.ndarray) else None, "pooled")

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_pooled_is_your_max_pool_of_the_data(env):
    import numpy as np
    from self_checks import CheckFailed, expect_array
    features = env["features"]
    if not (isinstance(features, np.ndarray) and features.shape == (3, 12, 16)
            and np.allclose(features.sum(axis=(1, 2)), [21.0, 20.8, 13.792])):
        raise CheckFailed("features is not the content of feature_maps.npy (three 12 x 16 maps): "
                          "load it with np.load and do not change it.")
    yours = env["max_pool2d"](features, 2)  # a mistake inside max_pool2d is charged in question 2, not again here
    if not (isinstance(yours, np.ndarray) and yours.ndim == 3):
        raise CheckFailed("max_pool2d(features, 2) does not return feature maps yet, so pooled cannot be checked: "
                          "finish question 2 first.")
    expect_array("pooled", env["pooled"], yours, shape_hint="the shape max_pool2d(features, 2) returns",
                 call="pooled", why="max_pool2d(features, 2), with your max_pool2d")

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_pooled_features_from_the_data_file(env):
    from grading import check_pooled_features
    check_pooled_features(env)

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_strongest_channel_by_global_average(env):
    from grading import check_strongest_channel
    check_strongest_channel(env)

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 5: what pooling keeps (written answer)

# %% [raw]
# # BEGIN QUESTION
# name: q5
# manual: true
# points: 15

# %% [markdown]
# In a paragraph: shift `features` one pixel to the right. Does `max_pool2d(features, 2)` change, and when does
# it not? Why is max pooling said to give a *little* translation invariance, and why only a little? Then say
# when you would rather use average pooling, and what a stride larger than the window would throw away. This
# question is worth 15 of the 100 points and is read by a person: a precise argument counts, not its length.

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Answer.** A one-pixel shift moves each value either within its 2 x 2 window or into the next one. When the
# maximum of a window stays inside it (half the shifts, for a value in the window's left column), the pooled
# map does not change at all; when it crosses into the neighbouring window, the pooled value moves by one output
# pixel. So max pooling is invariant to shifts smaller than the window only for some positions, and a shift by
# the stride moves the pooled map by exactly one pixel: it is equivariant at the coarser scale, invariant only
# locally. Average pooling is the better choice when the amount of a pattern matters, not its presence (global
# average pooling before a classifier, smoother downsampling that does not alias a single bright pixel).
# A stride larger than the window skips pixels between windows: features there never reach the next layer.

# %% [markdown]
# **Rubric** (15 points; shown to graders and in the solutions, never to students before grading).
#
# - **6 points**: a one-pixel shift leaves the pooled map unchanged when each window's maximum stays in its
#   window, and moves it by one output pixel otherwise (3 points for "sometimes unchanged" without the reason).
# - **4 points**: hence invariance only to small shifts and only locally; larger shifts (by the stride) shift
#   the output: equivariance at the coarser scale.
# - **3 points**: average pooling when the amount of a pattern matters, or for smoother downsampling.
# - **2 points**: a stride larger than the window skips pixels, whose features are lost.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Submit
#
# Run every check once more, then save the notebook and upload the `.ipynb` file itself (its name does not
# matter; `feature_maps.npy` need not be uploaded: the grader has its own copy).

# %%
grader.check_all()
