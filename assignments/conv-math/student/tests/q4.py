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
