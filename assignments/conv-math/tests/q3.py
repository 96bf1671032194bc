from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 13

@test_case(points=1, hidden=False)
def test_shared_layer_small_example(shared_layer):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0]])
    V = np.array([[1.0, 10.0, 100.0]])
    expect_array('shared_layer(X, V, u)', shared_layer(X, V, 0.5), [[210.5, 21.5]], shape_hint='H has the shape of X', call='shared_layer(X, V, 0.5) with X = [[1, 2]] and V = [[1, 10, 100]] (offsets b = -1, 0, 1)', why='0.5 + 10*1 + 100*2 and 0.5 + 1*1 + 10*2', mistakes={'missing bias': [[210.0, 21.0]], 'offset sign flipped': [[12.5, 120.5]], 'wraps around the border instead of zero padding': [[212.5, 121.5]]})

@test_case(points=1, hidden=False)
def test_expand_shared_small_example(expand_shared):
    import numpy as np
    from self_checks import expect_array, expect_pair
    V = np.array([[1.0, 10.0, 100.0]])
    W, U = expect_pair('expand_shared(V, u, h, w)', expand_shared(V, 0.5, 1, 2), '(W, U) of numpy arrays')
    expect_array('expand_shared[0] (W)', W, [[[[10.0, 100.0]], [[1.0, 10.0]]]], shape_hint='(h, w, h, w)', call='W of expand_shared(V, 0.5, 1, 2) with V = [[1, 10, 100]]', why='W[0, 0, 0] = [10, 100] and W[0, 1, 0] = [1, 10]: W[i, j, k, l] = V[k-i+h-1, l-j+w-1]', mistakes={'offset sign flipped': [[[[10.0, 1.0]], [[100.0, 10.0]]]]})
    expect_array('expand_shared[1] (U)', U, [[0.5, 0.5]], shape_hint='(h, w)', call='U of expand_shared(V, 0.5, 1, 2)', why='every entry of U is u', mistakes={'U not filled with u': [[0.0, 0.0]]})

@test_case(points=1, hidden=False)
def test_shared_num_weights_small(shared_num_weights):
    from self_checks import expect_int
    expect_int('shared_num_weights(2, 3)', shared_num_weights(2, 3), 15, mistakes={"the slide's rounding 4hw instead of the exact (2h-1)(2w-1)": 24, 'h*w offsets instead of (2h-1)(2w-1)': 6})

@test_case(points=5, hidden=True)
def test_shared_layer_random_non_square(shared_layer):
    from grading import SHARED_LAYER_MISTAKES, ref_shared_layer, shared_cases, shared_small, check_function
    check_function('shared_layer', shared_layer, ref_shared_layer, shared_cases(), mistakes=SHARED_LAYER_MISTAKES, small_cases=shared_small(), what='on random non-square images, a 1x1 image, integer inputs or integers mixed with floats')

@test_case(points=0, hidden=True)
def test_shared_layer_shift_equivariant(shared_layer):
    from grading import check_layer_shift_equivariant, embed, rng
    r = rng(311)
    for (h, w), (di, dj) in [((8, 10), (1, 2)), ((9, 7), (-2, 1))]:
        X = embed(r, h, w, 2)
        V = r.normal(size=(2 * h - 1, 2 * w - 1))
        u = float(r.normal())
        check_layer_shift_equivariant('shared_layer', shared_layer, X, (V, u), di, dj)

@test_case(points=3, hidden=True)
def test_expand_shared_random_non_square(expand_shared):
    from grading import check_expand_shared, expand_cases
    check_expand_shared(expand_shared, expand_cases())

@test_case(points=0, hidden=True)
def test_expand_shared_gives_equivariant_fc_layer(expand_shared):
    from grading import check_expand_shared_equivariant, rng
    check_expand_shared_equivariant(expand_shared, rng(312), 7, 9)

@test_case(points=1, hidden=True)
def test_shared_num_weights_slide_and_hidden_sizes(shared_num_weights):
    from grading import SHARED_COUNT_MISTAKES, check_counts, ref_shared_num_weights
    check_counts('shared_num_weights', shared_num_weights, ref_shared_num_weights, [(1000, 1000), (1, 1), (4, 7), (9, 2)], mistakes=SHARED_COUNT_MISTAKES)

@test_case(points=1, hidden=True)
def test_shared_num_weights_exact_beyond_int64(shared_num_weights):
    from grading import SHARED_COUNT_MISTAKES, check_counts, ref_shared_num_weights
    check_counts('shared_num_weights', shared_num_weights, ref_shared_num_weights, [(2 ** 40, 2 ** 40), (10 ** 10, 3 * 10 ** 9)], mistakes=SHARED_COUNT_MISTAKES)
