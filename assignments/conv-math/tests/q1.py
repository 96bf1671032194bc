from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 11

@test_case(points=1, hidden=False)
def test_fc_layer_worked_example(fc_layer):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0]])
    W = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    U = np.array([[10.0, 20.0]])
    expect_array('fc_layer(X, W, U)', fc_layer(X, W, U), [[15.0, 31.0]], shape_hint='H has the shape of X', call='fc_layer(X, W, U) with X = [[1, 2]], W[0, 0, 0] = [1, 2], W[0, 1, 0] = [3, 4], U = [[10, 20]]', why='10 + 1*1 + 2*2 and 20 + 3*1 + 4*2', mistakes={'missing bias': [[5.0, 11.0]], 'W indices in the wrong order': [[17.0, 30.0]]})

@test_case(points=1, hidden=False)
def test_fc_num_weights_small_and_slide(fc_num_weights):
    from self_checks import expect_int
    expect_int('fc_num_weights(2, 3)', fc_num_weights(2, 3), 36, mistakes={'only h*w weights': 6})
    expect_int('fc_num_weights(1000, 1000)', fc_num_weights(1000, 1000), 10 ** 12, mistakes={'only h*w weights': 10 ** 6})

@test_case(points=5, hidden=True)
def test_fc_layer_random_non_square(fc_layer):
    from grading import FC_LAYER_MISTAKES, fc_cases, fc_small, ref_fc_layer, check_function
    check_function('fc_layer', fc_layer, ref_fc_layer, fc_cases(), mistakes=FC_LAYER_MISTAKES, small_cases=fc_small(), what='on random non-square images')

@test_case(points=2, hidden=True)
def test_fc_layer_integer_inputs_and_1x1(fc_layer):
    from grading import FC_LAYER_MISTAKES, fc_int_cases, fc_small, ref_fc_layer, check_function
    check_function('fc_layer', fc_layer, ref_fc_layer, fc_int_cases(), mistakes=FC_LAYER_MISTAKES, small_cases=fc_small(), what='on a 1x1 image, integer arrays, or integers mixed with float weights')

@test_case(points=1, hidden=True)
def test_fc_num_weights_slide_and_hidden_sizes(fc_num_weights):
    from grading import FC_COUNT_MISTAKES, check_counts, ref_fc_num_weights
    check_counts('fc_num_weights', fc_num_weights, ref_fc_num_weights, [(1000, 1000), (1, 1), (3, 5), (7, 2), (28, 28)], mistakes=FC_COUNT_MISTAKES)

@test_case(points=1, hidden=True)
def test_fc_num_weights_exact_beyond_int64(fc_num_weights):
    from grading import FC_COUNT_MISTAKES, check_counts, ref_fc_num_weights
    check_counts('fc_num_weights', fc_num_weights, ref_fc_num_weights, [(10 ** 5, 10 ** 5), (3 * 10 ** 9, 2 * 10 ** 9)], mistakes=FC_COUNT_MISTAKES)
