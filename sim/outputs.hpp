// The outputs of a model, each declared once: its name, type, dimensions,
// units and meaning. The results file, the pieces of a run (their order and
// sizes), the Python Results and docs/outputs.md all read the same table.
//
// A piece (sim::Part) holds one replicate: for each group of the file in
// order (the scenarios, then the file's root when it has outputs there), the
// outputs of that group in the table's order, u32 ones in part.u32 and f64
// ones in part.f64.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/part_store.hpp"
#include "sim/results_file.hpp"

namespace meedoen::sim {

enum class ValueType { u32, f64 };

struct Output {
  std::string name;
  ValueType type;
  std::vector<std::string> dims;  // the first is "replicate": one block per replicate
  std::string units;
  std::string long_name;
  bool scales_with_population;  // a number of people or euros, which grows with the population
  bool per_scenario = true;     // false: once per run, at the root of the file
  // Labels of the last dimension whose values have other units: (label, units).
  std::vector<std::pair<std::string, std::string>> label_units = {};

  // The units of the values at `label` of the last dimension.
  const std::string& units_of(const std::string& label) const;
  // The `units` attribute written to the file: the units, and the exceptions if any.
  std::string units_attribute() const;
};

using Outputs = std::vector<Output>;

// The groups of one run's file and the extent of every dimension in each
// (except the replicate); the root is the group "".
struct Layout {
  struct Group {
    std::string name;
    std::map<std::string, std::size_t> extents;
  };
  std::vector<Group> groups;
};

// Whether `output` belongs in `group` (the root holds those not per scenario).
bool belongs(const Output& output, const Layout::Group& group);

// The number of values of `output` in one replicate of `group`.
std::size_t block_size(const Output& output, const Layout::Group& group);

// The arrays one group of a replicate computed, by output name.
struct GroupValues {
  std::map<std::string, std::vector<std::uint32_t>> u32;
  std::map<std::string, std::vector<double>> f64;
};

// Appends `values` to `part` in the table's order for a group of kind
// `per_scenario`. std::logic_error if one of its outputs is missing or
// `values` holds one the table does not declare.
void append(Part& part, const Outputs& outputs, bool per_scenario, GroupValues values);

// Whether `part` holds exactly the arrays of `outputs` for `layout`, each of its size.
bool fits(const Outputs& outputs, const Layout& layout, const Part& part);

// Declares every output of `group` in `file` (its coordinates must be there).
void declare(ResultsFile& file, const Outputs& outputs, const Layout::Group& group);

// Writes the piece of `replicate` (which must fit) into `file`.
void write(ResultsFile& file, const Outputs& outputs, const Layout& layout, std::size_t replicate, const Part& part);

}  // namespace meedoen::sim
