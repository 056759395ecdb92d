// The social network: undirected contacts stored in compressed sparse rows
// (each contact in both directions, every row sorted), built once per replicate
// from three layers (MODEL.md section 2): household (all pairs), neighbourhood
// (random contacts in the wijk) and friends (a small world over the wijk's
// residents ordered by age).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "models/people.hpp"
#include "sim/parameters.hpp"
#include "sim/rng.hpp"

namespace meedoen::models {

// An allocator whose value-initialisation leaves the value unset, so that a
// vector of contacts sized at once takes memory only as its rows are written.
template <class T>
struct UninitialisedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitialisedAllocator<U>;
  };
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) ::new (static_cast<void*>(p)) U;
    else ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// Compressed sparse rows: the contacts of person i are column[rowstart[i] .. rowstart[i + 1]).
// (Boost's compressed_sparse_row_graph held 1 B per edge and per vertex for its empty
// properties, and refuses `void` properties, so the two arrays are held here.)
class Network {
public:
  using Column = std::vector<PersonId, UninitialisedAllocator<PersonId>>;

  Network() = default;
  Network(std::vector<std::uint32_t> rowstart, Column column)
      : rowstart_(std::move(rowstart)), column_(std::move(column)) {}

  std::span<const PersonId> contacts(PersonId i) const {
    return {column_.data() + rowstart_[i], rowstart_[i + 1] - rowstart_[i]};
  }
  std::size_t persons() const { return rowstart_.empty() ? 0 : rowstart_.size() - 1; }
  std::size_t contact_pairs() const { return column_.size() / 2; }
  std::size_t bytes() const {
    return rowstart_.capacity() * sizeof(std::uint32_t) + column_.capacity() * sizeof(PersonId);
  }

private:
  std::vector<std::uint32_t> rowstart_;
  Column column_;
};

Network build_network(const People& people, const sim::ParamSet& params, const sim::Rng& rng, std::uint32_t replicate);

}  // namespace meedoen::models
