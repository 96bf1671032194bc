from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 12

@test_case(points=1, hidden=False)
def test_fc_layer_worked_example(fc_layer):
    import numpy as np
    X = np.array([[1.0, 2.0]])
    W = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    U = np.array([[10.0, 20.0]])
    H = fc_layer(X, W, U)
    assert isinstance(H, np.ndarray), f'fc_layer(X, W, U) returned {type(H).__name__}; expected a numpy array (is the body still `...`?)'
    assert H.shape == (1, 2), f'fc_layer(X, W, U) on a 1x2 image returned shape {H.shape}; H has the shape of X, (1, 2)'
    assert np.allclose(H, [[15.0, 31.0]]), f'fc_layer(X, W, U) with X = [[1, 2]], W[0, 0, 0] = [1, 2], W[0, 1, 0] = [3, 4], U = [[10, 20]] returned {H.tolist()}; expected [[15.0, 31.0]] (10 + 1*1 + 2*2 and 20 + 3*1 + 4*2)'

@test_case(points=1, hidden=False)
def test_fc_num_weights_small_and_slide(fc_num_weights):
    n = fc_num_weights(2, 3)
    assert n == 36 and type(n) is int, f'fc_num_weights(2, 3) returned {n!r} ({type(n).__name__}); expected the Python int 36 (W has shape (2, 3, 2, 3))'
    n = fc_num_weights(1000, 1000)
    assert n == 10 ** 12 and type(n) is int, f'fc_num_weights(1000, 1000) returned {n!r} ({type(n).__name__}); expected the Python int 10**12, as on the slide'

@test_case(points=4, hidden=True)
def test_fc_layer_random_non_square(fc_layer):
    from autograder.checks import check_function
    from grading import FC_LAYER_MISTAKES, fc_cases, fc_small, ref_fc_layer
    check_function('fc_layer', fc_layer, ref_fc_layer, fc_cases(), mistakes=FC_LAYER_MISTAKES, small_cases=fc_small(), what='on random non-square images')

@test_case(points=2, hidden=True)
def test_fc_layer_integer_inputs_and_1x1(fc_layer):
    from autograder.checks import check_function
    from grading import FC_LAYER_MISTAKES, fc_int_cases, fc_small, ref_fc_layer
    check_function('fc_layer', fc_layer, ref_fc_layer, fc_int_cases(), mistakes=FC_LAYER_MISTAKES, small_cases=fc_small(), what='on a 1x1 image, integer arrays, or integers mixed with float weights')

@test_case(points=3, hidden=True)
def test_fc_num_weights_slide_and_hidden_sizes(fc_num_weights):
    from grading import check_counts, ref_fc_num_weights
    mistakes = [('only h*w weights', 'every one of the h*w outputs has its own h*w weights: (h*w)**2 in all.', lambda h, w: h * w)]
    check_counts('fc_num_weights', fc_num_weights, ref_fc_num_weights, [(1000, 1000), (1, 1), (3, 5), (7, 2), (28, 28)], mistakes=mistakes)

@test_case(points=1, hidden=True)
def test_fc_num_weights_exact_beyond_int64(fc_num_weights):
    from grading import check_counts, ref_fc_num_weights
    check_counts('fc_num_weights', fc_num_weights, ref_fc_num_weights, [(10 ** 5, 10 ** 5), (3 * 10 ** 9, 2 * 10 ** 9)])
