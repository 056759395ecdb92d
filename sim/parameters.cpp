#include "parameters.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace meedoen::sim {

ParamTable::ParamTable(std::vector<ParamSpec> specs) : specs_(std::move(specs)) {
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    const auto& s = specs_[i];
    if (!index_.emplace(s.name, i).second) throw std::logic_error("parameter declared twice: " + s.name);
    if (s.defaults.empty()) throw std::logic_error("parameter without default: " + s.name);
    if (s.is_vector() && s.labels.size() != s.defaults.size())
      throw std::logic_error("parameter labels and defaults differ in length: " + s.name);
    if (!ParamSet::check(s, s.defaults).empty())
      throw std::logic_error("parameter default outside its range: " + s.name);
  }
  const ParamSet defaults(*this);
  for (const auto* lower : relations()) {
    const auto* upper = find(lower->at_most);
    if (!upper || lower->is_vector() || upper->is_vector())
      throw std::logic_error("relation to an unknown parameter or a list: " + lower->name);
    if (!defaults.check_relation(*lower).empty()) throw std::logic_error("defaults break a relation: " + lower->name);
  }
}

std::vector<const ParamSpec*> ParamTable::relations() const {
  std::vector<const ParamSpec*> out;
  for (const auto& s : specs_)
    if (!s.at_most.empty()) out.push_back(&s);
  return out;
}

const ParamSpec* ParamTable::find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &specs_[it->second];
}

const ParamSpec& ParamTable::at(std::string_view name) const {
  if (const auto* s = find(name)) return *s;
  throw std::out_of_range("unknown parameter: " + std::string(name));
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string format_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

std::vector<std::string> near_names(std::string_view name, const std::vector<std::string>& candidates,
                                    std::size_t at_most) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& candidate : candidates) {
    const auto d = edit_distance(name, candidate);
    if (d <= std::max<std::size_t>(3, name.size() / 4)) scored.emplace_back(d, candidate);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < at_most; ++i) out.push_back(scored[i].second);
  return out;
}

std::vector<std::string> ParamTable::near(std::string_view name, std::size_t at_most) const {
  std::vector<std::string> names;
  for (const auto& s : specs_) names.push_back(s.name);
  return near_names(name, names, at_most);
}

std::string ParamTable::to_markdown() const {
  std::ostringstream os;
  os << "| name | unit | default | range | source | description |\n";
  os << "|---|---|---|---|---|---|\n";
  for (const auto& s : specs_) {
    std::string related;  // the relations, with both parameters
    if (!s.at_most.empty()) related = std::string(s.strictly_below ? "; below `" : "; at most `") + s.at_most + "`";
    for (const auto* lower : relations())
      if (lower->at_most == s.name)
        related += std::string(lower->strictly_below ? "; above `" : "; at least `") + lower->name + "`";
    std::string def;
    if (s.is_vector()) {
      for (std::size_t i = 0; i < s.size(); ++i)
        def += (i ? ", " : "") + s.labels[i] + ": " + format_number(s.defaults[i]);
    } else {
      def = format_number(s.defaults[0]);
    }
    os << "| `" << s.name << "` | " << s.unit << " | " << def << " | " << format_number(s.min) << " to "
       << format_number(s.max) << (s.integer ? " (whole)" : "") << related << " | "
       << (s.is_assumption() ? "**assumption**" : s.source) << " | " << s.description << " |\n";
  }
  return os.str();
}

ParamSet::ParamSet(const ParamTable& table) : table_(&table) {
  for (const auto& s : table.specs()) values_.emplace(s.name, s.defaults);
}

double ParamSet::get(std::string_view name) const {
  const auto& v = vec(name);
  if (v.size() != 1) throw std::logic_error("parameter is a vector, not a scalar: " + std::string(name));
  return v[0];
}

const std::vector<double>& ParamSet::vec(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw std::out_of_range("unknown parameter: " + std::string(name));
  return it->second;
}

void ParamSet::set(std::string_view name, std::vector<double> values) {
  const auto& spec = table_->at(name);
  if (const auto why = check(spec, values); !why.empty())
    throw std::invalid_argument(std::string(name) + ": " + why);
  values_.find(name)->second = std::move(values);
  overridden_[std::string(name)] = true;
}

bool ParamSet::set_unless_overridden(std::string_view name, std::vector<double> values) {
  if (overridden(name)) return false;
  const auto& spec = table_->at(name);
  if (const auto why = check(spec, values); !why.empty())
    throw std::invalid_argument(std::string(name) + ": " + why);
  values_.find(name)->second = std::move(values);
  return true;
}

bool ParamSet::overridden(std::string_view name) const { return overridden_.count(name) > 0; }

std::string ParamSet::check(const ParamSpec& spec, const std::vector<double>& values) {
  const std::string range = format_number(spec.min) + " to " + format_number(spec.max);
  const std::string kind = spec.integer ? "a whole number" : "a number";
  if (values.size() != spec.size()) {
    if (spec.is_vector())
      return "expected a list of " + std::to_string(spec.size()) + " numbers, got " +
             std::to_string(values.size()) + " (each " + range + ")";
    return "expected " + kind + " from " + range + ", got a list";
  }
  for (double v : values) {
    if (!std::isfinite(v) || v < spec.min || v > spec.max)
      return "value " + format_number(v) + " is out of range (" + kind + " from " + range + ")";
    if (spec.integer && v != std::floor(v))
      return "value " + format_number(v) + " is not a whole number (a whole number from " + range + ")";
  }
  return {};
}

std::string ParamSet::check_relation(const ParamSpec& lower, bool from_upper) const {
  const double low = get(lower.name), high = get(lower.at_most);
  if (lower.strictly_below ? low < high : low <= high) return {};
  const std::string rule = lower.name + (lower.strictly_below ? " below " : " at most ") + lower.at_most;
  if (from_upper)
    return "value " + format_number(high) + " is " + (low == high ? "equal to " : "below ") + lower.name + " (" +
           format_number(low) + "), the lower bound of the same thing (" + rule + ")";
  return "value " + format_number(low) + " is " + (low == high ? "equal to " : "above ") + lower.at_most + " (" +
         format_number(high) + "), the upper bound of the same thing (" + rule + ")";
}

}  // namespace meedoen::sim
