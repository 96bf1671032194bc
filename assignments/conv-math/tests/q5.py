from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 16

@test_case(points=1, hidden=False)
def test_conv1d_worked_example(conv1d):
    import numpy as np
    from self_checks import expect_array
    c = conv1d(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0]))
    expect_array('conv1d(f, g)', c, [1.0, 12.0, 23.0, 30.0], shape_hint='the full length len(f) + len(g) - 1 = 3 + 2 - 1', call='conv1d([1, 2, 3], [1, 10])', why='e.g. (f*g)(1) = f(0) g(1) + f(1) g(0) = 10 + 2', mistakes={'kernel not flipped: this is cross-correlation': [10.0, 21.0, 32.0, 3.0]}, complex_hint='an inverse FFT returns complex numbers: keep their .real part')

@test_case(points=1, hidden=False)
def test_conv2d_small_example(conv2d):
    import numpy as np
    from self_checks import expect_array
    c = conv2d(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 10.0]]))
    expect_array('conv2d(f, g)', c, [[1.0, 12.0, 20.0], [3.0, 34.0, 40.0]], shape_hint='the full shape (m1+m2-1, n1+n2-1) for f of shape (2, 2) and g of shape (1, 2)', call='conv2d([[1, 2], [3, 4]], [[1, 10]])', why='each row is conv1d(row, [1, 10])', mistakes={'kernel not flipped: this is cross-correlation': [[10.0, 21.0, 2.0], [30.0, 43.0, 4.0]]}, complex_hint='an inverse FFT returns complex numbers: keep their .real part')

@test_case(points=4, hidden=True)
def test_conv1d_random_lengths(conv1d):
    from grading import CONV1D_MISTAKES, conv1d_cases, conv1d_small, ref_conv1d, check_function
    check_function('conv1d', conv1d, ref_conv1d, conv1d_cases(), mistakes=CONV1D_MISTAKES, small_cases=conv1d_small(), what='on random lengths (g longer or shorter than f, length 1, integers, integers mixed with floats)')

@test_case(points=2, hidden=True)
def test_conv1d_flips_kernel(conv1d):
    from grading import CONV1D_MISTAKES, conv1d_small, ref_conv1d, check_function
    import numpy as np
    cases = [(np.array([0.0, 1.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0])), (np.array([2.0, -1.0, 0.5]), np.array([0.0, 1.0, 4.0, -2.0]))]
    check_function('conv1d', conv1d, ref_conv1d, cases, mistakes=CONV1D_MISTAKES, small_cases=conv1d_small(), what='on asymmetric kernels, where flipping matters')

@test_case(points=4, hidden=True)
def test_conv2d_random_rectangular(conv2d):
    from grading import CONV2D_MISTAKES, conv2d_cases, conv2d_small, ref_conv2d, check_function
    check_function('conv2d', conv2d, ref_conv2d, conv2d_cases(), mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what='on random rectangular arrays')

@test_case(points=3, hidden=True)
def test_conv2d_flips_kernel(conv2d):
    from grading import CONV2D_MISTAKES, conv2d_small, ref_conv2d, check_function
    import numpy as np
    impulse = np.zeros((3, 4))
    impulse[1, 1] = 1.0
    cases = [(impulse, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])), (np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 0.0]]), np.array([[0.0, 1.0, 2.0], [-1.0, 4.0, 0.5]]))]
    check_function('conv2d', conv2d, ref_conv2d, cases, mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what='on asymmetric kernels, where flipping matters')

@test_case(points=1, hidden=True)
def test_conv2d_integer_inputs_and_1x1(conv2d):
    from grading import CONV2D_MISTAKES, conv2d_edge_cases, conv2d_small, ref_conv2d, check_function
    check_function('conv2d', conv2d, ref_conv2d, conv2d_edge_cases(), mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what='on 1x1 arrays, single rows and columns, integer inputs or integers mixed with floats')

@test_case(points=0, hidden=True)
def test_conv2d_is_commutative(conv2d):
    from grading import check_conv2d_commutative, rng
    check_conv2d_commutative(conv2d, rng(511))

@test_case(points=0, hidden=True)
def test_conv2d_is_linear(conv2d):
    from grading import check_conv2d_linear, rng
    check_conv2d_linear(conv2d, rng(512))

@test_case(points=0, hidden=True)
def test_conv2d_shift_equivariant(conv2d):
    from grading import check_conv2d_shift_equivariant, rng
    check_conv2d_shift_equivariant(conv2d, rng(513))

@test_case(points=0, hidden=True)
def test_corr2d_matches_flipped_conv2d(corr2d, conv2d):
    from grading import check_corr2d_matches_flipped_conv2d, rng
    check_corr2d_matches_flipped_conv2d(corr2d, conv2d, rng(514))
