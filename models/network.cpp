#include "models/network.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/erdos_renyi_generator.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <cmath>

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

void household_layer(const People& p, std::vector<Edge>& edges) {
  for (std::size_t h = 0; h < p.households(); ++h)
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

}  // namespace

Network build_network(const People& p, const sim::ParamSet& params, const sim::Rng& rng, std::uint32_t replicate) {
  std::vector<Edge> edges;
  household_layer(p, edges);
  const auto ranges = wijk_ranges(p);
  for (std::uint32_t w = 0; w < ranges.size(); ++w) {
    Generator neighbours(static_cast<std::uint32_t>(rng.derive_seed(replicate, kSetupWeek, w, kDrawNeighbours)));
    neighbour_layer(ranges[w], params.get("network.neighbour_contacts"), neighbours, edges);
    Generator friends(static_cast<std::uint32_t>(rng.derive_seed(replicate, kSetupWeek, w, kDrawFriends)));
    friend_layer(p, ranges[w], static_cast<int>(params.get("network.friend_contacts")),
                 params.get("network.friend_rewiring"), friends, rng, replicate, edges);
  }
  // One undirected contact per pair, stored as (low, high), no self-loops.
  for (auto& e : edges)
    if (e.first > e.second) std::swap(e.first, e.second);
  std::erase_if(edges, [](const Edge& e) { return e.first == e.second; });
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  thin_isolated(p, params.get("network.isolated_keep"), rng, replicate, edges);

  const auto undirected = edges.size();
  edges.reserve(2 * undirected);
  for (std::size_t k = 0; k < undirected; ++k) edges.emplace_back(edges[k].second, edges[k].first);
  std::sort(edges.begin(), edges.end());
  // With the number of edges the contact array is allocated exactly (not grown by doubling).
  return Network(ContactGraph(boost::edges_are_sorted, edges.begin(), edges.end(),
                              static_cast<std::uint32_t>(p.size()), static_cast<std::uint32_t>(edges.size())));
}

}  // namespace meedoen::models
