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
// Both halves of the 32 x 32-bit products come from two even-lane multiplies
// (vpmuludq), the odd lanes' words moved in and out by shuffles: two
// multiplies a product rather than four (vpmulld is two), on the one port
// that multiplies.
[[gnu::target("avx512f")]] void products_512(__m512i a, __m512i m, __m512i& high, __m512i& low) {
  const __m512i even = _mm512_mul_epu32(a, m);                               // 64-bit products of the even lanes
  const __m512i odd = _mm512_mul_epu32(_mm512_shuffle_epi32(a, _MM_PERM_DDBB), m);  // and of the odd ones
  high = _mm512_mask_blend_epi32(0xAAAA, _mm512_shuffle_epi32(even, _MM_PERM_DDBB), odd);
  low = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_shuffle_epi32(odd, _MM_PERM_CCAA));
}

// One batch: the counters (replicate, week, agents[k], purpose) of sixteen
// blocks k, and where their words go.
struct Job {
  const std::uint32_t* agents;
  std::uint32_t purpose;
  std::uint32_t* out;  // 4 * kN words
};

using Jobs = std::array<Job, 2>;

// Two batches side by side (their rounds interleaved: one batch's chain of
// dependent multiplies leaves the port idle). Each batch's sixteen blocks sit
// in four registers, one word of every block each, through the ten rounds;
// then a 4 x 16 transpose (in-lane unpacks, then 128-bit lane shuffles)
// stores them block by block.
[[gnu::target("avx512f")]] void batch_avx512(const std::array<std::uint32_t, 2>& key, std::uint32_t replicate,
                                             std::uint32_t week, const Jobs& jobs) {
  static_assert(kN == 16);
  constexpr int S = 2;
  __m512i x0[S], x1[S], x2[S], x3[S];
  for (int s = 0; s < S; ++s) {
    x0[s] = _mm512_set1_epi32(static_cast<int>(replicate));
    x1[s] = _mm512_set1_epi32(static_cast<int>(week));
    x2[s] = _mm512_loadu_si512(jobs[s].agents);
    x3[s] = _mm512_set1_epi32(static_cast<int>(jobs[s].purpose));
  }
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kM0)), m1 = _mm512_set1_epi32(static_cast<int>(kM1));
  std::uint32_t key0 = key[0], key1 = key[1];
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key0 += kW0;
      key1 += kW1;
    }
    const __m512i k0 = _mm512_set1_epi32(static_cast<int>(key0)), k1 = _mm512_set1_epi32(static_cast<int>(key1));
    for (int s = 0; s < S; ++s) {
      __m512i hi0, lo0, hi1, lo1;
      products_512(x0[s], m0, hi0, lo0);
      products_512(x2[s], m1, hi1, lo1);
      x0[s] = _mm512_xor_si512(_mm512_xor_si512(hi1, x1[s]), k0);
      x1[s] = lo1;
      x2[s] = _mm512_xor_si512(_mm512_xor_si512(hi0, x3[s]), k1);
      x3[s] = lo0;
    }
  }
  for (int s = 0; s < S; ++s) {
    const __m512i p0 = _mm512_unpacklo_epi32(x0[s], x1[s]), p1 = _mm512_unpackhi_epi32(x0[s], x1[s]);
    const __m512i p2 = _mm512_unpacklo_epi32(x2[s], x3[s]), p3 = _mm512_unpackhi_epi32(x2[s], x3[s]);
    // t_j: in each 128-bit lane g, the four words of block 4g + j.
    const __m512i t0 = _mm512_unpacklo_epi64(p0, p2), t1 = _mm512_unpackhi_epi64(p0, p2);
    const __m512i t2 = _mm512_unpacklo_epi64(p1, p3), t3 = _mm512_unpackhi_epi64(p1, p3);
    const __m512i a01 = _mm512_shuffle_i32x4(t0, t1, _MM_SHUFFLE(1, 0, 1, 0));  // t0's lanes 0, 1, t1's 0, 1
    const __m512i a23 = _mm512_shuffle_i32x4(t2, t3, _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i b01 = _mm512_shuffle_i32x4(t0, t1, _MM_SHUFFLE(3, 2, 3, 2));  // their lanes 2, 3
    const __m512i b23 = _mm512_shuffle_i32x4(t2, t3, _MM_SHUFFLE(3, 2, 3, 2));
    std::uint32_t* out = jobs[s].out;
    _mm512_storeu_si512(out, _mm512_shuffle_i32x4(a01, a23, _MM_SHUFFLE(2, 0, 2, 0)));  // blocks 0-3
    _mm512_storeu_si512(out + 16, _mm512_shuffle_i32x4(a01, a23, _MM_SHUFFLE(3, 1, 3, 1)));
    _mm512_storeu_si512(out + 32, _mm512_shuffle_i32x4(b01, b23, _MM_SHUFFLE(2, 0, 2, 0)));
    _mm512_storeu_si512(out + 48, _mm512_shuffle_i32x4(b01, b23, _MM_SHUFFLE(3, 1, 3, 1)));
  }
}

#pragma GCC diagnostic pop

// AVX2: eight counters to a register, the sixteen in two halves.
[[gnu::target("avx2")]] void products_256(__m256i a, __m256i m, __m256i& high, __m256i& low) {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_shuffle_epi32(a, 0xF5), m);
  high = _mm256_blend_epi32(_mm256_shuffle_epi32(even, 0xF5), odd, 0xAA);
  low = _mm256_blend_epi32(even, _mm256_shuffle_epi32(odd, 0xA0), 0xAA);
}

// The batches one after the other, each one's two halves side by side (two
// chains of rounds; sixteen registers leave no room for four), as
// batch_avx512 does with one register: eight blocks a register, then a 4 x 8
// transpose (in-lane unpacks, then 128-bit lane permutes).
[[gnu::target("avx2")]] void batch_avx2(const std::array<std::uint32_t, 2>& key, std::uint32_t replicate,
                                        std::uint32_t week, const Jobs& jobs) {
  static_assert(kN == 16);
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kM0)), m1 = _mm256_set1_epi32(static_cast<int>(kM1));
  for (const auto& job : jobs) {
    __m256i x0[2], x1[2], x2[2], x3[2];
    for (int h = 0; h < 2; ++h) {
      x0[h] = _mm256_set1_epi32(static_cast<int>(replicate));
      x1[h] = _mm256_set1_epi32(static_cast<int>(week));
      x2[h] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(job.agents + 8 * h));
      x3[h] = _mm256_set1_epi32(static_cast<int>(job.purpose));
    }
    std::uint32_t key0 = key[0], key1 = key[1];
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        key0 += kW0;
        key1 += kW1;
      }
      const __m256i k0 = _mm256_set1_epi32(static_cast<int>(key0)), k1 = _mm256_set1_epi32(static_cast<int>(key1));
      for (int h = 0; h < 2; ++h) {
        __m256i hi0, lo0, hi1, lo1;
        products_256(x0[h], m0, hi0, lo0);
        products_256(x2[h], m1, hi1, lo1);
        x0[h] = _mm256_xor_si256(_mm256_xor_si256(hi1, x1[h]), k0);
        x1[h] = lo1;
        x2[h] = _mm256_xor_si256(_mm256_xor_si256(hi0, x3[h]), k1);
        x3[h] = lo0;
      }
    }
    for (int h = 0; h < 2; ++h) {
      const __m256i p0 = _mm256_unpacklo_epi32(x0[h], x1[h]), p1 = _mm256_unpackhi_epi32(x0[h], x1[h]);
      const __m256i p2 = _mm256_unpacklo_epi32(x2[h], x3[h]), p3 = _mm256_unpackhi_epi32(x2[h], x3[h]);
      // t_j: in 128-bit lane g, the four words of block 4g + j.
      const __m256i t0 = _mm256_unpacklo_epi64(p0, p2), t1 = _mm256_unpackhi_epi64(p0, p2);
      const __m256i t2 = _mm256_unpacklo_epi64(p1, p3), t3 = _mm256_unpackhi_epi64(p1, p3);
      auto* out = reinterpret_cast<__m256i*>(job.out + 32 * h);
      _mm256_storeu_si256(out, _mm256_permute2x128_si256(t0, t1, 0x20));  // blocks 0, 1
      _mm256_storeu_si256(out + 1, _mm256_permute2x128_si256(t2, t3, 0x20));
      _mm256_storeu_si256(out + 2, _mm256_permute2x128_si256(t0, t1, 0x31));  // blocks 4, 5
      _mm256_storeu_si256(out + 3, _mm256_permute2x128_si256(t2, t3, 0x31));
    }
  }
}

// The batches by the plain rounds on counters in memory, one after the other.
void batch_plain(const std::array<std::uint32_t, 2>& key, std::uint32_t replicate, std::uint32_t week,
                 const Jobs& jobs) {
  for (const auto& job : jobs) {
    Counters c;
    for (int k = 0; k < kN; ++k) {
      c[0][k] = replicate;
      c[1][k] = week;
      c[2][k] = job.agents[k];
      c[3][k] = job.purpose;
    }
    rounds_plain(c, key[0], key[1]);
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < kN; ++k) job.out[4 * k + j] = c[j][k];
  }
}

// The variants this machine can run, widest last.
using Batcher = void (*)(const std::array<std::uint32_t, 2>&, std::uint32_t, std::uint32_t, const Jobs&);
std::vector<std::pair<std::string_view, Batcher>> runnable() {
  std::vector<std::pair<std::string_view, Batcher>> out = {{"plain", batch_plain}};
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) out.emplace_back("avx2", batch_avx2);
  if (__builtin_cpu_supports("avx512f")) out.emplace_back("avx512f", batch_avx512);
  return out;
}
const Batcher widest = runnable().back().second;

std::array<std::uint32_t, kN> consecutive(std::uint32_t first) {
  std::array<std::uint32_t, kN> agents;
  for (int k = 0; k < kN; ++k) agents[std::size_t(k)] = first + static_cast<std::uint32_t>(k);
  return agents;
}
}  // namespace

void Rng::words_batches(std::uint32_t replicate, std::uint32_t week, std::uint32_t first, std::uint32_t purpose,
                        Batches& out) const {
  const auto agents = consecutive(first), more = consecutive(first + kBatch);
  widest({key_[0], key_[1]}, replicate, week,
         {Job{agents.data(), purpose, out.data()}, Job{more.data(), purpose, out.data() + 4 * kBatch}});
}

void Rng::words_batches(std::uint32_t replicate, std::uint32_t week, std::uint32_t first,
                        const std::array<std::uint32_t, 2>& purposes, Batch& first_out, Batch& second_out) const {
  const auto agents = consecutive(first);
  widest({key_[0], key_[1]}, replicate, week,
         {Job{agents.data(), purposes[0], first_out.data()}, Job{agents.data(), purposes[1], second_out.data()}});
}

void Rng::words_batches(std::uint32_t replicate, std::uint32_t week,
                        const std::array<std::uint32_t, 2 * kBatch>& agents, std::uint32_t purpose, Batch& first_out,
                        Batch& second_out) const {
  widest({key_[0], key_[1]}, replicate, week,
         {Job{agents.data(), purpose, first_out.data()}, Job{agents.data() + kBatch, purpose, second_out.data()}});
}

std::vector<std::string_view> Rng::batch_variants() {
  std::vector<std::string_view> names;
  for (const auto& [name, batch] : runnable()) names.push_back(name);
  return names;
}

void Rng::words_batches(std::string_view variant, std::uint32_t replicate, std::uint32_t week,
                        const std::array<std::uint32_t, 2 * kBatch>& agents,
                        const std::array<std::uint32_t, 2>& purposes, Batch& first_out, Batch& second_out) const {
  for (const auto& [name, batch] : runnable())
    if (name == variant)
      return batch({key_[0], key_[1]}, replicate, week,
                   {Job{agents.data(), purposes[0], first_out.data()},
                    Job{agents.data() + kBatch, purposes[1], second_out.data()}});
  throw std::invalid_argument("no Philox variant " + std::string(variant) + " on this machine");
}

}  // namespace meedoen::sim
