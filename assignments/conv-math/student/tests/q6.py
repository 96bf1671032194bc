from otter.test_files import test_case

OK_FORMAT = False

name = "q6"
points = 14

@test_case(points=1, hidden=False)
def test_shift_small_example(shift):
    import numpy as np
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    Y = shift(X, 1, 0)
    assert isinstance(Y, np.ndarray), f'shift(X, di, dj) returned {type(Y).__name__}; expected a numpy array (is the body still `...`?)'
    assert Y.shape == X.shape, f'shift(X, 1, 0) returned shape {Y.shape}; a shift keeps the shape {X.shape}'
    assert np.allclose(Y, [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]), f'shift(X, 1, 0) with X = [[1, 2, 3], [4, 5, 6]] returned {Y.tolist()}; expected [[0, 0, 0], [1, 2, 3]] (one row down, the top row is zero)'
    Y = shift(X, 0, -1)
    assert np.allclose(Y, [[2.0, 3.0, 0.0], [5.0, 6.0, 0.0]]), f'shift(X, 0, -1) with X = [[1, 2, 3], [4, 5, 6]] returned {np.asarray(Y).tolist()}; expected [[2, 3, 0], [5, 6, 0]] (one column left, the last column is zero)'

@test_case(points=1, hidden=False)
def test_equivariant_layers_are_layer_names(equivariant_layers):
    names = {'fc_layer', 'offset_layer', 'shared_layer', 'local_layer'}
    assert isinstance(equivariant_layers, (set, frozenset, list, tuple)), f"equivariant_layers is {type(equivariant_layers).__name__}; expected a set of layer names such as {{'fc_layer'}}"
    unknown = [n for n in equivariant_layers if n not in names]
    assert not unknown, f'equivariant_layers contains {unknown}; the names to choose from are {sorted(names)}'
    assert len(equivariant_layers) > 0, 'equivariant_layers is empty; at least one layer of this notebook is equivariant'
