from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 14

@test_case(points=1, hidden=False)
def test_reindex_worked_example(reindex):
    import numpy as np
    W = np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    V = reindex(W)
    assert isinstance(V, np.ndarray), f'reindex(W) returned {type(V).__name__}; expected a numpy array (is the body still `...`?)'
    assert V.shape == (1, 2, 1, 3), f'reindex(W) for W of shape (1, 2, 1, 2) returned shape {V.shape}; expected (h, w, 2h-1, 2w-1) = (1, 2, 1, 3)'
    expected = np.array([[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 0.0]]]])
    assert np.allclose(V, expected), f'reindex(W) with W[0, 0, 0] = [1, 2], W[0, 1, 0] = [3, 4] returned V[0, 0, 0] = {V[0, 0, 0].tolist()}, V[0, 1, 0] = {V[0, 1, 0].tolist()}; expected [0, 1, 2] and [3, 4, 0] (offset b is stored at b + w - 1)'

@test_case(points=1, hidden=False)
def test_offset_layer_worked_example(offset_layer):
    import numpy as np
    X = np.array([[1.0, 2.0]])
    V = np.array([[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 0.0]]]])
    U = np.array([[10.0, 20.0]])
    H = offset_layer(X, V, U)
    assert isinstance(H, np.ndarray), f'offset_layer(X, V, U) returned {type(H).__name__}; expected a numpy array (is the body still `...`?)'
    assert H.shape == (1, 2), f'offset_layer(X, V, U) on a 1x2 image returned shape {H.shape}; expected (1, 2)'
    assert np.allclose(H, [[15.0, 31.0]]), f'offset_layer(X, V, U) with X = [[1, 2]], V[0, 0, 0] = [0, 1, 2], V[0, 1, 0] = [3, 4, 0], U = [[10, 20]] returned {H.tolist()}; expected [[15.0, 31.0]], the same as fc_layer in question 1'

@test_case(points=4, hidden=True)
def test_reindex_random_non_square(reindex):
    from autograder.checks import check_function
    from grading import REINDEX_MISTAKES, ref_reindex, reindex_cases, reindex_small
    check_function('reindex', reindex, ref_reindex, reindex_cases(), mistakes=REINDEX_MISTAKES, small_cases=reindex_small(), what='on random non-square weight tensors (1x1 and integer ones too)')

@test_case(points=4, hidden=True)
def test_offset_layer_random_non_square(offset_layer):
    from autograder.checks import check_function
    from grading import OFFSET_LAYER_MISTAKES, offset_cases, offset_small, ref_offset_layer
    check_function('offset_layer', offset_layer, ref_offset_layer, offset_cases(), mistakes=OFFSET_LAYER_MISTAKES, small_cases=offset_small(), what='on random non-square images, a 1x1 image, integer arrays or integers mixed with floats')

@test_case(points=4, hidden=True)
def test_offset_layer_of_reindex_equals_fc_layer(reindex, offset_layer):
    from grading import check_offset_layer_of_reindex, fc_cases
    check_offset_layer_of_reindex(reindex, offset_layer, fc_cases(seed=211))
