from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 35

@test_case(points=2, hidden=False)
def test_max_pool_worked_example(max_pool2d):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[[1.0, 2.0, 0.0, 1.0], [3.0, 4.0, 1.0, 0.0], [0.0, 1.0, 5.0, 6.0], [2.0, 1.0, 7.0, 8.0]]])
    expect_array('max_pool2d(X, 2)', max_pool2d(X, 2), [[[4.0, 1.0], [2.0, 8.0]]], shape_hint='(C, rows, columns)', call='max_pool2d(X, 2) with X[0] = [[1, 2, 0, 1], [3, 4, 1, 0], [0, 1, 5, 6], [2, 1, 7, 8]]', why='the largest value of each 2 x 2 block')

@test_case(points=2, hidden=False)
def test_max_pool_padding_never_wins(max_pool2d):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0], [-7.0, -8.0, -9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
    expect_array('max_pool2d(X, 3, 2, 1)', max_pool2d(X, 3, 2, 1), [[[-1.0, -2.0], [-4.0, -5.0]], [[5.0, 6.0], [8.0, 9.0]]], shape_hint='(C, rows, columns)', call='max_pool2d(X, 3, 2, 1) with X[0] = -[[1, 2, 3], [4, 5, 6], [7, 8, 9]] and X[1] = -X[0]', why='each channel on its own; padded pixels are never the maximum', mistakes={'zero padding in max pooling': [[[0.0, 0.0], [0.0, 0.0]], [[5.0, 6.0], [8.0, 9.0]]]})

@test_case(points=15, hidden=True)
def test_max_pool_random_channels_and_strides(max_pool2d):
    from grading import MAX_POOL_MISTAKES, check_pooling, pool_cases, ref_max_pool2d
    check_pooling('max_pool2d', max_pool2d, ref_max_pool2d, MAX_POOL_MISTAKES, pool_cases(201), what='on random maps of 1 to 4 channels, rectangular windows and strides unlike the window')

@test_case(points=8, hidden=True)
def test_max_pool_with_padding(max_pool2d):
    from grading import MAX_POOL_MISTAKES, check_pooling, padding_cases, ref_max_pool2d
    check_pooling('max_pool2d', max_pool2d, ref_max_pool2d, MAX_POOL_MISTAKES, padding_cases(202), what='with padding, on maps of negative values too')

@test_case(points=8, hidden=True)
def test_max_pool_integer_maps_and_edges(max_pool2d):
    from grading import MAX_POOL_MISTAKES, check_pooling, edge_cases, ref_max_pool2d
    check_pooling('max_pool2d', max_pool2d, ref_max_pool2d, MAX_POOL_MISTAKES, edge_cases(203), what='on integer maps, 1 x 1 windows, one-pixel maps or a window as large as the map')
