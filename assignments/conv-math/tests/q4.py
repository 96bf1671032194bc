from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 18

@test_case(points=1, hidden=False)
def test_local_layer_small_example(local_layer):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0, 3.0]])
    V = np.array([[1.0, 10.0, 100.0]])
    expect_array('local_layer(X, V, u)', local_layer(X, V, 0.0), [[210.0, 321.0, 32.0]], shape_hint='the output has the shape of X', call='local_layer(X, V, 0) with X = [[1, 2, 3]] and the 1x3 kernel V = [[1, 10, 100]] (dh = 0, dw = 1)', why='e.g. H[0, 0] = 10*1 + 100*2: the pixel left of the image is 0', mistakes={'wraps around the border instead of zero padding': [[213.0, 321.0, 132.0]], "kernel flipped: this is a true convolution, not the layer's cross-correlation": [[12.0, 123.0, 230.0]]})

@test_case(points=1, hidden=False)
def test_local_num_weights_slide(local_num_weights):
    from self_checks import expect_int
    expect_int('local_num_weights(5)', local_num_weights(5), 121, mistakes={'kernel size 2*delta instead of 2*delta + 1': 100, 'one axis only': 11})

@test_case(points=1, hidden=False)
def test_corr2d_worked_example(corr2d):
    import numpy as np
    from self_checks import expect_array
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    K = np.array([[1.0, 10.0]])
    expect_array('corr2d(X, K)', corr2d(X, K), [[21.0, 32.0], [54.0, 65.0]], shape_hint='(h-kh+1, w-kw+1) for X of shape (2, 3) and K of shape (1, 2)', call='corr2d(X, K) with X = [[1, 2, 3], [4, 5, 6]] and K = [[1, 10]]', why='e.g. Y[0, 0] = 1*1 + 10*2: the kernel is not flipped', mistakes={'kernel flipped: this is a true convolution': [[12.0, 23.0], [45.0, 56.0]]}, complex_hint='an inverse FFT returns complex numbers: keep their .real part')

@test_case(points=5, hidden=True)
def test_local_layer_random_rectangular_kernels(local_layer):
    from grading import LOCAL_LAYER_MISTAKES, local_cases, local_small, ref_local_layer, check_function
    check_function('local_layer', local_layer, ref_local_layer, local_cases(), mistakes=LOCAL_LAYER_MISTAKES, small_cases=local_small(), what='on random non-square images with rectangular kernels, integer inputs or integers mixed with floats')

@test_case(points=2, hidden=True)
def test_local_layer_kernel_as_large_as_image_and_1x1(local_layer):
    from grading import LOCAL_LAYER_MISTAKES, local_edge_cases, local_small, ref_local_layer, check_function
    check_function('local_layer', local_layer, ref_local_layer, local_edge_cases(), mistakes=LOCAL_LAYER_MISTAKES, small_cases=local_small(), what='on a 1x1 image, 1x1 kernels or kernels larger than the image')

@test_case(points=0, hidden=True)
def test_local_layer_shift_equivariant(local_layer):
    from grading import check_layer_shift_equivariant, embed, rng
    r = rng(411)
    for (h, w), (kh, kw), (di, dj) in [((8, 11), (3, 5), (2, -1)), ((10, 7), (5, 3), (-1, 2))]:
        X = embed(r, h, w, 2)
        V = r.normal(size=(kh, kw))
        check_layer_shift_equivariant('local_layer', local_layer, X, (V, 0.5), di, dj)

@test_case(points=4, hidden=True)
def test_corr2d_random_non_square(corr2d):
    from grading import CORR2D_MISTAKES, corr2d_cases, corr2d_small, ref_corr2d, check_function
    check_function('corr2d', corr2d, ref_corr2d, corr2d_cases(), mistakes=CORR2D_MISTAKES, small_cases=corr2d_small(), what='on random non-square images with rectangular kernels, integer inputs or integers mixed with floats')

@test_case(points=2, hidden=True)
def test_corr2d_kernel_as_large_as_image_1x1_and_integers(corr2d):
    from grading import CORR2D_MISTAKES, corr2d_edge_cases, corr2d_small, ref_corr2d, check_function
    check_function('corr2d', corr2d, ref_corr2d, corr2d_edge_cases(), mistakes=CORR2D_MISTAKES, small_cases=corr2d_small(), what='on a 1x1 image, a kernel as large as the image, 1x1 kernels, integer inputs or integers mixed with floats')

@test_case(points=1, hidden=True)
def test_local_num_weights_slide_and_delta_zero(local_num_weights):
    from grading import LOCAL_COUNT_MISTAKES, check_counts, ref_local_num_weights
    check_counts('local_num_weights', local_num_weights, ref_local_num_weights, [(5,), (0,), (1,), (3,), (12,)], mistakes=LOCAL_COUNT_MISTAKES)

@test_case(points=1, hidden=True)
def test_local_num_weights_exact_beyond_int64(local_num_weights):
    from grading import LOCAL_COUNT_MISTAKES, check_counts, ref_local_num_weights
    check_counts('local_num_weights', local_num_weights, ref_local_num_weights, [(2 ** 40,), (10 ** 12,)], mistakes=LOCAL_COUNT_MISTAKES)
