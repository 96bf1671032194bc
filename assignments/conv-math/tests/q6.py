from otter.test_files import test_case

OK_FORMAT = False

name = "q6"
points = 14

@test_case(points=1, hidden=False)
def test_shift_small_example(shift):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    expect_array('shift(X, 1, 0)', shift(X, 1, 0), [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]], shape_hint='a shift keeps the shape of X', call='shift(X, 1, 0) with X = [[1, 2, 3], [4, 5, 6]]', why='one row down, the top row is zero', mistakes={'wraps around the border instead of zero padding': [[4.0, 5.0, 6.0], [1.0, 2.0, 3.0]], 'shift in the wrong direction': [[4.0, 5.0, 6.0], [0.0, 0.0, 0.0]], 'rows and columns swapped': [[0.0, 1.0, 2.0], [0.0, 4.0, 5.0]]})
    expect_array('shift(X, 0, -1)', shift(X, 0, -1), [[2.0, 3.0, 0.0], [5.0, 6.0, 0.0]], shape_hint='a shift keeps the shape of X', call='shift(X, 0, -1) with X = [[1, 2, 3], [4, 5, 6]]', why='one column left, the last column is zero', mistakes={'wraps around the border instead of zero padding': [[2.0, 3.0, 1.0], [5.0, 6.0, 4.0]], 'shift in the wrong direction': [[0.0, 1.0, 2.0], [0.0, 4.0, 5.0]], 'rows and columns swapped': [[4.0, 5.0, 6.0], [0.0, 0.0, 0.0]]})

@test_case(points=1, hidden=False)
def test_equivariant_layers_are_layer_names(equivariant_layers):
    from self_checks import CheckFailed, expect_names
    names = expect_names('equivariant_layers', equivariant_layers, ['fc_layer', 'offset_layer', 'shared_layer', 'local_layer'])
    if not names:
        raise CheckFailed('equivariant_layers is empty; at least one layer of this notebook is equivariant.')

@test_case(points=4, hidden=True)
def test_shift_random_non_square(shift):
    from grading import SHIFT_MISTAKES, ref_shift, shift_cases, shift_small, check_function
    check_function('shift', shift, ref_shift, shift_cases(), mistakes=SHIFT_MISTAKES, small_cases=shift_small(), what='on random non-square images (1x1 and integer ones too) and shifts in every direction')

@test_case(points=4, hidden=True)
def test_shift_zero_fills_instead_of_wrapping(shift):
    from grading import SHIFT_MISTAKES, ref_shift, shift_far_cases, shift_small, check_function
    import numpy as np
    X = np.arange(1.0, 13.0).reshape(3, 4)
    cases = [(X, 1, 1), (X, -1, 2), (X, 0, -3)] + shift_far_cases()
    check_function('shift', shift, ref_shift, cases, mistakes=SHIFT_MISTAKES, small_cases=shift_small(), what='where pixels leave the image, by a little or by more than the whole image in either direction')

@test_case(points=1, hidden=True)
def test_equivariant_layers_fc_layer(equivariant_layers):
    from grading import check_layer_name
    check_layer_name(equivariant_layers, 'fc_layer')

@test_case(points=1, hidden=True)
def test_equivariant_layers_offset_layer(equivariant_layers):
    from grading import check_layer_name
    check_layer_name(equivariant_layers, 'offset_layer')

@test_case(points=1, hidden=True)
def test_equivariant_layers_shared_layer(equivariant_layers):
    from grading import check_layer_name
    check_layer_name(equivariant_layers, 'shared_layer')

@test_case(points=1, hidden=True)
def test_equivariant_layers_local_layer(equivariant_layers):
    from grading import check_layer_name
    check_layer_name(equivariant_layers, 'local_layer')
