from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 20

@test_case(points=1, hidden=False)
def test_conv1d_worked_example(conv1d):
    import numpy as np
    c = conv1d(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0]))
    assert isinstance(c, np.ndarray), f'conv1d(f, g) returned {type(c).__name__}; expected a numpy array (is the body still `...`?)'
    assert c.shape == (4,), f'conv1d(f, g) with len(f) = 3 and len(g) = 2 returned shape {c.shape}; expected the full length 3 + 2 - 1 = 4'
    assert np.allclose(c, [1.0, 12.0, 23.0, 30.0]), f'conv1d([1, 2, 3], [1, 10]) returned {c.tolist()}; expected [1, 12, 23, 30] ([10, 21, 32, 3] would mean g was not flipped)'

@test_case(points=1, hidden=False)
def test_conv2d_small_example(conv2d):
    import numpy as np
    c = conv2d(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 10.0]]))
    assert isinstance(c, np.ndarray), f'conv2d(f, g) returned {type(c).__name__}; expected a numpy array (is the body still `...`?)'
    assert c.shape == (2, 3), f'conv2d(f, g) with f of shape (2, 2) and g of shape (1, 2) returned shape {c.shape}; expected the full shape (2+1-1, 2+2-1) = (2, 3)'
    assert np.allclose(c, [[1.0, 12.0, 20.0], [3.0, 34.0, 40.0]]), f'conv2d([[1, 2], [3, 4]], [[1, 10]]) returned {c.tolist()}; expected [[1, 12, 20], [3, 34, 40]] (each row is conv1d(row, [1, 10]))'
