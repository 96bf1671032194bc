from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = [2, 5, 3]

@test_case(points=None, hidden=False)
def test_pooled_features_shape(env):
    import numpy as np
    from self_checks import CheckFailed, expect_array
    features = env['features']
    if not (isinstance(features, np.ndarray) and features.shape == (3, 12, 16) and np.allclose(features.sum(axis=(1, 2)), [21.0, 20.8, 13.792])):
        raise CheckFailed('features is not the content of feature_maps.npy (three 12 x 16 maps): load it with np.load and do not change it.')
    expected = features.reshape(3, 6, 2, 8, 2).max(axis=(2, 4))
    expect_array('pooled', env['pooled'], expected, shape_hint='three channels of 6 x 8', call='pooled', why='the largest value of each 2 x 2 block of each channel of features')

@test_case(points=None, hidden=True)
def test_pooled_features_from_the_data_file(env):
    from grading import check_pooled_features
    check_pooled_features(env)

@test_case(points=None, hidden=True)
def test_strongest_channel_by_global_average(env):
    from grading import check_strongest_channel
    check_strongest_channel(env)
