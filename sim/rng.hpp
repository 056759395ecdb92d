// Counter-based random numbers: every draw is a pure function of
// (seed, replicate, week, agent, purpose), so results do not depend on the
// number of threads or the order of work, and scenarios share their draws
// (common random numbers).
#pragma once

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

namespace meedoen::sim {

class Rng {
public:
  using Philox = r123::Philox4x32;

  explicit Rng(std::uint64_t seed) {
    key_ = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  }

  // Four independent 32-bit words for one (replicate, week, agent, purpose).
  std::array<std::uint32_t, 4> words(std::uint32_t replicate, std::uint32_t week, std::uint32_t agent,
                                     std::uint32_t purpose) const {
    Philox philox;
    const Philox::ctr_type ctr = {{replicate, week, agent, purpose}};
    const Philox::ctr_type out = philox(ctr, key_);
    return {out[0], out[1], out[2], out[3]};
  }

  // Philox4x32-10 for many blocks at once, in vector registers where the
  // machine has them: the same words as words() gives. A batch is sixteen
  // blocks, out[4 * k + j] word j of block k; the calls below make two
  // batches at a time (with AVX-512 their rounds interleave).
  static constexpr int kBatch = 16;
  using Batch = std::array<std::uint32_t, 4 * kBatch>;
  using Batches = std::array<std::uint32_t, 8 * kBatch>;
  // The blocks of 2 * kBatch consecutive agents: out[4 * k + j] is word j of agent first + k.
  void words_batches(std::uint32_t replicate, std::uint32_t week, std::uint32_t first, std::uint32_t purpose,
                     Batches& out) const;
  // The blocks of kBatch consecutive agents first, first + 1, ... for two purposes.
  void words_batches(std::uint32_t replicate, std::uint32_t week, std::uint32_t first,
                     const std::array<std::uint32_t, 2>& purposes, Batch& first_out, Batch& second_out) const;
  // The blocks of any 2 * kBatch agents for one purpose: agents[k] for block k
  // of first_out, agents[kBatch + k] for block k of second_out.
  void words_batches(std::uint32_t replicate, std::uint32_t week, const std::array<std::uint32_t, 2 * kBatch>& agents,
                     std::uint32_t purpose, Batch& first_out, Batch& second_out) const;
  // For the tests: the variants this machine can run ("plain", "avx2",
  // "avx512f"; the calls above use the last), and the general call (any
  // agents, a purpose for each batch) by one of them.
  static std::vector<std::string_view> batch_variants();
  void words_batches(std::string_view variant, std::uint32_t replicate, std::uint32_t week,
                     const std::array<std::uint32_t, 2 * kBatch>& agents, const std::array<std::uint32_t, 2>& purposes,
                     Batch& first_out, Batch& second_out) const;

  // The threshold t with to_unit(w) < p exactly when w < t, for one-word draws
  // compared with a probability p (0 <= t <= 2^32).
  static std::uint64_t word_threshold(double p) {
    // to_unit(w) < p  <=>  w + 0.5 < p * 2^32 (both sides exact)  <=>  w < ceil(p * 2^32 - 0.5).
    const double t = std::ceil(p * 0x1.0p32 - 0.5);
    return t <= 0 ? 0 : t >= 0x1.0p32 ? std::uint64_t{1} << 32 : static_cast<std::uint64_t>(t);
  }

  // A uniform double in [0, 1) from 53 bits of two words.
  static double to_unit(std::uint32_t hi, std::uint32_t lo) {
    const std::uint64_t bits = (static_cast<std::uint64_t>(hi) << 21) ^ (lo >> 11);
    return static_cast<double>(bits & ((std::uint64_t{1} << 53) - 1)) * 0x1.0p-53;
  }

  // A uniform double in (0, 1) from one word: 2^-32 resolution, for draws
  // compared with probabilities (the weekly step takes four per block).
  static double to_unit(std::uint32_t word) { return (static_cast<double>(word) + 0.5) * 0x1.0p-32; }

  double uniform(std::uint32_t replicate, std::uint32_t week, std::uint32_t agent,
                 std::uint32_t purpose) const {
    const auto w = words(replicate, week, agent, purpose);
    return to_unit(w[0], w[1]);
  }

  // Two uniforms from one block.
  std::array<double, 2> uniform2(std::uint32_t replicate, std::uint32_t week, std::uint32_t agent,
                                 std::uint32_t purpose) const {
    const auto w = words(replicate, week, agent, purpose);
    return {to_unit(w[0], w[1]), to_unit(w[2], w[3])};
  }

  // A 64-bit seed for a conventional generator (Boost.Graph's generators),
  // derived from the same key so that it too depends only on its place.
  std::uint64_t derive_seed(std::uint32_t replicate, std::uint32_t a, std::uint32_t b,
                            std::uint32_t purpose) const {
    const auto w = words(replicate, a, b, purpose);
    return (static_cast<std::uint64_t>(w[0]) << 32) | w[1];
  }

private:
  Philox::key_type key_;
};

}  // namespace meedoen::sim
