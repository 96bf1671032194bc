from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 10

@test_case(points=None, hidden=False)
def test_output_shape_tiles(pool_output_shape):
    from self_checks import expect_int, expect_pair
    got = expect_pair('pool_output_shape(6, 8, 2)', pool_output_shape(6, 8, 2), '(rows, columns)')
    expect_int('pool_output_shape(6, 8, 2)[0]', got[0], 3)
    expect_int('pool_output_shape(6, 8, 2)[1]', got[1], 4, mistakes={'stride ignored: windows step by one pixel': 7})

@test_case(points=None, hidden=False)
def test_output_shape_stride_and_padding(pool_output_shape):
    from self_checks import expect_int, expect_pair
    got = expect_pair('pool_output_shape(5, 5, 3, 2, 1)', pool_output_shape(5, 5, 3, 2, 1), '(rows, columns)')
    expect_int('pool_output_shape(5, 5, 3, 2, 1)[0]', got[0], 3, mistakes={'padding on one side only': 2})
    expect_int('pool_output_shape(5, 5, 3, 2, 1)[1]', got[1], 3, mistakes={'padding on one side only': 2})

@test_case(points=None, hidden=True)
def test_output_shape_rectangular(pool_output_shape):
    from grading import check_output_shape, shape_cases
    check_output_shape(pool_output_shape, shape_cases()[2:6])

@test_case(points=None, hidden=True)
def test_output_shape_partial_windows_dropped(pool_output_shape):
    from grading import check_output_shape
    check_output_shape(pool_output_shape, [(7, 7, 2), (10, 9, 3, 2), (13, 9, (4, 2), None, (2, 1))])

@test_case(points=None, hidden=True)
def test_output_shape_common_layers(pool_output_shape):
    from grading import check_output_shape
    check_output_shape(pool_output_shape, [(224, 224, 2), (32, 32, 3, 1, 1), (1, 1, 1), (55, 55, 3, 2)])
