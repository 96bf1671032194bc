from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 14

@test_case(points=1, hidden=False)
def test_shared_layer_small_example(shared_layer):
    import numpy as np
    X = np.array([[1.0, 2.0]])
    V = np.array([[1.0, 10.0, 100.0]])
    H = shared_layer(X, V, 0.5)
    assert isinstance(H, np.ndarray), f'shared_layer(X, V, u) returned {type(H).__name__}; expected a numpy array (is the body still `...`?)'
    assert H.shape == (1, 2), f'shared_layer(X, V, u) on a 1x2 image returned shape {H.shape}; expected (1, 2)'
    assert np.allclose(H, [[210.5, 21.5]]), f'shared_layer(X, V, 0.5) with X = [[1, 2]] and V = [[1, 10, 100]] (offsets b = -1, 0, 1) returned {H.tolist()}; expected [[210.5, 21.5]] (0.5 + 10*1 + 100*2 and 0.5 + 1*1 + 10*2)'

@test_case(points=1, hidden=False)
def test_expand_shared_small_example(expand_shared):
    import numpy as np
    V = np.array([[1.0, 10.0, 100.0]])
    result = expand_shared(V, 0.5, 1, 2)
    assert isinstance(result, tuple) and len(result) == 2, f'expand_shared(V, u, h, w) returned {type(result).__name__}; expected a pair (W, U)'
    W, U = result
    assert np.shape(W) == (1, 2, 1, 2) and np.shape(U) == (1, 2), f'expand_shared(V, 0.5, 1, 2) returned W of shape {np.shape(W)} and U of shape {np.shape(U)}; expected (h, w, h, w) = (1, 2, 1, 2) and (h, w) = (1, 2)'
    assert np.allclose(W, [[[[10.0, 100.0]], [[1.0, 10.0]]]]), f'expand_shared(V, 0.5, 1, 2) with V = [[1, 10, 100]] returned W[0, 0, 0] = {np.asarray(W)[0, 0, 0].tolist()}, W[0, 1, 0] = {np.asarray(W)[0, 1, 0].tolist()}; expected [10, 100] and [1, 10] (W[i, j, k, l] = V[k-i+h-1, l-j+w-1])'
    assert np.allclose(U, [[0.5, 0.5]]), f'expand_shared(V, 0.5, 1, 2) returned U = {np.asarray(U).tolist()}; expected [[0.5, 0.5]]'

@test_case(points=1, hidden=False)
def test_shared_num_weights_small(shared_num_weights):
    n = shared_num_weights(2, 3)
    assert n == 15 and type(n) is int, f'shared_num_weights(2, 3) returned {n!r} ({type(n).__name__}); expected the Python int 15 (V has shape (3, 5))'

@test_case(points=3, hidden=True)
def test_shared_layer_random_non_square(shared_layer):
    from autograder.checks import check_function
    from grading import SHARED_LAYER_MISTAKES, ref_shared_layer, shared_cases, shared_small
    check_function('shared_layer', shared_layer, ref_shared_layer, shared_cases(), mistakes=SHARED_LAYER_MISTAKES, small_cases=shared_small(), what='on random non-square images, a 1x1 image, integer inputs or integers mixed with floats')

@test_case(points=2, hidden=True)
def test_shared_layer_shift_equivariant(shared_layer):
    from grading import check_layer_shift_equivariant, embed, rng
    r = rng(311)
    for (h, w), (di, dj) in [((8, 10), (1, 2)), ((9, 7), (-2, 1))]:
        X = embed(r, h, w, 2)
        V = r.normal(size=(2 * h - 1, 2 * w - 1))
        u = float(r.normal())
        check_layer_shift_equivariant('shared_layer', shared_layer, X, (V, u), di, dj)

@test_case(points=2, hidden=True)
def test_expand_shared_random_non_square(expand_shared):
    from grading import check_expand_shared, expand_cases
    check_expand_shared(expand_shared, expand_cases())

@test_case(points=2, hidden=True)
def test_expand_shared_gives_equivariant_fc_layer(expand_shared):
    from grading import check_expand_shared_equivariant, rng
    check_expand_shared_equivariant(expand_shared, rng(312), 7, 9)

@test_case(points=1, hidden=True)
def test_shared_num_weights_slide_and_hidden_sizes(shared_num_weights):
    from grading import check_counts, ref_shared_num_weights
    mistakes = [("the slide's rounding 4hw instead of the exact (2h-1)(2w-1)", 'the slide rounds 3,996,001 to 4 x 10^6; the exact count has 2h-1 row offsets and 2w-1 column offsets.', lambda h, w: 4 * h * w), ('h*w offsets instead of (2h-1)(2w-1)', 'offsets run from -(h-1) to h-1: 2h-1 values per axis.', lambda h, w: h * w)]
    check_counts('shared_num_weights', shared_num_weights, ref_shared_num_weights, [(1000, 1000), (1, 1), (4, 7), (9, 2)], mistakes=mistakes)

@test_case(points=1, hidden=True)
def test_shared_num_weights_exact_beyond_int64(shared_num_weights):
    from grading import check_counts, ref_shared_num_weights
    check_counts('shared_num_weights', shared_num_weights, ref_shared_num_weights, [(2 ** 40, 2 ** 40), (10 ** 10, 3 * 10 ** 9)])
