// The social network: undirected contacts stored as Boost.Graph's compressed
// sparse row graph (each contact in both directions), built once per replicate
// from three layers (MODEL.md section 2): household (all pairs), neighbourhood
// (random contacts in the wijk) and friends (a small world over the wijk's
// residents ordered by age).
#pragma once

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <cstdint>
#include <span>

#include "models/people.hpp"
#include "sim/parameters.hpp"
#include "sim/rng.hpp"

namespace meedoen::models {

using ContactGraph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                                        boost::no_property, std::uint32_t, std::uint32_t>;

class Network {
public:
  Network() = default;
  explicit Network(ContactGraph graph) : graph_(std::move(graph)) {}

  std::span<const PersonId> contacts(PersonId i) const {
    const auto& rows = graph_.m_forward.m_rowstart;
    return {graph_.m_forward.m_column.data() + rows[i], rows[i + 1] - rows[i]};
  }
  std::size_t persons() const { return num_vertices(graph_); }
  std::size_t contact_pairs() const { return num_edges(graph_) / 2; }
  std::size_t bytes() const {
    return graph_.m_forward.m_rowstart.capacity() * sizeof(std::uint32_t) +
           graph_.m_forward.m_column.capacity() * sizeof(std::uint32_t);
  }
  const ContactGraph& graph() const { return graph_; }

private:
  ContactGraph graph_;
};

Network build_network(const People& people, const sim::ParamSet& params, const sim::Rng& rng, std::uint32_t replicate);

}  // namespace meedoen::models
