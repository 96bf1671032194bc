from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 30

@test_case(points=2, hidden=False)
def test_avg_pool_worked_example(avg_pool2d):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[[1.0, 2.0, 0.0, 1.0], [3.0, 4.0, 1.0, 0.0], [0.0, 1.0, 5.0, 6.0], [2.0, 1.0, 7.0, 8.0]]])
    expect_array('avg_pool2d(X, 2)', avg_pool2d(X, 2), [[[2.5, 0.5], [1.0, 6.5]]], shape_hint='(C, rows, columns)', call='avg_pool2d(X, 2) with X[0] = [[1, 2, 0, 1], [3, 4, 1, 0], [0, 1, 5, 6], [2, 1, 7, 8]]', why='the mean of each 2 x 2 block', mistakes={'window sum instead of mean': [[[10.0, 2.0], [4.0, 26.0]]]})

@test_case(points=2, hidden=False)
def test_avg_pool_padding_counts_as_zero(avg_pool2d):
    import numpy as np
    from self_checks import expect_array
    X = np.full((1, 2, 2), 4.0)
    expect_array('avg_pool2d(X, 3, 1, 1)', avg_pool2d(X, 3, 1, 1), [[[16 / 9, 16 / 9], [16 / 9, 16 / 9]]], shape_hint='(C, rows, columns)', call='avg_pool2d(X, 3, 1, 1) with X[0] = [[4, 4], [4, 4]]', why='each 3 x 3 window holds the four 4s and five padded zeros: 16 / 9', mistakes={'padding left out of the mean': [[[4.0, 4.0], [4.0, 4.0]]]})

@test_case(points=14, hidden=True)
def test_avg_pool_random_channels_and_strides(avg_pool2d):
    from grading import AVG_POOL_MISTAKES, check_pooling, pool_cases, ref_avg_pool2d
    check_pooling('avg_pool2d', avg_pool2d, ref_avg_pool2d, AVG_POOL_MISTAKES, pool_cases(301), what='on random maps of 1 to 4 channels, rectangular windows and strides unlike the window')

@test_case(points=6, hidden=True)
def test_avg_pool_with_padding(avg_pool2d):
    from grading import AVG_POOL_MISTAKES, check_pooling, padding_cases, ref_avg_pool2d
    check_pooling('avg_pool2d', avg_pool2d, ref_avg_pool2d, AVG_POOL_MISTAKES, padding_cases(302), what='with padding')

@test_case(points=6, hidden=True)
def test_avg_pool_integer_maps_and_edges(avg_pool2d):
    from grading import AVG_POOL_MISTAKES, check_pooling, edge_cases, ref_avg_pool2d
    check_pooling('avg_pool2d', avg_pool2d, ref_avg_pool2d, AVG_POOL_MISTAKES, edge_cases(303), what='on integer maps, 1 x 1 windows, one-pixel maps or a window as large as the map')
