"""More one-mistake mutants: the mistakes students really make, one per notebook.

Each entry is file stem -> (name replaced, new source).  make_corpus.py writes each into the filled
solution notebook; tests/test_corpus.py proves each differs from the reference on random inputs
(tests/submissions/mutants/manifest.toml says which hidden tests must catch it and which
misconception, or none, its feedback must name).
"""

MORE_MUTANTS: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ q1 fc_layer
    "fc_layer_zeros_like_X": ("fc_layer", '''
        def fc_layer(X, W, U):
            """Fully connected layer."""
            h, w = X.shape
            H = np.zeros_like(X)
            for i in range(h):
                for j in range(w):
                    H[i, j] = U[i, j] + np.sum(W[i, j] * X)
            return H
    '''),
    "fc_layer_U_copy": ("fc_layer", '''
        def fc_layer(X, W, U):
            """Fully connected layer: start from a copy of the bias."""
            h, w = X.shape
            H = U.copy()
            for i in range(h):
                for j in range(w):
                    H[i, j] += np.sum(W[i, j] * X)
            return H
    '''),
    "fc_layer_W_index_order": ("fc_layer", '''
        def fc_layer(X, W, U):
            """Fully connected layer."""
            return U + np.einsum("klij,kl->ij", W, X)
    '''),
    "fc_layer_X_transposed": ("fc_layer", '''
        def fc_layer(X, W, U):
            """Fully connected layer."""
            h, w = X.shape
            H = np.array(U, dtype=float)
            for i in range(h):
                for j in range(w):
                    H[i, j] += np.sum(W[i, j] * X.T)
            return H
    '''),
    "fc_layer_not_implemented": ("fc_layer", '''
        def fc_layer(X, W, U):
            """Fully connected layer: H[i, j] = U[i, j] + sum_k sum_l W[i, j, k, l] X[k, l]."""
            ...
    '''),
    # ------------------------------------------------------------------ q1 fc_num_weights
    "fc_num_weights_hw": ("fc_num_weights", '''
        def fc_num_weights(h, w):
            """Number of entries of W: one weight per pixel."""
            return h * w
    '''),
    "fc_num_weights_float": ("fc_num_weights", '''
        def fc_num_weights(h, w):
            """Number of entries of W."""
            return float(h * w) ** 2
    '''),
    "fc_num_weights_np_int64": ("fc_num_weights", '''
        def fc_num_weights(h, w):
            """Number of entries of W."""
            n = np.int64(h) * np.int64(w)
            return n * n
    '''),
    "fc_num_weights_int_of_np_prod": ("fc_num_weights", '''
        def fc_num_weights(h, w):
            """Number of entries of W, as a Python int."""
            return int(np.prod(np.array([h, w, h, w])))
    '''),
    "fc_num_weights_h2w": ("fc_num_weights", '''
        def fc_num_weights(h, w):
            """Number of entries of W."""
            return h * h * w
    '''),
    # ------------------------------------------------------------------ q2 reindex, offset_layer
    "reindex_W_index_order": ("reindex", '''
        def reindex(W):
            """Re-index W by offsets."""
            h, w = W.shape[:2]
            V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
            for i in range(h):
                for j in range(w):
                    for k in range(h):
                        for l in range(w):
                            V[i, j, k - i + h - 1, l - j + w - 1] = W[k, l, i, j]
            return V
    '''),
    "reindex_no_zero_outside": ("reindex", '''
        def reindex(W):
            """Re-index W by offsets (numpy wraps negative indices around)."""
            h, w = W.shape[:2]
            V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
            for i in range(h):
                for j in range(w):
                    for a in range(-(h - 1), h):
                        for b in range(-(w - 1), w):
                            if i + a < h and j + b < w:
                                V[i, j, a + h - 1, b + w - 1] = W[i, j, i + a, j + b]
            return V
    '''),
    "offset_layer_missing_bias": ("offset_layer", '''
        def offset_layer(X, V, U):
            """Layer with offset weights."""
            h, w = X.shape
            H = np.zeros((h, w))
            for i in range(h):
                for j in range(w):
                    H[i, j] = np.sum(V[i, j, h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j] * X)
            return H
    '''),
    "offset_layer_zeros_like_X": ("offset_layer", '''
        def offset_layer(X, V, U):
            """Layer with offset weights."""
            h, w = X.shape
            H = np.zeros_like(X)
            for i in range(h):
                for j in range(w):
                    H[i, j] = U[i, j] + np.sum(V[i, j, h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j] * X)
            return H
    '''),
    "offset_layer_wraps_around": ("offset_layer", '''
        def offset_layer(X, V, U):
            """Layer with offset weights: X[i + a, j + b] for every offset."""
            h, w = X.shape
            H = np.array(U, dtype=float)
            for i in range(h):
                for j in range(w):
                    for a in range(-(h - 1), h):
                        for b in range(-(w - 1), w):
                            H[i, j] += V[i, j, a + h - 1, b + w - 1] * X[(i + a) % h, (j + b) % w]
            return H
    '''),
    # ------------------------------------------------------------------ q3 shared_layer, expand_shared, shared_num_weights
    "shared_layer_full_with_int_u": ("shared_layer", '''
        def shared_layer(X, V, u):
            """Shared weights at every position."""
            h, w = X.shape
            H = np.full((h, w), u)
            for i in range(h):
                for j in range(w):
                    H[i, j] += np.sum(V[h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j] * X)
            return H
    '''),
    "shared_layer_zeros_like_X": ("shared_layer", '''
        def shared_layer(X, V, u):
            """Shared weights at every position."""
            h, w = X.shape
            H = np.zeros_like(X)
            for i in range(h):
                for j in range(w):
                    H[i, j] = u + np.sum(V[h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j] * X)
            return H
    '''),
    "shared_layer_sign_flipped": ("shared_layer", '''
        def shared_layer(X, V, u):
            """Shared weights at every position."""
            h, w = X.shape
            H = np.full((h, w), float(u))
            for i in range(h):
                for j in range(w):
                    for k in range(h):
                        for l in range(w):
                            H[i, j] += V[i - k + h - 1, j - l + w - 1] * X[k, l]
            return H
    '''),
    "shared_layer_wraps_around": ("shared_layer", '''
        def shared_layer(X, V, u):
            """Add shifted copies of X weighted by V."""
            h, w = X.shape
            H = np.full((h, w), float(u))
            for a in range(-(h - 1), h):
                for b in range(-(w - 1), w):
                    H += V[a + h - 1, b + w - 1] * np.roll(X, (-a, -b), axis=(0, 1))
            return H
    '''),
    "expand_shared_W_sign_flipped": ("expand_shared", '''
        def expand_shared(V, u, h, w):
            """The fully connected (W, U) behind shared weights."""
            W = np.zeros((h, w, h, w))
            for i in range(h):
                for j in range(w):
                    for k in range(h):
                        for l in range(w):
                            W[i, j, k, l] = V[i - k + h - 1, j - l + w - 1]
            return W, np.full((h, w), float(u))
    '''),
    "expand_shared_U_ones": ("expand_shared", '''
        def expand_shared(V, u, h, w):
            """The fully connected (W, U) behind shared weights."""
            W = np.zeros((h, w, h, w))
            for i in range(h):
                for j in range(w):
                    W[i, j] = V[h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j]
            U = np.ones((h, w))
            return W, U
    '''),
    "expand_shared_U_scalar": ("expand_shared", '''
        def expand_shared(V, u, h, w):
            """The fully connected (W, U) behind shared weights; U is the shared bias."""
            W = np.zeros((h, w, h, w))
            for i in range(h):
                for j in range(w):
                    W[i, j] = V[h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j]
            return W, u
    '''),
    "shared_num_weights_hw": ("shared_num_weights", '''
        def shared_num_weights(h, w):
            """One shared weight per offset."""
            return h * w
    '''),
    "shared_num_weights_np_int64": ("shared_num_weights", '''
        def shared_num_weights(h, w):
            """Number of entries of V."""
            return np.int64(2 * h - 1) * np.int64(2 * w - 1)
    '''),
    "shared_num_weights_plus_one": ("shared_num_weights", '''
        def shared_num_weights(h, w):
            """Number of entries of V."""
            return (2 * h + 1) * (2 * w + 1)
    '''),
    # ------------------------------------------------------------------ q4 local_layer, local_num_weights, corr2d
    "local_layer_full_with_int_u": ("local_layer", '''
        def local_layer(X, V, u):
            """Local layer."""
            h, w = X.shape
            kh, kw = V.shape
            dh, dw = (kh - 1) // 2, (kw - 1) // 2
            P = np.zeros((h + 2 * dh, w + 2 * dw))
            P[dh : dh + h, dw : dw + w] = X
            H = np.full((h, w), u)
            for i in range(h):
                for j in range(w):
                    H[i, j] += np.sum(V * P[i : i + kh, j : j + kw])
            return H
    '''),
    "local_layer_zeros_like_X": ("local_layer", '''
        def local_layer(X, V, u):
            """Local layer."""
            h, w = X.shape
            kh, kw = V.shape
            dh, dw = (kh - 1) // 2, (kw - 1) // 2
            P = np.pad(X, ((dh, dh), (dw, dw)))
            H = np.zeros_like(X)
            for i in range(h):
                for j in range(w):
                    H[i, j] = u + np.sum(V * P[i : i + kh, j : j + kw])
            return H
    '''),
    "local_layer_missing_bias": ("local_layer", '''
        def local_layer(X, V, u):
            """Local layer."""
            h, w = X.shape
            kh, kw = V.shape
            dh, dw = (kh - 1) // 2, (kw - 1) // 2
            P = np.pad(np.asarray(X, dtype=float), ((dh, dh), (dw, dw)))
            H = np.zeros((h, w))
            for i in range(h):
                for j in range(w):
                    H[i, j] = np.sum(V * P[i : i + kh, j : j + kw])
            return H
    '''),
    "local_layer_no_padding": ("local_layer", '''
        def local_layer(X, V, u):
            """Local layer: slide V over X."""
            h, w = X.shape
            kh, kw = V.shape
            H = np.full((h - kh + 1, w - kw + 1), float(u))
            for i in range(h - kh + 1):
                for j in range(w - kw + 1):
                    H[i, j] += np.sum(V * X[i : i + kh, j : j + kw])
            return H
    '''),
    "local_layer_half_width_off_by_one": ("local_layer", '''
        def local_layer(X, V, u):
            """Local layer."""
            h, w = X.shape
            dh, dw = V.shape[0] // 2 + 1, V.shape[1] // 2 + 1
            P = np.zeros((h + 2 * dh, w + 2 * dw))
            P[dh : dh + h, dw : dw + w] = X
            H = np.full((h, w), float(u))
            for i in range(h):
                for j in range(w):
                    H[i, j] += np.sum(V * P[i : i + V.shape[0], j : j + V.shape[1]])
            return H
    '''),
    "local_num_weights_one_axis": ("local_num_weights", '''
        def local_num_weights(delta):
            """Number of weights of the kernel."""
            return 2 * delta + 1
    '''),
    "local_num_weights_np_square": ("local_num_weights", '''
        def local_num_weights(delta):
            """Number of weights of the kernel."""
            return np.square(2 * delta + 1)
    '''),
    "local_num_weights_float_power": ("local_num_weights", '''
        def local_num_weights(delta):
            """Number of weights of the kernel, as an int."""
            return int((2 * delta + 1) ** 2.0)
    '''),
    "corr2d_zeros_like_X": ("corr2d", '''
        def corr2d(X, K):
            """Valid cross-correlation."""
            h, w = X.shape
            kh, kw = K.shape
            Y = np.zeros_like(X)[: h - kh + 1, : w - kw + 1]
            for i in range(h - kh + 1):
                for j in range(w - kw + 1):
                    Y[i, j] = np.sum(X[i : i + kh, j : j + kw] * K)
            return Y
    '''),
    "corr2d_full_size": ("corr2d", '''
        def corr2d(X, K):
            """Cross-correlation over every overlap."""
            h, w = X.shape
            kh, kw = K.shape
            P = np.zeros((h + 2 * (kh - 1), w + 2 * (kw - 1)))
            P[kh - 1 : kh - 1 + h, kw - 1 : kw - 1 + w] = X
            Y = np.zeros((h + kh - 1, w + kw - 1))
            for i in range(h + kh - 1):
                for j in range(w + kw - 1):
                    Y[i, j] = np.sum(P[i : i + kh, j : j + kw] * K)
            return Y
    '''),
    "corr2d_square_kernel": ("corr2d", '''
        def corr2d(X, K):
            """Valid cross-correlation with a k x k kernel."""
            h, w = X.shape
            k = K.shape[0]
            Y = np.zeros((h - k + 1, w - k + 1))
            for i in range(h - k + 1):
                for j in range(w - k + 1):
                    for a in range(k):
                        for b in range(k):
                            Y[i, j] += K[a, b] * X[i + a, j + b]
            return Y
    '''),
    # ------------------------------------------------------------------ q5 conv1d, conv2d
    "conv1d_zeros_of_f_dtype": ("conv1d", '''
        def conv1d(f, g):
            """Full 1-D convolution."""
            m, n = len(f), len(g)
            c = np.zeros(m + n - 1, dtype=f.dtype)
            for a in range(m):
                c[a : a + n] += f[a] * g
            return c
    '''),
    "conv1d_valid_length": ("conv1d", '''
        def conv1d(f, g):
            """1-D convolution where g fits inside f."""
            m, n = len(f), len(g)
            c = np.zeros(m - n + 1)
            for i in range(m - n + 1):
                c[i] = np.sum(f[i : i + n] * g[::-1])
            return c
    '''),
    "conv1d_fft_complex": ("conv1d", '''
        def conv1d(f, g):
            """Full 1-D convolution by FFT."""
            n = len(f) + len(g) - 1
            return np.fft.ifft(np.fft.fft(f, n) * np.fft.fft(g, n))
    '''),
    "conv1d_fft_circular": ("conv1d", '''
        def conv1d(f, g):
            """1-D convolution by FFT."""
            n = max(len(f), len(g))
            return np.real(np.fft.ifft(np.fft.fft(f, n) * np.fft.fft(g, n)))
    '''),
    "conv1d_raises_not_implemented": ("conv1d", '''
        def conv1d(f, g):
            """Full 1-D convolution."""
            raise NotImplementedError("conv1d: to do")
    '''),
    "conv2d_fft_complex": ("conv2d", '''
        def conv2d(f, g):
            """Full 2-D convolution by FFT."""
            shape = (f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1)
            return np.fft.ifft2(np.fft.fft2(f, shape) * np.fft.fft2(g, shape))
    '''),
    "conv2d_fft_abs": ("conv2d", '''
        def conv2d(f, g):
            """Full 2-D convolution by FFT."""
            shape = (f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1)
            return np.abs(np.fft.ifft2(np.fft.fft2(f, shape) * np.fft.fft2(g, shape)))
    '''),
    "conv2d_fft_circular": ("conv2d", '''
        def conv2d(f, g):
            """2-D convolution by FFT."""
            return np.real(np.fft.ifft2(np.fft.fft2(f) * np.fft.fft2(g, f.shape)))
    '''),
    "conv2d_zeros_of_f_dtype": ("conv2d", '''
        def conv2d(f, g):
            """Full 2-D convolution."""
            (m1, n1), (m2, n2) = f.shape, g.shape
            c = np.zeros((m1 + m2 - 1, n1 + n2 - 1), dtype=f.dtype)
            for a in range(m1):
                for b in range(n1):
                    c[a : a + m2, b : b + n2] += f[a, b] * g
            return c
    '''),
    "conv2d_not_implemented": ("conv2d", '''
        def conv2d(f, g):
            """Full 2-D convolution: c[i, j] = sum_a sum_b f[a, b] g[i-a, j-b]."""
            ...
    '''),
    # ------------------------------------------------------------------ q6 shift, equivariant_layers
    "shift_no_guard_for_far_shifts": ("shift", '''
        def shift(X, di, dj):
            """Move the picture di rows down and dj columns right."""
            h, w = X.shape
            Y = np.zeros_like(X)
            Y[max(di, 0) : h + min(di, 0), max(dj, 0) : w + min(dj, 0)] = X[max(-di, 0) : h - max(di, 0), max(-dj, 0) : w - max(dj, 0)]
            return Y
    '''),
    "shift_positive_only": ("shift", '''
        def shift(X, di, dj):
            """Move the picture di rows down and dj columns right."""
            h, w = X.shape
            Y = np.zeros_like(X)
            Y[di:, dj:] = X[: h - di, : w - dj]
            return Y
    '''),
    "shift_roll_then_clear_one_side": ("shift", '''
        def shift(X, di, dj):
            """Roll, then clear the rows and columns that came round from the other side."""
            Y = np.roll(X, (di, dj), axis=(0, 1))
            if di > 0:
                Y[:di] = 0
            if dj > 0:
                Y[:, :dj] = 0
            return Y
    '''),
    "equivariant_layers_all_four": ("equivariant_layers", '''
        equivariant_layers = {"fc_layer", "offset_layer", "shared_layer", "local_layer"}
    '''),
    "equivariant_layers_with_offset": ("equivariant_layers", '''
        equivariant_layers = {"offset_layer", "shared_layer", "local_layer"}
    '''),
    "equivariant_layers_only_local": ("equivariant_layers", '''
        equivariant_layers = {"local_layer"}
    '''),
}
