from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 14

@test_case(points=1, hidden=False)
def test_reindex_worked_example(reindex):
    import numpy as np
    from self_checks import expect_array
    W = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    expect_array('reindex(W)', reindex(W), [[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 0.0]]]], shape_hint='(h, w, 2h-1, 2w-1) for W of shape (1, 2, 1, 2)', call='reindex(W) with W[0, 0, 0] = [1, 2], W[0, 1, 0] = [3, 4]', why='V[0, 0, 0] = [0, 1, 2] and V[0, 1, 0] = [3, 4, 0]: offset b is stored at b + w - 1', mistakes={'offset sign flipped': [[[[2.0, 1.0, 0.0]], [[0.0, 4.0, 3.0]]]]})

@test_case(points=1, hidden=False)
def test_offset_layer_worked_example(offset_layer):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0]])
    V = np.array([[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 0.0]]]])
    U = np.array([[10.0, 20.0]])
    expect_array('offset_layer(X, V, U)', offset_layer(X, V, U), [[15.0, 31.0]], shape_hint='H has the shape of X', call='offset_layer(X, V, U) with X = [[1, 2]], V[0, 0, 0] = [0, 1, 2], V[0, 1, 0] = [3, 4, 0], U = [[10, 20]]', why='the same as fc_layer in question 1', mistakes={'missing bias': [[5.0, 11.0]], 'offset sign flipped': [[11.0, 28.0]]})

@test_case(points=6, hidden=True)
def test_reindex_random_non_square(reindex):
    from grading import REINDEX_MISTAKES, ref_reindex, reindex_cases, reindex_small, check_function
    check_function('reindex', reindex, ref_reindex, reindex_cases(), mistakes=REINDEX_MISTAKES, small_cases=reindex_small(), what='on random non-square weight tensors (1x1 and integer ones too)')

@test_case(points=6, hidden=True)
def test_offset_layer_random_non_square(offset_layer):
    from grading import OFFSET_LAYER_MISTAKES, offset_cases, offset_small, ref_offset_layer, check_function
    check_function('offset_layer', offset_layer, ref_offset_layer, offset_cases(), mistakes=OFFSET_LAYER_MISTAKES, small_cases=offset_small(), what='on random non-square images, a 1x1 image, integer arrays or integers mixed with floats')

@test_case(points=0, hidden=True)
def test_offset_layer_of_reindex_equals_fc_layer(reindex, offset_layer):
    from grading import check_offset_layer_of_reindex, fc_cases
    check_offset_layer_of_reindex(reindex, offset_layer, fc_cases(seed=211))
