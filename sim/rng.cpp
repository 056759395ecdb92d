#include "sim/rng.hpp"

#include <immintrin.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace meedoen::sim {

namespace {
constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // Philox4x32's multipliers
constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // and its Weyl key increments
constexpr int kN = Rng::kBatch;
using Counters = std::uint32_t[4][kN];

// Ten Philox4x32 rounds over kN counters side by side (the plain code, for
// machines without AVX2).
void rounds_plain(Counters& c, std::uint32_t key0, std::uint32_t key1) {
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

// GCC 12 warns of _mm512_undefined_epi32 inside its own AVX-512 intrinsics (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// The same with AVX-512: one register holds a word of all sixteen counters.
// The high halves of the 32 x 32-bit products come from two even-lane
// multiplies (vpmuludq), the low halves from vpmulld.
[[gnu::target("avx512f")]] __m512i high_512(__m512i a, __m512i m) {
  const __m512i even = _mm512_srli_epi64(_mm512_mul_epu32(a, m), 32);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
  return _mm512_mask_blend_epi32(0xAAAA, even, odd);
}

[[gnu::target("avx512f")]] void rounds_avx512(Counters& c, std::uint32_t key0, std::uint32_t key1) {
  static_assert(kN == 16);
  __m512i x0 = _mm512_loadu_si512(c[0]), x1 = _mm512_loadu_si512(c[1]);
  __m512i x2 = _mm512_loadu_si512(c[2]), x3 = _mm512_loadu_si512(c[3]);
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kM0)), m1 = _mm512_set1_epi32(static_cast<int>(kM1));
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key0 += kW0;
      key1 += kW1;
    }
    const __m512i hi0 = high_512(x0, m0), lo0 = _mm512_mullo_epi32(x0, m0);
    const __m512i hi1 = high_512(x2, m1), lo1 = _mm512_mullo_epi32(x2, m1);
    x0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), _mm512_set1_epi32(static_cast<int>(key0)));
    x1 = lo1;
    x2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), _mm512_set1_epi32(static_cast<int>(key1)));
    x3 = lo0;
  }
  _mm512_storeu_si512(c[0], x0);
  _mm512_storeu_si512(c[1], x1);
  _mm512_storeu_si512(c[2], x2);
  _mm512_storeu_si512(c[3], x3);
}

#pragma GCC diagnostic pop

// AVX2: eight counters to a register, the sixteen in two halves.
[[gnu::target("avx2")]] __m256i high_256(__m256i a, __m256i m) {
  const __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(a, m), 32);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  return _mm256_blend_epi32(even, odd, 0xAA);
}

[[gnu::target("avx2")]] void rounds_avx2(Counters& c, std::uint32_t key0, std::uint32_t key1) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kM0)), m1 = _mm256_set1_epi32(static_cast<int>(kM1));
  for (int half = 0; half < kN; half += 8) {
    const auto at = [&](int j) { return reinterpret_cast<__m256i*>(&c[j][half]); };
    __m256i x0 = _mm256_loadu_si256(at(0)), x1 = _mm256_loadu_si256(at(1));
    __m256i x2 = _mm256_loadu_si256(at(2)), x3 = _mm256_loadu_si256(at(3));
    std::uint32_t k0 = key0, k1 = key1;
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += kW0;
        k1 += kW1;
      }
      const __m256i hi0 = high_256(x0, m0), lo0 = _mm256_mullo_epi32(x0, m0);
      const __m256i hi1 = high_256(x2, m1), lo1 = _mm256_mullo_epi32(x2, m1);
      x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32(static_cast<int>(k0)));
      x1 = lo1;
      x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32(static_cast<int>(k1)));
      x3 = lo0;
    }
    _mm256_storeu_si256(at(0), x0);
    _mm256_storeu_si256(at(1), x1);
    _mm256_storeu_si256(at(2), x2);
    _mm256_storeu_si256(at(3), x3);
  }
}

// The variants this machine can run, widest last.
using Rounds = void (*)(Counters&, std::uint32_t, std::uint32_t);
std::vector<std::pair<std::string_view, Rounds>> runnable() {
  std::vector<std::pair<std::string_view, Rounds>> out = {{"plain", rounds_plain}};
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) out.emplace_back("avx2", rounds_avx2);
  if (__builtin_cpu_supports("avx512f")) out.emplace_back("avx512f", rounds_avx512);
  return out;
}
const Rounds widest = runnable().back().second;

// agents[k] is the agent of block k.
void batch(Rounds rounds, const std::array<std::uint32_t, 2>& key, std::uint32_t replicate, std::uint32_t week,
           const std::uint32_t* agents, std::uint32_t purpose, Rng::Batch& out) {
  Counters c;
  for (int k = 0; k < kN; ++k) {
    c[0][k] = replicate;
    c[1][k] = week;
    c[2][k] = agents[k];
    c[3][k] = purpose;
  }
  rounds(c, key[0], key[1]);
  for (int j = 0; j < 4; ++j)
    for (int k = 0; k < kN; ++k) out[static_cast<std::size_t>(4 * k + j)] = c[j][k];
}
}  // namespace

void Rng::words_batch(std::uint32_t replicate, std::uint32_t week, std::uint32_t first, std::uint32_t purpose,
                      Batch& out) const {
  std::uint32_t agents[kN];
  for (int k = 0; k < kN; ++k) agents[k] = first + static_cast<std::uint32_t>(k);
  batch(widest, {key_[0], key_[1]}, replicate, week, agents, purpose, out);
}

void Rng::words_batch(std::uint32_t replicate, std::uint32_t week, const std::array<std::uint32_t, kBatch>& agents,
                      std::uint32_t purpose, Batch& out) const {
  batch(widest, {key_[0], key_[1]}, replicate, week, agents.data(), purpose, out);
}

std::vector<std::string_view> Rng::batch_variants() {
  std::vector<std::string_view> names;
  for (const auto& [name, rounds] : runnable()) names.push_back(name);
  return names;
}

void Rng::words_batch(std::uint32_t replicate, std::uint32_t week, std::uint32_t first, std::uint32_t purpose,
                      Batch& out, std::string_view variant) const {
  for (const auto& [name, rounds] : runnable())
    if (name == variant) {
      std::uint32_t agents[kN];
      for (int k = 0; k < kN; ++k) agents[k] = first + static_cast<std::uint32_t>(k);
      return batch(rounds, {key_[0], key_[1]}, replicate, week, agents, purpose, out);
    }
  throw std::invalid_argument("no Philox variant " + std::string(variant) + " on this machine");
}

}  // namespace meedoen::sim
