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

@test_case(points=3, hidden=True)
def test_conv1d_random_lengths(conv1d):
    from autograder.checks import check_function
    from grading import CONV1D_MISTAKES, conv1d_cases, conv1d_small, ref_conv1d
    check_function('conv1d', conv1d, ref_conv1d, conv1d_cases(), mistakes=CONV1D_MISTAKES, small_cases=conv1d_small(), what='on random lengths (g longer or shorter than f, length 1, integers)')

@test_case(points=2, hidden=True)
def test_conv1d_flips_kernel(conv1d):
    from autograder.checks import check_function
    from grading import CONV1D_MISTAKES, conv1d_small, ref_conv1d
    import numpy as np
    cases = [(np.array([0.0, 1.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0])), (np.array([2.0, -1.0, 0.5]), np.array([0.0, 1.0, 4.0, -2.0]))]
    check_function('conv1d', conv1d, ref_conv1d, cases, mistakes=CONV1D_MISTAKES, small_cases=conv1d_small(), what='on asymmetric kernels, where flipping matters')

@test_case(points=3, hidden=True)
def test_conv2d_random_rectangular(conv2d):
    from autograder.checks import check_function
    from grading import CONV2D_MISTAKES, conv2d_cases, conv2d_small, ref_conv2d
    check_function('conv2d', conv2d, ref_conv2d, conv2d_cases(), mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what='on random rectangular arrays')

@test_case(points=2, hidden=True)
def test_conv2d_flips_kernel(conv2d):
    from autograder.checks import check_function
    from grading import CONV2D_MISTAKES, conv2d_small, ref_conv2d
    import numpy as np
    impulse = np.zeros((3, 4))
    impulse[1, 1] = 1.0
    cases = [(impulse, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])), (np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 0.0]]), np.array([[0.0, 1.0, 2.0], [-1.0, 4.0, 0.5]]))]
    check_function('conv2d', conv2d, ref_conv2d, cases, mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what='on asymmetric kernels, where flipping matters')

@test_case(points=1, hidden=True)
def test_conv2d_integer_inputs_and_1x1(conv2d):
    from autograder.checks import check_function
    from grading import CONV2D_MISTAKES, conv2d_edge_cases, conv2d_small, ref_conv2d
    check_function('conv2d', conv2d, ref_conv2d, conv2d_edge_cases(), mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what='on 1x1 arrays, single rows and columns, or integer inputs')

@test_case(points=2, hidden=True)
def test_conv2d_is_commutative(conv2d):
    from grading import expect_close_arrays, expect_full_shape, rng
    r = rng(511)
    for s1, s2 in [((4, 3), (2, 5)), ((3, 6), (3, 2))]:
        f, g = (r.normal(size=s1), r.normal(size=s2))
        fg, gf = (conv2d(f, g), conv2d(g, f))
        expect_full_shape('conv2d(f, g)', fg, s1, s2)
        expect_full_shape('conv2d(g, f)', gf, s2, s1)
        expect_close_arrays('conv2d', gf, fg, f'conv2d(g, f) differs from conv2d(f, g) for f of shape {s1} and g of shape {s2}: true convolution is commutative. Likely mistake: kernel not flipped: this is cross-correlation, which is not commutative.', misconception='kernel not flipped: this is cross-correlation')

@test_case(points=1, hidden=True)
def test_conv2d_is_linear(conv2d):
    from grading import expect_close_arrays, expect_full_shape, rng
    r = rng(512)
    f1, f2, g = (r.normal(size=(4, 5)), r.normal(size=(4, 5)), r.normal(size=(3, 2)))
    left = conv2d(2.0 * f1 - 3.0 * f2, g)
    a, b = (conv2d(f1, g), conv2d(f2, g))
    for got in (left, a, b):
        expect_full_shape('conv2d(f, g)', got, f1.shape, g.shape)
    expect_close_arrays('conv2d', left, 2.0 * a - 3.0 * b, 'conv2d(2 f1 - 3 f2, g) differs from 2 conv2d(f1, g) - 3 conv2d(f2, g): convolution is linear in each argument (a bias or a constant term breaks this).', misconception='not linear')

@test_case(points=2, hidden=True)
def test_conv2d_shift_equivariant(conv2d):
    from grading import expect_close_arrays, expect_full_shape, rng
    import numpy as np
    r = rng(513)
    f, g = (r.normal(size=(4, 5)), r.normal(size=(2, 3)))
    moved = np.zeros((6, 6))
    moved[2:, 1:] = f
    c, c_moved = (conv2d(f, g), conv2d(moved, g))
    expect_full_shape('conv2d(f, g)', c, f.shape, g.shape)
    expect_full_shape('conv2d(f, g)', c_moved, moved.shape, g.shape)
    expected = np.zeros((7, 8))
    expected[2:, 1:] = c
    expect_close_arrays('conv2d', c_moved, expected, 'Moving f down by 2 rows and right by 1 column (padding it with zeros) did not move conv2d(f, g) by the same amount: convolution is shift-equivariant.', misconception='not shift-equivariant')

@test_case(points=2, hidden=True)
def test_corr2d_matches_flipped_conv2d(corr2d, conv2d):
    from autograder.checks import StudentMistake, matches
    from grading import ref_conv2d, ref_corr2d, rng
    r = rng(514)
    for (h, w), (kh, kw) in [((5, 7), (2, 3)), ((6, 4), (3, 3))]:
        X, K = (r.normal(size=(h, w)), r.normal(size=(kh, kw)))
        Y, C = (corr2d(X, K), conv2d(X, K[::-1, ::-1]))
        crop = C[kh - 1:h, kw - 1:w] if hasattr(C, 'shape') and C.ndim == 2 else None
        if not matches(Y, ref_corr2d(X, K)):
            raise StudentMistake(f'corr2d(X, K) is wrong for a {h}x{w} image and a {kh}x{kw} kernel, so it cannot equal the crop [kh-1:h, kw-1:w] of conv2d(X, K[::-1, ::-1]).', misconception='corr2d is not the flipped convolution')
        if not matches(C, ref_conv2d(X, K[::-1, ::-1])) or not matches(crop, Y):
            raise StudentMistake(f'The crop [kh-1:h, kw-1:w] of conv2d(X, K[::-1, ::-1]) differs from corr2d(X, K) for a {h}x{w} image and a {kh}x{kw} kernel: cross-correlation is convolution with the kernel flipped on both axes. Likely mistake: kernel not flipped: this is cross-correlation (or one axis flipped) in conv2d.', misconception='kernel not flipped: this is cross-correlation')
