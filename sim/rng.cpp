#include "sim/rng.hpp"

namespace meedoen::sim {

namespace {
constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // Philox4x32's multipliers
constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // and its Weyl key increments
constexpr int kN = Rng::kBatch;

// Ten Philox4x32 rounds over kN counters side by side: the loops over k have
// no dependences, so the compiler keeps the kN lanes in vector registers.
// Cloned for AVX-512 and AVX2 (chosen at load time); integers only, so every
// clone gives the same words.
[[gnu::target_clones("avx512f", "avx2", "default")]] void philox_rounds(
    std::uint32_t (&c)[4][kN], std::uint32_t key0, std::uint32_t key1) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key0 += kW0;
      key1 += kW1;
    }
    for (int k = 0; k < kN; ++k) {
      const std::uint64_t p0 = std::uint64_t{kM0} * c[0][k];
      const std::uint64_t p1 = std::uint64_t{kM1} * c[2][k];
      const auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
      const auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
      c[0][k] = hi1 ^ c[1][k] ^ key0;
      c[1][k] = lo1;
      c[2][k] = hi0 ^ c[3][k] ^ key1;
      c[3][k] = lo0;
    }
  }
}
}  // namespace

void Rng::words_batch(std::uint32_t replicate, std::uint32_t week, std::uint32_t first, std::uint32_t purpose,
                      Batch& out) const {
  std::uint32_t c[4][kN];
  for (int k = 0; k < kN; ++k) {
    c[0][k] = replicate;
    c[1][k] = week;
    c[2][k] = first + static_cast<std::uint32_t>(k);
    c[3][k] = purpose;
  }
  philox_rounds(c, key_[0], key_[1]);
  for (int j = 0; j < 4; ++j)
    for (int k = 0; k < kN; ++k) out[static_cast<std::size_t>(4 * k + j)] = c[j][k];
}

}  // namespace meedoen::sim
