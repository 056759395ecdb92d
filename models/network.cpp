#include "models/network.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/erdos_renyi_generator.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <boost/iterator/counting_iterator.hpp>
#include <boost/iterator/transform_iterator.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <cmath>
#include <functional>

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
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  thin_isolated(p, params.get("network.isolated_keep"), rng, replicate, edges);
  edges.shrink_to_fit();
  return edges;
}

// A copyable, default-constructible function object for the iterator above.
struct Directed {
  std::function<Edge(std::size_t)> edge;
  Edge operator()(std::size_t k) const { return edge(k); }
};

}  // namespace

Network build_network(const People& p, const sim::ParamSet& params, const sim::Rng& rng, std::uint32_t replicate) {
  const auto ranges = wijk_ranges(p);
  std::vector<std::vector<Edge>> by_wijk(ranges.size());
  const auto n = static_cast<std::ptrdiff_t>(ranges.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t w = 0; w < n; ++w) {
    const auto k = static_cast<std::size_t>(w);
    by_wijk[k] = wijk_edges(p, ranges[k], static_cast<std::uint32_t>(w), params, rng, replicate);
  }
  std::size_t total = 0;
  for (const auto& e : by_wijk) total += e.size();
  std::vector<Edge> edges;
  edges.reserve(total);
  for (auto& e : by_wijk) {
    edges.insert(edges.end(), e.begin(), e.end());
    std::vector<Edge>().swap(e);  // freed as soon as copied
  }
  // Both directions of each pair, made as the graph reads them (never stored): the graph counts
  // the degrees in a first pass and places the contacts in a second, in the order they come,
  // which leaves every row sorted (a row's lower contacts come from earlier pairs, in order,
  // then its higher ones). Memory: the pairs and the graph, nothing more.
  const auto both = [&edges](std::size_t k) {
    const auto& e = edges[k / 2];
    return k % 2 == 0 ? e : Edge{e.second, e.first};
  };
  const auto first = boost::make_transform_iterator(boost::counting_iterator<std::size_t>(0), Directed{both});
  const auto last = boost::make_transform_iterator(boost::counting_iterator<std::size_t>(2 * edges.size()),
                                                   Directed{both});
  return Network(ContactGraph(boost::edges_are_unsorted_multi_pass, first, last, static_cast<std::uint32_t>(p.size())));
}

}  // namespace meedoen::models
