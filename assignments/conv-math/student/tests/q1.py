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
