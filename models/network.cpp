#include "models/network.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/erdos_renyi_generator.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/sort/spreadsort/integer_sort.hpp>
#include <cmath>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "models/purposes.hpp"

namespace meedoen::models {
namespace {

using Edge = std::pair<PersonId, PersonId>;
using UndirectedTraits = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
using Generator = boost::random::mt19937;

struct WijkRange {
  PersonId first = 0;
  PersonId size = 0;
};

// Persons are stored wijk by wijk; the range of each wijk.
std::vector<WijkRange> wijk_ranges(const People& p) {
  std::vector<WijkRange> ranges(p.wijk_names.size());
  for (auto i = static_cast<PersonId>(p.size()); i-- > 0;) {
    ranges[p.wijk[i]].first = i;
    ranges[p.wijk[i]].size += 1;
  }
  return ranges;
}

// The contacts within the households of wijk range `w` (a household lives in one wijk).
void household_layer(const People& p, const WijkRange& w, std::vector<Edge>& edges) {
  if (w.size == 0) return;
  for (std::size_t h = p.household[w.first]; h <= p.household[w.first + w.size - 1]; ++h)
    for (PersonId a = p.household_start[h]; a < p.household_start[h + 1]; ++a)
      for (PersonId b = a + 1; b < p.household_start[h + 1]; ++b) edges.emplace_back(a, b);
}

void neighbour_layer(const WijkRange& w, double mean_contacts, Generator& gen, std::vector<Edge>& edges) {
  if (w.size < 2 || mean_contacts <= 0) return;
  const double prob = std::min(1.0, mean_contacts / (w.size - 1));
  using Iterator = boost::sorted_erdos_renyi_iterator<Generator, UndirectedTraits>;
  for (Iterator it(gen, w.size, prob), end; it != end; ++it) edges.emplace_back(w.first + it->first, w.first + it->second);
}

// A small world over the wijk's residents ordered by age (ties broken at
// random), so friends are mostly of a similar age: homophily by age and wijk.
void friend_layer(const People& p, const WijkRange& w, int k, double rewiring, Generator& gen,
                  const sim::Rng& rng, std::uint32_t replicate, std::vector<Edge>& edges) {
  if (k < 2 || w.size <= static_cast<PersonId>(k) + 1) return;
  std::vector<std::pair<double, PersonId>> order(w.size);
  for (PersonId j = 0; j < w.size; ++j) {
    const PersonId i = w.first + j;
    order[j] = {p.age[i] + rng.uniform(replicate, kSetupWeek, i, kDrawFriendOrder), i};
  }
  std::sort(order.begin(), order.end());
  using Iterator = boost::small_world_iterator<Generator, UndirectedTraits>;
  for (Iterator it(gen, w.size, static_cast<std::size_t>(k), rewiring), end; it != end; ++it)
    edges.emplace_back(order[it->first].second, order[it->second].second);
}

// Rung-1 adults have almost no contacts outside their household: each such
// contact is kept with a small probability, drawn once per pair.
void thin_isolated(const People& p, double keep, const sim::Rng& rng, std::uint32_t replicate,
                   std::vector<Edge>& edges) {
  const auto isolated = [&](PersonId i) { return p.rung[i] == 1; };
  std::erase_if(edges, [&](const Edge& e) {
    if (p.household[e.first] == p.household[e.second] || !(isolated(e.first) || isolated(e.second))) return false;
    return rng.uniform(replicate, e.first, e.second, kDrawIsolatedKeep) >= keep;
  });
}

// The contacts of one wijk, each pair once as (low, high), sorted. Every
// contact lies within a wijk, and wijken hold consecutive persons, so the
// wijken's lists one after the other are the whole network's, sorted.
std::vector<Edge> wijk_edges(const People& p, const WijkRange& range, std::uint32_t w, const sim::ParamSet& params,
                             const sim::Rng& rng, std::uint32_t replicate) {
  std::vector<Edge> edges;
  household_layer(p, range, edges);
  Generator neighbours(static_cast<std::uint32_t>(rng.derive_seed(replicate, kSetupWeek, w, kDrawNeighbours)));
  neighbour_layer(range, params.get("network.neighbour_contacts"), neighbours, edges);
  Generator friends(static_cast<std::uint32_t>(rng.derive_seed(replicate, kSetupWeek, w, kDrawFriends)));
  friend_layer(p, range, static_cast<int>(params.get("network.friend_contacts")), params.get("network.friend_rewiring"),
               friends, rng, replicate, edges);
  // One undirected contact per pair, stored as (low, high), no self-loops.
  for (auto& e : edges)
    if (e.first > e.second) std::swap(e.first, e.second);
  std::erase_if(edges, [](const Edge& e) { return e.first == e.second; });
  // In the order of std::sort on the pairs (a radix sort on the 64-bit key first:second).
  const auto key = [](const Edge& e) { return std::uint64_t{e.first} << 32 | e.second; };
  boost::sort::spreadsort::integer_sort(
      edges.begin(), edges.end(), [&](const Edge& e, unsigned offset) { return key(e) >> offset; },
      [&](const Edge& a, const Edge& b) { return key(a) < key(b); });
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  thin_isolated(p, params.get("network.isolated_keep"), rng, replicate, edges);
  edges.shrink_to_fit();
  return edges;
}

// Returns the heap's free pages to the system (glibc keeps what a build freed,
// mapped, for reuse): before the network's big allocations, the population's
// temporaries; while the rows are filled, the pairs already placed.
void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// The degree of each person of a wijk, into rowstart[i + 1] (zero before).
void count_degrees(const std::vector<Edge>& edges, std::vector<std::uint32_t>& rowstart) {
  for (const auto& [a, b] : edges) {
    ++rowstart[a + 1];
    ++rowstart[b + 1];
  }
}

// The rows of wijk range `w` from its pairs, each pair in both directions in the
// order of the pairs: a row's lower contacts come from earlier pairs, in order,
// then its higher ones, so every row is sorted. The pairs are freed once placed.
void fill_rows(const WijkRange& w, std::vector<Edge>& edges, const std::vector<std::uint32_t>& rowstart,
               Network::Column& column) {
  std::vector<std::uint32_t> next(rowstart.begin() + w.first, rowstart.begin() + w.first + w.size);
  for (const auto& [a, b] : edges) {
    column[next[a - w.first]++] = b;
    column[next[b - w.first]++] = a;
  }
  std::vector<Edge>().swap(edges);
  release_free_memory();
}

}  // namespace

// Every contact lies within a wijk and wijken hold consecutive persons, so each
// wijk's rows are made from its own pairs alone, in parallel. Memory: the pairs,
// then the rows, taken as the pairs are placed and freed (never the pairs, a
// list of both directions and the rows at once).
Network build_network(const People& p, const sim::ParamSet& params, const sim::Rng& rng, std::uint32_t replicate) {
  release_free_memory();
  const auto ranges = wijk_ranges(p);
  std::vector<std::vector<Edge>> by_wijk(ranges.size());
  std::vector<std::uint32_t> rowstart(p.size() + 1, 0);
  const auto n = static_cast<std::ptrdiff_t>(ranges.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t w = 0; w < n; ++w) {
    const auto k = static_cast<std::size_t>(w);
    by_wijk[k] = wijk_edges(p, ranges[k], static_cast<std::uint32_t>(w), params, rng, replicate);
    count_degrees(by_wijk[k], rowstart);
  }
  for (std::size_t i = 0; i < p.size(); ++i) rowstart[i + 1] += rowstart[i];
  release_free_memory();  // what the wijken's lists held while they grew
  Network::Column column(rowstart.back());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t w = 0; w < n; ++w) {
    const auto k = static_cast<std::size_t>(w);
    fill_rows(ranges[k], by_wijk[k], rowstart, column);
  }
  return Network(std::move(rowstart), std::move(column));
}

}  // namespace meedoen::models
