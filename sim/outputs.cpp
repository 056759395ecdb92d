#include "sim/outputs.hpp"

#include <stdexcept>

namespace meedoen::sim {

const std::string& Output::units_of(const std::string& label) const {
  for (const auto& [other, other_units] : label_units)
    if (other == label) return other_units;
  return units;
}

std::string Output::units_attribute() const {
  std::string text = units;
  for (std::size_t k = 0; k < label_units.size(); ++k)
    text += (k ? ", " : " (") + label_units[k].second + " for " + dims.back() + " " + label_units[k].first +
            (k + 1 == label_units.size() ? ")" : "");
  return text;
}

bool belongs(const Output& output, const Layout::Group& group) { return output.per_scenario == !group.name.empty(); }

std::size_t block_size(const Output& output, const Layout::Group& group) {
  std::size_t size = 1;
  for (std::size_t k = 1; k < output.dims.size(); ++k) size *= group.extents.at(output.dims[k]);
  return size;
}

void append(Part& part, const Outputs& outputs, bool per_scenario, GroupValues values) {
  std::size_t taken = 0;
  for (const auto& output : outputs) {
    if (output.per_scenario != per_scenario) continue;
    const bool u32 = output.type == ValueType::u32;
    const auto found_u32 = values.u32.find(output.name);
    const auto found_f64 = values.f64.find(output.name);
    if (u32 ? found_u32 == values.u32.end() : found_f64 == values.f64.end())
      throw std::logic_error("outputs: no values for " + output.name);
    if (u32)
      part.u32.push_back(std::move(found_u32->second));
    else
      part.f64.push_back(std::move(found_f64->second));
    ++taken;
  }
  if (taken != values.u32.size() + values.f64.size())
    throw std::logic_error("outputs: values for an output the table does not declare");
}

bool fits(const Outputs& outputs, const Layout& layout, const Part& part) {
  std::size_t u32 = 0, f64 = 0;
  for (const auto& group : layout.groups)
    for (const auto& output : outputs) {
      if (!belongs(output, group)) continue;
      const bool is_u32 = output.type == ValueType::u32;
      auto& at = is_u32 ? u32 : f64;
      const std::size_t count = is_u32 ? part.u32.size() : part.f64.size();
      if (at >= count) return false;
      const std::size_t size = is_u32 ? part.u32[at].size() : part.f64[at].size();
      if (size != block_size(output, group)) return false;
      ++at;
    }
  return u32 == part.u32.size() && f64 == part.f64.size();
}

void declare(ResultsFile& file, const Outputs& outputs, const Layout::Group& group) {
  for (const auto& output : outputs) {
    if (!belongs(output, group)) continue;
    if (output.type == ValueType::u32)
      file.dataset_u32(group.name, output.name, output.dims, output.units_attribute(), output.long_name);
    else
      file.dataset_f64(group.name, output.name, output.dims, output.units_attribute(), output.long_name);
  }
}

void write(ResultsFile& file, const Outputs& outputs, const Layout& layout, std::size_t replicate, const Part& part) {
  std::size_t u32 = 0, f64 = 0;
  for (const auto& group : layout.groups)
    for (const auto& output : outputs) {
      if (!belongs(output, group)) continue;
      if (output.type == ValueType::u32)
        file.write_u32(group.name, output.name, replicate, part.u32.at(u32++));
      else
        file.write_f64(group.name, output.name, replicate, part.f64.at(f64++));
    }
}

}  // namespace meedoen::sim
