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

@test_case(points=4, hidden=True)
def test_shift_random_non_square(shift):
    from autograder.checks import check_function
    from grading import SHIFT_MISTAKES, ref_shift, shift_cases, shift_small
    check_function('shift', shift, ref_shift, shift_cases(), mistakes=SHIFT_MISTAKES, small_cases=shift_small(), what='on random non-square images (1x1 and integer ones too) and shifts in every direction')

@test_case(points=3, hidden=True)
def test_shift_zero_fills_instead_of_wrapping(shift):
    from autograder.checks import check_function
    from grading import SHIFT_MISTAKES, ref_shift, shift_far_cases, shift_small
    import numpy as np
    X = np.arange(1.0, 13.0).reshape(3, 4)
    cases = [(X, 1, 1), (X, -1, 2), (X, 0, -3)] + shift_far_cases()
    check_function('shift', shift, ref_shift, cases, mistakes=SHIFT_MISTAKES, small_cases=shift_small(), what='where pixels leave the image, by a little or by more than the whole image in either direction')

@test_case(points=5, hidden=True)
def test_equivariant_layers_exact_set(equivariant_layers):
    from grading import check_names
    check_names(equivariant_layers)
