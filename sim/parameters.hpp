// The parameter registry: every parameter is declared once, with unit,
// default, range, source and description. Scenario validation, the
// parameter documentation and the Python side all read this declaration.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace meedoen::sim {

struct ParamSpec {
  std::string name;                 // dotted, e.g. "ladder.up_rate"
  std::string unit;                 // e.g. "per year", "share", "logit", "euro per year"
  std::vector<double> defaults;     // one value for a scalar, one per label for a vector
  std::vector<std::string> labels;  // empty for a scalar
  double min = 0.0;
  double max = 1.0;
  bool integer = false;
  std::string source;       // a row of data/figures.md ("F 5.1"), a seed document, or "assumption"
  std::string description;  // one sentence
  // The relation to the upper bound of the same thing (min_budget to max_budget), declared with the
  // lower one: this parameter is at most `at_most` (below it when `strictly_below`); "" for none.
  std::string at_most{};
  bool strictly_below = false;

  bool is_vector() const { return !labels.empty(); }
  bool is_assumption() const { return source == "assumption"; }
  std::size_t size() const { return defaults.size(); }
};

// `lower` with its relation to `upper`, the upper bound of the same thing: at most it, or below it when
// `strictly` (min_age below age.pension).
inline ParamSpec at_most(ParamSpec lower, std::string upper, bool strictly = false) {
  lower.at_most = std::move(upper);
  lower.strictly_below = strictly;
  return lower;
}

class ParamTable {
public:
  explicit ParamTable(std::vector<ParamSpec> specs);

  const ParamSpec* find(std::string_view name) const;
  const ParamSpec& at(std::string_view name) const;  // std::out_of_range naming the key
  const std::vector<ParamSpec>& specs() const { return specs_; }

  // The parameters that are the lower bound of another (at_most set).
  std::vector<const ParamSpec*> relations() const;

  // Names close to a misspelt one, for "did you mean" hints.
  std::vector<std::string> near(std::string_view name, std::size_t at_most = 3) const;

  // The whole table as Markdown (docs/parameters.md).
  std::string to_markdown() const;

private:
  std::vector<ParamSpec> specs_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

// Values for one scenario: the table's defaults with the scenario's overrides.
class ParamSet {
public:
  explicit ParamSet(const ParamTable& table);

  double get(std::string_view name) const;                      // a scalar
  const std::vector<double>& vec(std::string_view name) const;  // a vector (or a scalar as one value)
  void set(std::string_view name, std::vector<double> values);  // values already validated
  // Sets a value from outside the scenario file (calibration, a posterior draw) unless the
  // file overrides it here, which it wins over; does not mark it overridden. True if set.
  bool set_unless_overridden(std::string_view name, std::vector<double> values);
  bool overridden(std::string_view name) const;  // set by the scenario file (set())
  const ParamTable& table() const { return *table_; }

  // Is `values` allowed for `spec`? Empty when fine, otherwise what is allowed.
  static std::string check(const ParamSpec& spec, const std::vector<double>& values);

  // Why the values break the relation of `lower` (a spec with at_most set), naming both
  // parameters; empty when they keep it.
  // `from_upper`: the message speaks of the upper bound's value (reported at its key).
  std::string check_relation(const ParamSpec& lower, bool from_upper = false) const;

private:
  const ParamTable* table_;
  std::map<std::string, std::vector<double>, std::less<>> values_;
  std::map<std::string, bool, std::less<>> overridden_;
};

// Up to `at_most` of `candidates` close to a misspelt `name` (edit distance
// at most max(3, a quarter of its length)), the closest first.
std::vector<std::string> near_names(std::string_view name, const std::vector<std::string>& candidates,
                                    std::size_t at_most = 3);

// Rates carry time units: a yearly probability or hazard becomes a weekly
// probability once, at start-up.
constexpr double kWeeksPerYear = 52.0;

inline double weekly_from_yearly_probability(double p_year) {
  return 1.0 - std::pow(1.0 - p_year, 1.0 / kWeeksPerYear);
}

}  // namespace meedoen::sim
