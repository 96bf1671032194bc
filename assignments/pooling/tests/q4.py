from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = [4, 3, 3]

@test_case(points=None, hidden=False)
def test_pooled_is_your_max_pool_of_the_data(env):
    import numpy as np
    from self_checks import CheckFailed, expect_array
    features = env['features']
    if not (isinstance(features, np.ndarray) and features.shape == (3, 12, 16) and np.allclose(features.sum(axis=(1, 2)), [21.0, 20.8, 13.792])):
        raise CheckFailed('features is not the content of feature_maps.npy (three 12 x 16 maps): load it with np.load and do not change it.')
    yours = env['max_pool2d'](features, 2)
    if not (isinstance(yours, np.ndarray) and yours.ndim == 3):
        raise CheckFailed('max_pool2d(features, 2) does not return feature maps yet, so pooled cannot be checked: finish question 2 first.')
    expect_array('pooled', env['pooled'], yours, shape_hint='the shape max_pool2d(features, 2) returns', call='pooled', why='max_pool2d(features, 2), with your max_pool2d')

@test_case(points=None, hidden=True)
def test_pooled_features_from_the_data_file(env):
    from grading import check_pooled_features
    check_pooled_features(env)

@test_case(points=None, hidden=True)
def test_strongest_channel_by_global_average(env):
    from grading import check_strongest_channel
    check_strongest_channel(env)
