// The Winograd F(4,3) and F(6,3) matrices (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks"; interpolation points 0, +-1, +-2, inf and 0, +-1, +-2, +-1/2, inf):
//   output tile Y = A^T [ (G g G^T) .* (B^T d B) ] A
// and the 2-D transforms on "lanes" (several tiles side by side, one float each), where the
// zero coefficients are skipped at compile time and ones become plain adds. B^T and A^T hold
// dyadic fractions (exact in float); G, with thirds and ninths, is only used in double at
// prepare time.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace edgeinfer::cpu::fast::winograd {

template <int R, int C>
struct Matrix {
  static constexpr int rows = R;
  static constexpr int cols = C;
  double v[R][C];
};

inline constexpr Matrix<6, 6> kBT4{{{4, 0, -5, 0, 1, 0},
                                    {0, -4, -4, 1, 1, 0},
                                    {0, 4, -4, -1, 1, 0},
                                    {0, -2, -1, 2, 1, 0},
                                    {0, 2, -1, -2, 1, 0},
                                    {0, 4, 0, -5, 0, 1}}};
inline constexpr Matrix<6, 3> kG4{{{1. / 4, 0, 0},
                                   {-1. / 6, -1. / 6, -1. / 6},
                                   {-1. / 6, 1. / 6, -1. / 6},
                                   {1. / 24, 1. / 12, 1. / 6},
                                   {1. / 24, -1. / 12, 1. / 6},
                                   {0, 0, 1}}};
inline constexpr Matrix<4, 6> kAT4{
    {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}}};

inline constexpr Matrix<8, 8> kBT6{{{1, 0, -21. / 4, 0, 21. / 4, 0, -1, 0},
                                    {0, 1, 1, -17. / 4, -17. / 4, 1, 1, 0},
                                    {0, -1, 1, 17. / 4, -17. / 4, -1, 1, 0},
                                    {0, 1. / 2, 1. / 4, -5. / 2, -5. / 4, 2, 1, 0},
                                    {0, -1. / 2, 1. / 4, 5. / 2, -5. / 4, -2, 1, 0},
                                    {0, 2, 4, -5. / 2, -5, 1. / 2, 1, 0},
                                    {0, -2, 4, 5. / 2, -5, -1. / 2, 1, 0},
                                    {0, -1, 0, 21. / 4, 0, -21. / 4, 0, 1}}};
inline constexpr Matrix<8, 3> kG6{{{1, 0, 0},
                                   {-2. / 9, -2. / 9, -2. / 9},
                                   {-2. / 9, 2. / 9, -2. / 9},
                                   {1. / 90, 1. / 45, 2. / 45},
                                   {1. / 90, -1. / 45, 2. / 45},
                                   {32. / 45, 16. / 45, 8. / 45},
                                   {32. / 45, -16. / 45, 8. / 45},
                                   {0, 0, 1}}};
inline constexpr Matrix<6, 8> kAT6{{{1, 1, 1, 1, 1, 1, 1, 0},
                                    {0, 1, -1, 2, -2, 1. / 2, -1. / 2, 0},
                                    {0, 1, 1, 4, 4, 1. / 4, 1. / 4, 0},
                                    {0, 1, -1, 8, -8, 1. / 8, -1. / 8, 0},
                                    {0, 1, 1, 16, 16, 1. / 16, 1. / 16, 0},
                                    {0, 1, -1, 32, -32, 1. / 32, -1. / 32, 1}}};

// out row I (N floats) = sum over J of M[I][J] * in row J.
// Always inlined: the callers are compiled for AVX2 and for the baseline (EI_VECTOR_CLONES), and
// an out-of-line copy would only exist in the baseline's.
template <const auto& M, int N, size_t I, size_t... J>
[[gnu::always_inline]] inline void combine_row(const float* in, float* out,
                                               std::index_sequence<J...>) {
  for (int x = 0; x < N; ++x) {
    float acc = 0.f;
    (
        [&] {
          constexpr double c = M.v[I][J];
          if constexpr (c == 1.0) {
            acc += in[J * N + x];
          } else if constexpr (c == -1.0) {
            acc -= in[J * N + x];
          } else if constexpr (c != 0.0) {
            acc += static_cast<float>(c) * in[J * N + x];
          }
        }(),
        ...);
    out[I * N + x] = acc;
  }
}

// out (M.rows rows of N floats) = M * in (M.cols rows of N floats).
template <const auto& M, int N, size_t... I>
[[gnu::always_inline]] inline void combine_rows(const float* in, float* out,
                                                std::index_sequence<I...>) {
  using Mat = std::remove_cvref_t<decltype(M)>;
  (combine_row<M, N, I>(in, out, std::make_index_sequence<Mat::cols>{}), ...);
}

// out = M * in * M^T on a (M.cols x M.cols) block of L-float lanes, giving M.rows x M.rows.
// `work` holds M.rows x M.cols lanes.
template <const auto& M, int L>
[[gnu::always_inline]] inline void transform_2d(const float* in, float* work, float* out) {
  using Mat = std::remove_cvref_t<decltype(M)>;
  constexpr int R = Mat::rows, C = Mat::cols;
  // Rows first: work[i][s] = sum_r M[i][r] in[r][s] (each row of in is C x L floats).
  combine_rows<M, C * L>(in, work, std::make_index_sequence<R>{});
  // Then columns: out[i][k] = sum_s M[k][s] work[i][s].
  for (int i = 0; i < R; ++i) {
    combine_rows<M, L>(work + i * C * L, out + i * R * L, std::make_index_sequence<R>{});
  }
}

}  // namespace edgeinfer::cpu::fast::winograd
