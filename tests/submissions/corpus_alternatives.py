"""More correct alternatives, in the styles students really write.

Each entry is file stem -> (sources, extra cells): `sources` maps a name of the contract to the
code that replaces the solution's definition (helpers it needs come in the same source), `extra`
is a list of (name, code) cells inserted after the cell that defines `name` (comparisons with a
library, prints, experiments).  make_corpus.py writes each into the filled solution notebook;
tests/test_corpus.py proves every replaced function equals the reference on random inputs and
that every notebook earns full marks.
"""

ALTERNATIVES: dict[str, tuple[dict[str, str], list[tuple[str, str]]]] = {
    "pure_python_lists": ({
        "fc_layer": '''
            def fc_layer(X, W, U):
                h, w = len(X), len(X[0])
                rows = []
                for i in range(h):
                    row = []
                    for j in range(w):
                        total = float(U[i][j])
                        for k in range(h):
                            for l in range(w):
                                total += float(W[i][j][k][l]) * float(X[k][l])
                        row.append(total)
                    rows.append(row)
                return np.array(rows)
        ''',
        "conv1d": '''
            def conv1d(f, g):
                f, g = list(f), list(g)
                out = [0.0] * (len(f) + len(g) - 1)
                for a, fa in enumerate(f):
                    for b, gb in enumerate(g):
                        out[a + b] += float(fa) * float(gb)
                return np.array(out)
        ''',
    }, []),
    "pad_and_slice": ({
        "local_layer": '''
            def local_layer(X, V, u):
                h, w = X.shape
                dh, dw = V.shape[0] // 2, V.shape[1] // 2
                P = np.pad(X.astype(float), ((dh, dh), (dw, dw)))
                H = np.full((h, w), float(u))
                for a in range(-dh, dh + 1):
                    for b in range(-dw, dw + 1):
                        H += V[a + dh, b + dw] * P[dh + a : dh + a + h, dw + b : dw + b + w]
                return H
        ''',
        "shared_layer": '''
            def shared_layer(X, V, u):
                h, w = X.shape
                P = np.pad(X.astype(float), ((h - 1, h - 1), (w - 1, w - 1)))
                H = np.zeros((h, w)) + u
                for ia in range(2 * h - 1):
                    for ib in range(2 * w - 1):
                        H += V[ia, ib] * P[ia : ia + h, ib : ib + w]
                return H
        ''',
    }, []),
    "einsum_everywhere": ({
        "fc_layer": '''
            def fc_layer(X, W, U):
                return np.einsum("ijkl,kl->ij", W, X) + U
        ''',
        "offset_layer": '''
            def offset_layer(X, V, U):
                h, w = X.shape
                P = np.zeros((3 * h - 2, 3 * w - 2))
                P[h - 1 : 2 * h - 1, w - 1 : 2 * w - 1] = X
                windows = np.empty((h, w, 2 * h - 1, 2 * w - 1))
                for i in range(h):
                    for j in range(w):
                        windows[i, j] = P[i : i + 2 * h - 1, j : j + 2 * w - 1]
                return U + np.einsum("ijab,ijab->ij", V, windows)
        ''',
    }, []),
    "as_strided_windows": ({
        "corr2d": '''
            from numpy.lib.stride_tricks import as_strided


            def corr2d(X, K):
                X = np.ascontiguousarray(X, dtype=float)
                kh, kw = K.shape
                oh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1
                s0, s1 = X.strides
                windows = as_strided(X, shape=(oh, ow, kh, kw), strides=(s0, s1, s0, s1), writeable=False)
                return np.tensordot(windows, K, axes=([2, 3], [0, 1]))
        ''',
    }, []),
    "rfft_convolution": ({
        "conv1d": '''
            def conv1d(f, g):
                n = len(f) + len(g) - 1
                return np.fft.irfft(np.fft.rfft(f, n) * np.fft.rfft(g, n), n)
        ''',
        "conv2d": '''
            def conv2d(f, g):
                s = (f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1)
                return np.fft.irfft2(np.fft.rfft2(f, s) * np.fft.rfft2(g, s), s)
        ''',
    }, []),
    "scatter_add": ({
        "conv1d": '''
            def conv1d(f, g):
                f, g = np.asarray(f, float), np.asarray(g, float)
                out = np.zeros(len(f) + len(g) - 1)
                a, b = np.meshgrid(np.arange(len(f)), np.arange(len(g)), indexing="ij")
                np.add.at(out, a + b, np.outer(f, g))
                return out
        ''',
        "conv2d": '''
            def conv2d(f, g):
                (m1, n1), (m2, n2) = f.shape, g.shape
                out = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
                a, b, c, d = np.indices((m1, n1, m2, n2))
                np.add.at(out, (a + c, b + d), np.multiply.outer(f, g).astype(float))
                return out
        ''',
    }, []),
    "toeplitz_matrices": ({
        "conv1d": '''
            def conv1d(f, g):
                m, n = len(f), len(g)
                T = np.zeros((m + n - 1, m))
                for a in range(m):
                    T[a : a + n, a] = g
                return T @ np.asarray(f, dtype=float)
        ''',
        "corr2d": '''
            def corr2d(X, K):
                h, w = X.shape
                kh, kw = K.shape
                oh, ow = h - kh + 1, w - kw + 1
                columns = np.array([X[i : i + kh, j : j + kw].ravel() for i in range(oh) for j in range(ow)], dtype=float)
                return (columns @ K.ravel().astype(float)).reshape(oh, ow)
        ''',
    }, []),
    "lists_in_arrays_out": ({
        "conv1d": '''
            def conv1d(f, g):
                f, g = np.asarray(f, dtype=float), np.asarray(g, dtype=float)
                c = np.zeros(f.size + g.size - 1)
                for a in range(f.size):
                    c[a : a + g.size] += f[a] * g
                return c
        ''',
        "shift": '''
            def shift(X, di, dj):
                X = np.asarray(X)
                h, w = X.shape
                Y = np.zeros_like(X)
                for i in range(max(0, di), min(h, h + di)):
                    for j in range(max(0, dj), min(w, w + dj)):
                        Y[i, j] = X[i - di, j - dj]
                return Y
        ''',
    }, []),
    "float32_results": ({
        "corr2d": '''
            def corr2d(X, K):
                h, w = X.shape
                kh, kw = K.shape
                Y = np.zeros((h - kh + 1, w - kw + 1), dtype=np.float32)
                for i in range(h - kh + 1):
                    for j in range(w - kw + 1):
                        Y[i, j] = np.sum(K * X[i : i + kh, j : j + kw])
                return Y
        ''',
        "conv1d": '''
            def conv1d(f, g):
                c = np.zeros(len(f) + len(g) - 1, dtype=np.float32)
                for a in range(len(f)):
                    c[a : a + len(g)] += np.float32(f[a]) * np.asarray(g, dtype=np.float32)
                return c
        ''',
    }, []),
    "library_like_helper_names": ({
        "conv2d": '''
            def convolve2d(f, g, mode="full"):
                """My own version of scipy.signal.convolve2d (only mode='full')."""
                (m1, n1), (m2, n2) = f.shape, g.shape
                out = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
                for a in range(m1):
                    for b in range(n1):
                        out[a : a + m2, b : b + n2] += f[a, b] * g
                return out


            def conv2d(f, g):
                return convolve2d(f, g)
        ''',
        "corr2d": '''
            def correlate(X, K):
                """Like np.correlate / scipy.ndimage.correlate, but valid and written by hand."""
                kh, kw = K.shape
                return np.array([[np.sum(X[i : i + kh, j : j + kw] * K) for j in range(X.shape[1] - kw + 1)]
                                 for i in range(X.shape[0] - kh + 1)], dtype=float).reshape(X.shape[0] - kh + 1, X.shape[1] - kw + 1)


            def corr2d(X, K):
                return correlate(X, K)
        ''',
    }, [("corr2d", '''
        try:  # the library's versions, to compare with my own below (whose names replace these)
            from scipy.signal import convolve2d, correlate2d
        except ImportError:
            convolve2d = correlate2d = None
    '''), ("conv2d", '''
        # compare with the library (allowed outside the graded functions)
        try:
            from scipy.signal import convolve2d as scipy_convolve2d
            f_test, g_test = np.random.rand(4, 5), np.random.rand(2, 3)
            print("same as scipy:", np.allclose(conv2d(f_test, g_test), scipy_convolve2d(f_test, g_test)))
        except ImportError:
            print("scipy is not installed here")
    ''')]),
    "mentions_libraries_in_docstrings": ({
        "conv2d": '''
            def conv2d(f, g):
                """scipy.signal.convolve2d(f, g, mode="full"), or torch.nn.functional.conv2d with a flipped
                kernel, but by hand (np.convolve is not allowed)."""
                (m1, n1), (m2, n2) = f.shape, g.shape
                c = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
                # scipy.signal.convolve2d would do this in one call; here every product is added by hand
                for a in range(m1):
                    for b in range(n1):
                        c[a : a + m2, b : b + n2] += f[a, b] * g
                return c
        ''',
        "local_layer": '''
            def local_layer(X, V, u):
                """cv2.filter2D(X, -1, V) with BORDER_CONSTANT, plus u (cv2 is not used)."""
                note = "scipy.ndimage.correlate"
                h, w = X.shape
                dh, dw = (V.shape[0] - 1) // 2, (V.shape[1] - 1) // 2
                P = np.zeros((h + 2 * dh, w + 2 * dw))
                P[dh : dh + h, dw : dw + w] = X
                return u + np.array([[np.sum(V * P[i : i + V.shape[0], j : j + V.shape[1]]) for j in range(w)] for i in range(h)])
        ''',
    }, []),
    "shadowing_module_names": ({
        "conv1d": '''
            def conv1d(signal, kernel):
                """signal and kernel are my arrays, not modules."""
                torch = np.zeros(len(signal) + len(kernel) - 1)
                for a in range(len(signal)):
                    torch[a : a + len(kernel)] += signal[a] * np.asarray(kernel, dtype=float)
                return torch
        ''',
        "corr2d": '''
            def corr2d(X, K):
                cv2 = np.zeros((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))
                for signal in range(cv2.shape[0]):
                    for ndimage in range(cv2.shape[1]):
                        cv2[signal, ndimage] = np.sum(K * X[signal : signal + K.shape[0], ndimage : ndimage + K.shape[1]])
                return cv2
        ''',
    }, [("fc_layer", '''
        # to compare my results with the libraries, where they are installed
        try:
            from scipy import signal, ndimage
            import torch
            import cv2
        except ImportError:
            signal = ndimage = torch = cv2 = None
        print("libraries to compare with:", [m.__name__ for m in (signal, ndimage, torch, cv2) if m is not None])
    ''')]),
    "matrix_product_layers": ({
        "fc_layer": '''
            def fc_layer(X, W, U):
                h, w = X.shape
                return (W.reshape(h * w, h * w) @ X.reshape(h * w)).reshape(h, w) + U
        ''',
        "offset_layer": '''
            def offset_layer(X, V, U):
                # back to W, then the fully connected layer
                h, w = X.shape
                W = np.zeros((h, w, h, w))
                for i in range(h):
                    for j in range(w):
                        W[i, j] = V[i, j, h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j]
                return (W.reshape(h * w, h * w) @ X.reshape(h * w)).reshape(h, w) + U
        ''',
    }, []),
    "broadcasting_and_tensordot": ({
        "fc_layer": '''
            def fc_layer(X, W, U):
                return U + np.tensordot(W, X, axes=([2, 3], [0, 1]))
        ''',
        "shared_layer": '''
            def shared_layer(X, V, u):
                h, w = X.shape
                i, j, k, l = np.indices((h, w, h, w))
                W = V[k - i + h - 1, l - j + w - 1]
                return u + np.sum(W * X[None, None, :, :], axis=(2, 3))
        ''',
    }, []),
    "reindex_by_fancy_indexing": ({
        "reindex": '''
            def reindex(W):
                h, w = W.shape[:2]
                i, j, k, l = np.indices((h, w, h, w))
                V = np.zeros((h, w, 2 * h - 1, 2 * w - 1), dtype=np.result_type(W, float))
                V[i, j, k - i + h - 1, l - j + w - 1] = W
                return V
        ''',
        "expand_shared": '''
            def expand_shared(V, u, h, w):
                i, j, k, l = np.ogrid[:h, :w, :h, :w]
                return np.asarray(V, dtype=float)[k - i + h - 1, l - j + w - 1], u * np.ones((h, w))
        ''',
    }, []),
    "reindex_by_padding": ({
        "reindex": '''
            def reindex(W):
                h, w = W.shape[:2]
                V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
                for i in range(h):
                    for j in range(w):
                        V[i, j] = np.pad(W[i, j].astype(float), ((h - 1 - i, i), (w - 1 - j, j)))
                return V
        ''',
    }, []),
    "layers_built_on_each_other": ({
        "shared_layer": '''
            def shared_layer(X, V, u):
                # a shared layer is a local layer whose kernel spans every offset
                return local_layer(X, V, u)
        ''',
        "local_layer": '''
            def local_layer(X, V, u):
                h, w = X.shape
                dh, dw = (V.shape[0] - 1) // 2, (V.shape[1] - 1) // 2
                H = np.zeros((h, w))
                for i in range(h):
                    for j in range(w):
                        for a in range(max(-dh, -i), min(dh, h - 1 - i) + 1):
                            for b in range(max(-dw, -j), min(dw, w - 1 - j) + 1):
                                H[i, j] += V[a + dh, b + dw] * X[i + a, j + b]
                return H + u
        ''',
    }, []),
    "shared_layer_through_expand": ({
        "shared_layer": '''
            def shared_layer(X, V, u):
                h, w = X.shape
                W, U = expand_shared(V, u, h, w)
                return fc_layer(X, W, U)
        ''',
    }, []),
    "local_layer_through_conv2d": ({
        "local_layer": '''
            def local_layer(X, V, u):
                # the layer's sum is a convolution with the flipped kernel, cropped to the image
                dh, dw = (V.shape[0] - 1) // 2, (V.shape[1] - 1) // 2
                full = conv2d(X, V[::-1, ::-1])
                return u + full[dh : dh + X.shape[0], dw : dw + X.shape[1]]
        ''',
        "corr2d": '''
            def corr2d(X, K):
                kh, kw = K.shape
                return conv2d(X, K[::-1, ::-1])[kh - 1 : X.shape[0], kw - 1 : X.shape[1]]
        ''',
    }, []),
    "kernel_offset_loops": ({
        "corr2d": '''
            def corr2d(X, K):
                h, w = X.shape
                kh, kw = K.shape
                Y = np.zeros((h - kh + 1, w - kw + 1))
                for a in range(kh):
                    for b in range(kw):
                        Y = Y + K[a, b] * X[a : a + h - kh + 1, b : b + w - kw + 1]
                return Y
        ''',
        "conv2d": '''
            def conv2d(f, g):
                # the other way round: each g[c, d] adds a scaled copy of f
                (m1, n1), (m2, n2) = f.shape, g.shape
                out = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
                for c in range(m2):
                    for d in range(n2):
                        out[c : c + m1, d : d + n1] += g[c, d] * f
                return out
        ''',
    }, []),
    "im2col_convolution": ({
        "conv2d": '''
            from numpy.lib.stride_tricks import sliding_window_view


            def conv2d(f, g):
                m2, n2 = g.shape
                P = np.pad(np.asarray(f, dtype=float), ((m2 - 1, m2 - 1), (n2 - 1, n2 - 1)))
                windows = sliding_window_view(P, (m2, n2))
                return windows.reshape(windows.shape[0], windows.shape[1], -1) @ g[::-1, ::-1].reshape(-1)
        ''',
    }, []),
    "anti_diagonal_sums": ({
        "conv1d": '''
            def conv1d(f, g):
                products = np.outer(f, g)[:, ::-1]
                n = len(g)
                return np.array([np.trace(products, offset=n - 1 - i) for i in range(len(f) + len(g) - 1)], dtype=float)
        ''',
    }, []),
    "shift_by_padding": ({
        "shift": '''
            def shift(X, di, dj):
                h, w = X.shape
                di, dj = max(-h, min(h, di)), max(-w, min(w, dj))
                P = np.pad(X, ((h, h), (w, w)))
                return P[h - di : 2 * h - di, w - dj : 2 * w - dj]
        ''',
    }, []),
    "shift_by_index_masks": ({
        "shift": '''
            def shift(X, di, dj):
                h, w = X.shape
                i, j = np.indices((h, w))
                src_i, src_j = i - di, j - dj
                inside = (src_i >= 0) & (src_i < h) & (src_j >= 0) & (src_j < w)
                Y = np.zeros_like(X)
                Y[inside] = X[src_i[inside], src_j[inside]]
                return Y
        ''',
    }, []),
    "shift_by_roll_and_clear": ({
        "shift": '''
            def shift(X, di, dj):
                h, w = X.shape
                if abs(di) >= h or abs(dj) >= w:
                    return np.zeros_like(X)
                Y = np.roll(X, (di, dj), axis=(0, 1))
                if di > 0:
                    Y[:di, :] = 0
                elif di < 0:
                    Y[di:, :] = 0
                if dj > 0:
                    Y[:, :dj] = 0
                elif dj < 0:
                    Y[:, dj:] = 0
                return Y
        ''',
    }, []),
    "counts_in_other_words": ({
        "fc_num_weights": '''
            import math


            def fc_num_weights(h, w):
                return math.prod([h, w, h, w])
        ''',
        "shared_num_weights": '''
            def shared_num_weights(h, w):
                rows, cols = 2 * h - 1, 2 * w - 1
                return int(rows) * int(cols)
        ''',
        "local_num_weights": '''
            def local_num_weights(delta):
                return pow(2 * delta + 1, 2)
        ''',
    }, []),
    "lambdas_and_callables": ({
        "local_num_weights": '''
            local_num_weights = lambda delta: (2 * delta + 1) ** 2
        ''',
        "conv1d": '''
            class FullConvolution:
                """A callable object: conv1d(f, g) works like a function."""

                def __call__(self, f, g):
                    c = np.zeros(len(f) + len(g) - 1)
                    for a in range(len(f)):
                        c[a : a + len(g)] += f[a] * np.asarray(g, dtype=float)
                    return c


            conv1d = FullConvolution()
        ''',
    }, []),
    "equivariant_as_frozenset": ({
        "equivariant_layers": '''
            equivariant_layers = frozenset(name for name in ["fc_layer", "offset_layer", "shared_layer", "local_layer"] if name.endswith(("shared_layer", "local_layer")))
        ''',
    }, []),
    "result_type_outputs": ({
        "fc_layer": '''
            def fc_layer(X, W, U):
                h, w = X.shape
                H = np.zeros((h, w), dtype=np.result_type(X, W, U, float))
                for i in range(h):
                    for j in range(w):
                        H[i, j] = U[i, j] + (W[i, j] * X).sum()
                return H
        ''',
        "offset_layer": '''
            def offset_layer(X, V, U):
                h, w = X.shape
                H = U.astype(np.result_type(U, V, X, float))
                for i in range(h):
                    for j in range(w):
                        for k in range(h):
                            for l in range(w):
                                H[i, j] += V[i, j, k - i + h - 1, l - j + w - 1] * X[k, l]
                return H
        ''',
    }, []),
    "helpers_defined_later": ({
        "corr2d": '''
            def corr2d(X, K):
                return _valid_windows_sum(X, K)
        ''',
        "conv2d": '''
            def conv2d(f, g):
                s = (f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1)
                return _valid_windows_sum(_embed(f, s, g.shape), g[::-1, ::-1])


            def _embed(f, s, gshape):
                P = np.zeros((s[0] + gshape[0] - 1, s[1] + gshape[1] - 1))
                P[gshape[0] - 1 : gshape[0] - 1 + f.shape[0], gshape[1] - 1 : gshape[1] - 1 + f.shape[1]] = f
                return P


            def _valid_windows_sum(X, K):
                kh, kw = K.shape
                out = np.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
                for i in range(out.shape[0]):
                    for j in range(out.shape[1]):
                        out[i, j] = np.vdot(X[i : i + kh, j : j + kw], K)
                return out
        ''',
    }, []),
    "expand_shared_by_offsets": ({
        "expand_shared": '''
            def expand_shared(V, u, h, w):
                W = np.zeros((h, w, h, w))
                for a in range(-(h - 1), h):
                    for b in range(-(w - 1), w):
                        for i in range(max(0, -a), min(h, h - a)):
                            for j in range(max(0, -b), min(w, w - b)):
                                W[i, j, i + a, j + b] = V[a + h - 1, b + w - 1]
                U = np.empty((h, w))
                U.fill(u)
                return W, U
        ''',
    }, []),
    "pair_as_a_list": ({
        "expand_shared": '''
            def expand_shared(V, u, h, w):
                W = np.zeros((h, w, h, w))
                for i in range(h):
                    for j in range(w):
                        W[i, j] = V[h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j]
                return [W, np.full((h, w), u, dtype=float)]
        ''',
    }, []),
    "comprehension_style": ({
        "conv2d": '''
            def conv2d(f, g):
                (m1, n1), (m2, n2) = f.shape, g.shape
                return np.array([[sum(float(f[a, b]) * float(g[i - a, j - b])
                                      for a in range(max(0, i - m2 + 1), min(m1, i + 1))
                                      for b in range(max(0, j - n2 + 1), min(n1, j + 1)))
                                  for j in range(n1 + n2 - 1)] for i in range(m1 + m2 - 1)], dtype=float)
        ''',
        "reindex": '''
            def reindex(W):
                h, w = W.shape[:2]
                return np.array([[[[W[i, j, i + a, j + b] if 0 <= i + a < h and 0 <= j + b < w else 0.0
                                    for b in range(-(w - 1), w)] for a in range(-(h - 1), h)]
                                  for j in range(w)] for i in range(h)], dtype=float)
        ''',
    }, []),
}
