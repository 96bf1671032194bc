from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 18

@test_case(points=1, hidden=False)
def test_local_layer_small_example(local_layer):
    import numpy as np
    X = np.array([[1.0, 2.0, 3.0]])
    V = np.array([[1.0, 10.0, 100.0]])
    H = local_layer(X, V, 0.0)
    assert isinstance(H, np.ndarray), f'local_layer(X, V, u) returned {type(H).__name__}; expected a numpy array (is the body still `...`?)'
    assert H.shape == (1, 3), f'local_layer(X, V, u) on a 1x3 image returned shape {H.shape}; the output has the shape of X, (1, 3)'
    assert np.allclose(H, [[210.0, 321.0, 32.0]]), f'local_layer(X, V, 0) with X = [[1, 2, 3]] and the 1x3 kernel V = [[1, 10, 100]] (dh = 0, dw = 1) returned {H.tolist()}; expected [[210, 321, 32]] (e.g. H[0, 0] = 10*1 + 100*2, the pixel left of the image is 0)'

@test_case(points=1, hidden=False)
def test_local_num_weights_slide(local_num_weights):
    n = local_num_weights(5)
    assert n == 121 and type(n) is int, f"local_num_weights(5) returned {n!r} ({type(n).__name__}); expected the Python int 121, as in the slide's table"

@test_case(points=1, hidden=False)
def test_corr2d_worked_example(corr2d):
    import numpy as np
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    K = np.array([[1.0, 10.0]])
    Y = corr2d(X, K)
    assert isinstance(Y, np.ndarray), f'corr2d(X, K) returned {type(Y).__name__}; expected a numpy array (is the body still `...`?)'
    assert Y.shape == (2, 2), f'corr2d(X, K) with X of shape (2, 3) and K of shape (1, 2) returned shape {Y.shape}; expected (h-kh+1, w-kw+1) = (2, 2)'
    assert np.allclose(Y, [[21.0, 32.0], [54.0, 65.0]]), f'corr2d(X, K) with X = [[1, 2, 3], [4, 5, 6]] and K = [[1, 10]] returned {Y.tolist()}; expected [[21, 32], [54, 65]] (e.g. Y[0, 0] = 1*1 + 10*2: the kernel is not flipped)'

@test_case(points=4, hidden=True)
def test_local_layer_random_rectangular_kernels(local_layer):
    from autograder.checks import check_function
    from grading import LOCAL_LAYER_MISTAKES, local_cases, local_small, ref_local_layer
    check_function('local_layer', local_layer, ref_local_layer, local_cases(), mistakes=LOCAL_LAYER_MISTAKES, small_cases=local_small(), what='on random non-square images with rectangular kernels, integer inputs or integers mixed with floats')

@test_case(points=2, hidden=True)
def test_local_layer_kernel_as_large_as_image_and_1x1(local_layer):
    from autograder.checks import check_function
    from grading import LOCAL_LAYER_MISTAKES, local_edge_cases, local_small, ref_local_layer
    check_function('local_layer', local_layer, ref_local_layer, local_edge_cases(), mistakes=LOCAL_LAYER_MISTAKES, small_cases=local_small(), what='on a 1x1 image, 1x1 kernels or kernels larger than the image')

@test_case(points=2, hidden=True)
def test_local_layer_shift_equivariant(local_layer):
    from grading import check_layer_shift_equivariant, embed, rng
    r = rng(411)
    for (h, w), (kh, kw), (di, dj) in [((8, 11), (3, 5), (2, -1)), ((10, 7), (5, 3), (-1, 2))]:
        X = embed(r, h, w, 2)
        V = r.normal(size=(kh, kw))
        check_layer_shift_equivariant('local_layer', local_layer, X, (V, 0.5), di, dj)

@test_case(points=3, hidden=True)
def test_corr2d_random_non_square(corr2d):
    from autograder.checks import check_function
    from grading import CORR2D_MISTAKES, corr2d_cases, corr2d_small, ref_corr2d
    check_function('corr2d', corr2d, ref_corr2d, corr2d_cases(), mistakes=CORR2D_MISTAKES, small_cases=corr2d_small(), what='on random non-square images with rectangular kernels, integer inputs or integers mixed with floats')

@test_case(points=2, hidden=True)
def test_corr2d_kernel_as_large_as_image_1x1_and_integers(corr2d):
    from autograder.checks import check_function
    from grading import CORR2D_MISTAKES, corr2d_edge_cases, corr2d_small, ref_corr2d
    check_function('corr2d', corr2d, ref_corr2d, corr2d_edge_cases(), mistakes=CORR2D_MISTAKES, small_cases=corr2d_small(), what='on a 1x1 image, a kernel as large as the image, 1x1 kernels, integer inputs or integers mixed with floats')

@test_case(points=1, hidden=True)
def test_local_num_weights_slide_and_delta_zero(local_num_weights):
    from grading import check_counts, ref_local_num_weights
    mistakes = [('kernel size 2*delta instead of 2*delta + 1', 'offsets run from -delta to delta: 2*delta + 1 values per axis, counting offset 0.', lambda d: (2 * d) ** 2), ('one axis only', 'the kernel has 2*delta + 1 rows and 2*delta + 1 columns.', lambda d: 2 * d + 1)]
    check_counts('local_num_weights', local_num_weights, ref_local_num_weights, [(5,), (0,), (1,), (3,), (12,)], mistakes=mistakes)

@test_case(points=1, hidden=True)
def test_local_num_weights_exact_beyond_int64(local_num_weights):
    from grading import check_counts, ref_local_num_weights
    check_counts('local_num_weights', local_num_weights, ref_local_num_weights, [(2 ** 40,), (10 ** 12,)])
