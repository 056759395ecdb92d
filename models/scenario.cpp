// Reads a scenario file (TOML) into an Experiment. Strict: every unknown key,
// wrong type or out-of-range value is a problem, and all problems of a file
// are reported together as FILE:LINE: key: what is wrong (what is allowed).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <toml++/toml.h>
#include <type_traits>

#include "models/experiment.hpp"
#include "models/interventions/registry.hpp"
#include "models/model_parameters.hpp"
#include "models/population.hpp"
#include "models/runner.hpp"
#include "models/wijken.hpp"
#include "sim/errors.hpp"

namespace meedoen::embedded {
extern const std::string_view leiden_toml;
}

namespace meedoen::models {
namespace {

using Problems = std::vector<sim::Problem>;
// Where one level of the file ([parameters], a [scenario.parameters], an intervention) sets
// parameters: name -> (line, key as written there).
using Origins = std::map<std::string, std::pair<int, std::string>>;
using Leaves = std::vector<std::pair<std::string, const toml::node*>>;
using Limits = ExperimentLimits;

constexpr std::int64_t kMaxSeed = std::numeric_limits<std::int64_t>::max();
// enrolled_in holds an intervention's index + 1 in a byte (interventions/intervention.hpp).
constexpr std::size_t kMaxInterventions = 255;

// What the scenarios are checked against: read before them.
struct Context {
  int weeks = Limits::max_weeks;                  // the experiment's; the limit when its value is wrong
  std::optional<std::vector<std::string>> wijken;  // the population's wijk names; none when the data is broken
};

// A value as text; a decimal number with as few digits as say it exactly (150.0000001 is not 150).
template <typename T>
std::string str(const T& value) {
  std::ostringstream os;
  os << value;
  if constexpr (std::is_floating_point_v<T>) {
    for (int digits = 7; digits <= std::numeric_limits<T>::max_digits10 && std::stod(os.str()) != value; ++digits) {
      os.str("");
      os << std::setprecision(digits) << value;
    }
  }
  return os.str();
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// What is allowed instead of `name`: "(did you mean NEAR? WHAT: A, B, C)", the hint only for a near one.
std::string allowed_names(const std::string& name, const std::vector<std::string>& names, std::string_view what) {
  const auto near = sim::near_names(name, names, 1);
  const std::string hint = near.empty() ? "" : "did you mean " + near.front() + "? ";
  return "(" + hint + std::string(what) + ": " + join(names) + ")";
}

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

std::string text_of(const toml::node& node) {
  return node.visit([](const auto& v) { return str(v); });
}

std::string kind_of(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "a whole number";
    case toml::node_type::floating_point: return "a decimal number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "a list";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

template <typename T>
std::string range_text(bool whole, T lo, T hi) {
  return std::string(whole ? "a whole number" : "a number") + " from " + str(lo) + " to " + str(hi);
}

// Why `value` is outside [lo, hi], or "" when it is inside.
template <typename T>
std::string out_of_range(T value, T lo, T hi, bool whole) {
  if (value >= lo && value <= hi) return {};
  return "value " + str(value) + " is out of range (" + range_text(whole, lo, hi) + ")";
}

// Why `node` is not a number (a whole one if `whole`), or "" when it is one.
std::string not_a_number(const toml::node& node, bool whole) {
  if (node.is_integer() || (node.is_floating_point() && !whole)) return {};
  if (node.is_floating_point()) return "value " + text_of(node) + " is not a whole number";
  return "is " + kind_of(node);
}

// Is integer `v` within [lo, hi]? Exactly: an integer beyond 2^53 is never rounded into a double range.
template <typename T>
bool integer_within(std::int64_t v, T lo, T hi) {
  if constexpr (std::is_integral_v<T>) {
    return v >= lo && v <= hi;
  } else {
    constexpr std::int64_t exact = std::int64_t{1} << std::numeric_limits<double>::digits;
    return v >= -exact && v <= exact && static_cast<double>(v) >= lo && static_cast<double>(v) <= hi;
  }
}

// The one check of every number in a scenario file: `node` as a number from lo to hi (a whole one
// if `whole`) into `out`, or why it is not one (without what is allowed, which the caller adds).
template <typename T>
std::string read_number(const toml::node& node, T lo, T hi, bool whole, T& out) {
  if (auto why = not_a_number(node, whole); !why.empty()) return why;
  if (const auto* integer = node.as_integer()) {
    if (!integer_within(integer->get(), lo, hi)) return "value " + str(integer->get()) + " is out of range";
    out = static_cast<T>(integer->get());
    return {};
  }
  const double v = node.as_floating_point()->get();  // a decimal number, so T is double
  if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi))) return "value " + str(v) + " is out of range";
  out = static_cast<T>(v);
  return {};
}

bool is_readable_file(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && std::ifstream(path).good();
}

// One table of the file, with its dotted key ("experiment", "scenario[2]").
struct Section {
  const toml::table& table;
  std::string key;
  int line;
  const std::string& file;
  Problems& problems;

  std::string full(std::string_view k) const { return key.empty() ? std::string(k) : key + "." + std::string(k); }

  void problem(int at, std::string_view k, std::string message) const {
    problems.push_back({file, at, full(k), std::move(message)});
  }

  void only(std::initializer_list<std::string_view> allowed) const {
    std::string names;
    for (auto name : allowed) names += (names.empty() ? "" : ", ") + std::string(name);
    for (const auto& [k, v] : table)
      if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end())
        problem(line_of(v), k.str(), "unknown key (allowed: " + names + ")");
  }

  // The sub-table `k`; an empty one (at this table's line) when it is absent or not a table.
  Section sub(std::string_view k) const {
    static const toml::table empty;
    const auto* node = table.get(k);
    if (node && !node->is_table()) problem(line_of(*node), k, "is " + kind_of(*node) + " (a table [" + full(k) + "])");
    const auto* t = node ? node->as_table() : nullptr;
    return {t ? *t : empty, full(k), t ? line_of(*t) : line, file, problems};
  }

  std::optional<std::string> text(std::string_view k, bool required, std::string_view allowed) const {
    const auto* node = table.get(k);
    if (!node && required) problem(line, k, "is missing (" + std::string(allowed) + ")");
    if (node && !node->is_string())
      problem(line_of(*node), k, "is " + kind_of(*node) + " (" + std::string(allowed) + ")");
    auto value = node ? node->value_exact<std::string>() : std::nullopt;
    // A NUL (\u0000) ends the C strings the name or path becomes; a tab or line break breaks a table.
    if (value && std::any_of(value->begin(), value->end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; })) {
      problem(line_of(*node), k, "holds a control character such as \\u0000, a tab or a line break (" +
                                     std::string(allowed) + ")");
      return std::nullopt;  // not used further: one problem
    }
    return value;
  }

  std::optional<std::int64_t> whole(std::string_view k, std::int64_t lo, std::int64_t hi) const {
    return number<std::int64_t>(k, lo, hi, true);
  }

  std::optional<double> decimal(std::string_view k, double lo, double hi) const {
    return number<double>(k, lo, hi, false);
  }

  template <typename T>
  std::optional<T> number(std::string_view k, T lo, T hi, bool integer) const {
    const auto* node = table.get(k);
    if (!node) return std::nullopt;
    T value{};
    if (auto why = read_number(*node, lo, hi, integer, value); !why.empty()) {
      problem(line_of(*node), k, why + " (" + range_text(integer, lo, hi) + ")");
      return std::nullopt;
    }
    return value;
  }
};

// The weeks that interventions must fit in (the limit when the file's value is wrong).
int read_settings(const Section& s, Experiment& e) {
  s.only({"name", "weeks", "replicates", "seed"});
  if (auto name = s.text("name", true, "a string naming the experiment")) e.name = *name;
  const auto weeks = s.whole("weeks", 1, Limits::max_weeks);
  if (weeks) e.weeks = static_cast<int>(*weeks);
  if (auto n = s.whole("replicates", 1, Limits::max_replicates)) e.replicates = static_cast<int>(*n);
  if (auto seed = s.whole("seed", 0, kMaxSeed)) e.seed = static_cast<std::uint64_t>(*seed);
  return weeks || !s.table.get("weeks") ? e.weeks : Limits::max_weeks;
}

// Checks that the wijk CSV exists and parses (its own problems go to
// `data_problems`); its wijken go to e.wijken, their names are returned, none when it does not.
std::optional<std::vector<std::string>> read_population(const Section& s, Experiment& e, Problems& data_problems) {
  s.only({"data", "scale"});
  if (auto scale = s.decimal("scale", Limits::min_scale, Limits::max_scale)) e.scale = *scale;
  const auto data = s.text("data", false, "\"leiden\" or a path to a wijk CSV");
  if (!data && s.table.get("data")) return std::nullopt;
  if (data && *data != "leiden") {
    const auto path = std::filesystem::path(e.source_path).parent_path() / *data;
    e.population_data = path.string();
    if (!is_readable_file(path)) {
      s.problem(line_of(*s.table.get("data")), "data",
                "cannot read " + e.population_data + " (\"leiden\" or a path to a wijk CSV, relative to this file)");
      return std::nullopt;
    }
  }
  try {
    e.wijken = load_wijken(e.population_data);
    std::vector<std::string> names;
    for (const auto& wijk : e.wijken) names.push_back(wijk.name);
    return names;
  } catch (const sim::InputError& err) {
    data_problems.insert(data_problems.end(), err.problems().begin(), err.problems().end());
    return std::nullopt;
  }
}

// Dotted keys and nested tables both give the dotted parameter name.
void flatten(const toml::table& t, const std::string& prefix, Leaves& out) {
  for (const auto& [k, v] : t) {
    const std::string name = prefix + std::string(k.str());
    if (const auto* sub = v.as_table()) flatten(*sub, name + ".", out);
    else out.emplace_back(name, &v);
  }
}

// `leaves` in the order of their lines; a problem for each name set a second time, which TOML
// allows when one is a quoted dotted key ("ladder.peer_up" = 3 beside [x.ladder] peer_up = 2).
// The leaves that remain are those set once, or first.
void refuse_twice_set(const Section& s, Leaves& leaves) {
  std::stable_sort(leaves.begin(), leaves.end(),
                   [](const auto& a, const auto& b) { return line_of(*a.second) < line_of(*b.second); });
  std::map<std::string, int> first;
  std::erase_if(leaves, [&](const auto& leaf) {
    const auto [at, fresh] = first.emplace(leaf.first, line_of(*leaf.second));
    if (!fresh)
      s.problem(line_of(*leaf.second), leaf.first,
                "is set a second time (first at line " + std::to_string(at->second) + "; once per table)");
    return !fresh;
  });
}

std::string allowed_values(const sim::ParamSpec& spec) {
  if (!spec.is_vector()) return range_text(spec.integer, spec.min, spec.max);
  return "a list of " + std::to_string(spec.size()) + (spec.integer ? " whole numbers" : " numbers") + ", each from " +
         str(spec.min) + " to " + str(spec.max);
}

// The numbers of a parameter's value, or why it has none.
std::string read_numbers(const toml::node& node, const sim::ParamSpec& spec, std::vector<double>& out) {
  const auto* list = node.as_array();
  double value = 0;
  if (!list) {
    if (auto why = read_number(node, spec.min, spec.max, spec.integer, value); !why.empty())
      return why + " (" + allowed_values(spec) + ")";
    out = {value};
    return sim::ParamSet::check(spec, out);
  }
  if (!spec.is_vector()) return "is a list (" + allowed_values(spec) + ")";
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (auto why = read_number(*list->get(i), spec.min, spec.max, spec.integer, value); !why.empty())
      return "element " + std::to_string(i + 1) + (why.starts_with("is") ? " " : ": ") + why + " (" +
             allowed_values(spec) + ")";
    out.push_back(value);
  }
  return sim::ParamSet::check(spec, out);
}

std::string unknown_parameter(const std::string& name) {
  const auto near = model_parameters().near(name);
  if (near.empty()) return "unknown parameter (docs/parameters.md lists them)";
  std::string names;
  for (const auto& n : near) names += (names.empty() ? "" : ", ") + n;
  return "unknown parameter (did you mean " + names + "?)";
}

// Reports every relation between parameters (min_budget at most max_budget) that `params` breaks,
// at the level `s` that set one of the two, naming both.
void check_relations(const Section& s, const sim::ParamSet& params, const Origins& here) {
  for (const auto* lower : params.table().relations()) {
    auto at = here.find(lower->name);
    const bool at_upper = at == here.end();
    if (at_upper) at = here.find(lower->at_most);
    if (at == here.end()) continue;
    if (auto why = params.check_relation(*lower, at_upper); !why.empty())
      s.problem(at->second.first, at->second.second, why);
  }
}

// The values of parameter table `s` ([parameters], [scenario.parameters]) set in `params`.
void read_overrides(const Section& s, sim::ParamSet& params) {
  Leaves leaves;
  flatten(s.table, "", leaves);
  refuse_twice_set(s, leaves);
  Origins here;
  for (const auto& [name, node] : leaves) {
    const auto* spec = model_parameters().find(name);
    std::vector<double> values;
    const auto why = spec ? read_numbers(*node, *spec, values) : unknown_parameter(name);
    if (!why.empty()) {
      s.problem(line_of(*node), name, why);
      continue;
    }
    params.set(name, std::move(values));
    here[name] = {line_of(*node), name};
  }
  check_relations(s, params, here);
}

bool is_group_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// The keys of every [[scenario.intervention]]; its other keys are parameters of its type.
const std::vector<std::string> kInterventionKeys = {"type", "name", "wijken", "start_week", "end_week"};

std::vector<std::string> type_names() {
  std::vector<std::string> names;
  for (const auto& type : intervention_types()) names.emplace_back(type.name);
  return names;
}

// The keys of a type's parameters ("<type>.<key>" in the registry).
std::vector<std::string> parameter_keys(const InterventionType& type) {
  std::vector<std::string> keys;
  for (const auto& spec : type.parameters()) keys.push_back(spec.name.substr(type.name.size() + 1));
  return keys;
}

// The registered type of intervention `s`; null (with a problem) when it names none.
const InterventionType* read_type(const Section& s) {
  const auto names = type_names();
  const auto type = s.text("type", true, "one of the intervention types: " + join(names));
  if (!type) return nullptr;
  const auto* found = find_intervention_type(*type);
  if (!found)
    s.problem(line_of(*s.table.get("type")), "type",
              "unknown intervention type '" + *type + "' " + allowed_names(*type, names, "one of"));
  return found;
}

// The intervention's own name, or else its type's; "" when neither is usable.
std::string read_intervention_name(const Section& s, const InterventionType* type) {
  if (!s.table.get("name")) return type ? std::string(type->name) : "";
  const auto name = s.text("name", false, "a name of letters, digits, _ and -; the type when absent");
  if (!name || is_group_name(*name)) return name.value_or("");
  s.problem(line_of(*s.table.get("name")), "name",
            "'" + *name + "' is not a valid name (one or more letters a-z, A-Z, digits, _ and -)");
  return "";
}

// The wijken the intervention works in, as indices into the population's wijk
// table: all of them when it names none. Names are checked only when the data is sound.
void read_wijken(const Section& s, const Context& ctx, InterventionSpec& spec) {
  const auto* node = s.table.get("wijken");
  if (!node) {
    if (ctx.wijken)
      for (std::size_t w = 0; w < ctx.wijken->size(); ++w) spec.wijken.push_back(static_cast<std::uint8_t>(w));
    return;
  }
  const std::string allowed =
      ctx.wijken ? "names of the population's wijken: " + join(*ctx.wijken) : "names of the population's wijken";
  const auto* list = node->as_array();
  if (!list || list->empty()) {
    s.problem(line_of(*node), "wijken",
              (list ? std::string("is an empty list") : "is " + kind_of(*node)) + " (a list of one or more " + allowed +
                  "; all wijken when absent)");
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& item = *list->get(i);
    const auto name = item.value_exact<std::string>();
    if (!name) {
      s.problem(line_of(item), "wijken",
                "element " + std::to_string(i + 1) + " is " + kind_of(item) + " (" + allowed + ")");
      continue;
    }
    if (!ctx.wijken) continue;
    const auto& names = *ctx.wijken;
    const auto at = std::find(names.begin(), names.end(), *name);
    if (at == names.end()) {
      s.problem(line_of(item), "wijken",
                "unknown wijk '" + *name + "' " + allowed_names(*name, names, "the population's wijken"));
      continue;
    }
    const auto index = static_cast<std::uint8_t>(at - names.begin());
    if (std::find(spec.wijken.begin(), spec.wijken.end(), index) != spec.wijken.end())
      s.problem(line_of(item), "wijken", "'" + *name + "' is listed twice (each wijk once)");
    else
      spec.wijken.push_back(index);
  }
}

// Week `k` of the intervention, from `first` (described as `first_is`) to the
// experiment's last; none (with a problem) when it is not one.
std::optional<int> read_week(const Section& s, std::string_view k, int first, const std::string& first_is, int weeks) {
  const auto* node = s.table.get(k);
  if (!node) return std::nullopt;
  const std::string allowed = " (a whole number from " + str(first) + " to " + str(weeks) + ")";
  std::int64_t week = 0;
  constexpr auto any = std::numeric_limits<std::int64_t>::max();
  std::string why = read_number(*node, -any, any, true, week);  // its range is checked below, said per bound
  if (why.empty() && week > weeks) why = "value " + str(week) + " is after the experiment's last week, " + str(weeks);
  if (why.empty() && week < first) why = "value " + str(week) + " is before " + first_is;
  if (why.empty()) return static_cast<int>(week);
  s.problem(line_of(*node), k, why + allowed);
  return std::nullopt;
}

// The intervention's own parameters, set on top of the scenario's.
void read_intervention_parameters(const Section& s, const InterventionType& type, InterventionSpec& spec) {
  Leaves leaves;
  for (const auto& [k, v] : s.table) {
    const std::string key(k.str());
    if (std::find(kInterventionKeys.begin(), kInterventionKeys.end(), key) != kInterventionKeys.end()) continue;
    if (const auto* sub = v.as_table()) flatten(*sub, key + ".", leaves);
    else leaves.emplace_back(key, &v);
  }
  if (leaves.empty()) return;
  refuse_twice_set(s, leaves);
  const auto keys = parameter_keys(type);
  Origins here;
  for (const auto& [key, node] : leaves) {
    const bool known = std::find(keys.begin(), keys.end(), key) != keys.end();
    const auto* param = known ? model_parameters().find(std::string(type.name) + "." + key) : nullptr;
    if (!param) {
      auto allowed = kInterventionKeys;
      allowed.insert(allowed.end(), keys.begin(), keys.end());
      s.problem(line_of(*node), key,
                "unknown key for type " + std::string(type.name) + " " + allowed_names(key, allowed, "allowed"));
      continue;
    }
    std::vector<double> values;
    if (auto why = read_numbers(*node, *param, values); !why.empty()) {
      s.problem(line_of(*node), key, why);
      continue;
    }
    spec.params.set(param->name, std::move(values));
    here[param->name] = {line_of(*node), key};
  }
  check_relations(s, spec.params, here);
}

InterventionSpec read_intervention(const Section& s, const ScenarioSpec& scenario, const Context& ctx) {
  const auto* type = read_type(s);
  InterventionSpec spec{read_intervention_name(s, type), type ? std::string(type->name) : "", s.line, {}, 1, 0,
                        scenario.params};
  read_wijken(s, ctx, spec);
  const auto start = read_week(s, "start_week", 1, "week 1", ctx.weeks);
  const auto end =
      read_week(s, "end_week", start.value_or(1), start ? "start_week " + str(*start) : "week 1", ctx.weeks);
  spec.start_week = start.value_or(1);
  spec.end_week = end.value_or(0);
  if (type) read_intervention_parameters(s, *type, spec);
  return spec;
}

// The [[scenario.intervention]] tables of scenario `s`, each name once.
void read_interventions(const Section& s, const Context& ctx, ScenarioSpec& scenario) {
  const auto* node = s.table.get("intervention");
  if (!node) return;
  const auto* list = node->as_array();
  if (!list) {
    s.problem(line_of(*node), "intervention",
              "is " + kind_of(*node) + " (one or more [[scenario.intervention]] tables)");
    return;
  }
  std::map<std::string, std::string> seen;  // name -> its key
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& item = *list->get(i);
    const std::string key = "intervention[" + std::to_string(i + 1) + "]";
    const auto* t = item.as_table();
    if (!t) {
      s.problem(line_of(item), key, "is " + kind_of(item) + " (a [[scenario.intervention]] table)");
      continue;
    }
    const Section section{*t, s.full(key), line_of(*t), s.file, s.problems};
    if (i == kMaxInterventions)
      s.problem(section.line, key,
                "is one too many (at most " + str(kMaxInterventions) + " interventions in a scenario)");
    auto spec = read_intervention(section, scenario, ctx);
    const auto [it, fresh] = seen.emplace(spec.name, section.key);
    if (!fresh && !spec.name.empty()) {
      const auto* name = t->get("name");
      section.problem(name ? line_of(*name) : section.line, "name",
                      (name ? "'" + spec.name + "' is also the name of "
                            : "is missing, so it is '" + spec.name + "' (its type), as is ") +
                          it->second + " (each intervention of a scenario its own name)");
    }
    scenario.interventions.push_back(std::move(spec));
  }
}

// The names a scenario cannot have: each scenario is a group at the root of the results file,
// beside the outputs that are not per scenario and their dimensions (outputs(), models/runner.hpp).
std::vector<std::string> reserved_scenario_names() {
  std::vector<std::string> names;
  for (const auto& output : outputs()) {
    if (output.per_scenario) continue;
    for (const auto& name : output.dims)
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    names.push_back(output.name);
  }
  return names;
}

ScenarioSpec read_scenario(const Section& s, const sim::ParamSet& common, const Context& ctx) {
  s.only({"name", "parameters", "intervention"});
  ScenarioSpec spec{"", s.line, common, {}};
  const auto name = s.text("name", true, "a name of letters, digits, _ and -");
  const auto reserved = reserved_scenario_names();
  if (name && !is_group_name(*name))
    s.problem(line_of(*s.table.get("name")), "name",
              "'" + *name + "' is not a valid name (one or more letters a-z, A-Z, digits, _ and -)");
  else if (name && std::find(reserved.begin(), reserved.end(), *name) != reserved.end())
    s.problem(line_of(*s.table.get("name")), "name",
              "'" + *name + "' is reserved: the results file holds a dataset of that name (any other name; not " +
                  join(reserved) + ")");
  spec.name = name.value_or("");
  read_overrides(s.sub("parameters"), spec.params);
  read_interventions(s, ctx, spec);
  return spec;
}

// Reads scenario `s` and refuses a name that an earlier scenario has (`seen`: name -> its key).
void add_scenario(const Section& s, const sim::ParamSet& common, const Context& ctx,
                  std::map<std::string, std::string>& seen, Experiment& e) {
  auto spec = read_scenario(s, common, ctx);
  const auto [it, fresh] = seen.emplace(spec.name, s.key);
  if (!fresh && !spec.name.empty())
    s.problem(line_of(*s.table.get("name")), "name",
              "'" + spec.name + "' is also the name of " + it->second + " (each scenario its own name)");
  e.scenarios.push_back(std::move(spec));
}

void read_scenarios(const Section& top, const sim::ParamSet& common, const Context& ctx, Experiment& e) {
  const auto* node = top.table.get("scenario");
  const auto* list = node ? node->as_array() : nullptr;
  if (!list || list->empty()) {
    const std::string wrong = node ? "is " + kind_of(*node) : "is missing";
    top.problem(node ? line_of(*node) : top.line, "scenario", wrong + " (one or more [[scenario]] tables)");
    return;
  }
  std::map<std::string, std::string> seen;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& item = *list->get(i);
    const std::string key = "scenario[" + std::to_string(i + 1) + "]";
    if (const auto* t = item.as_table())
      add_scenario({*t, key, line_of(*t), top.file, top.problems}, common, ctx, seen, e);
    else top.problem(line_of(item), key, "is " + kind_of(item) + " (a [[scenario]] table)");
  }
  auto& all = e.scenarios;
  const auto base = std::find_if(all.begin(), all.end(), [](const auto& s) { return s.name == "baseline"; });
  if (base != all.end()) std::rotate(all.begin(), base, base + 1);
}

// Why nobody can be simulated at the experiment's scale (no adults, with some scenario's
// population.age_shares), or "".
std::string nobody_to_simulate(const Experiment& e) {
  for (const auto& scenario : e.scenarios) {
    const auto adults = scaled_adults(e.wijken, e.scale, scenario.params);
    if (std::accumulate(adults.begin(), adults.end(), 0) > 0) continue;
    const auto scaled = scaled_inhabitants(e.wijken, e.scale);
    const int residents = std::accumulate(scaled.begin(), scaled.end(), 0);  // children only, when some
    return "at scale " + str(e.scale) + " the population has no adults (" + str(residents) + " residents" +
           (residents > 0 && e.scenarios.size() > 1 ? " in scenario '" + scenario.name + "'" : "") +
           "): nobody to simulate (a larger scale, or a population file with more inhabitants)";
  }
  return {};
}

// The interventions that work only in wijken without adults at the experiment's scale.
std::vector<sim::Problem> empty_wijk_warnings(const Experiment& e) {
  std::vector<sim::Problem> out;
  for (const auto& scenario : e.scenarios) {
    const auto adults = scaled_adults(e.wijken, e.scale, scenario.params);
    for (const auto& i : scenario.interventions) {
      std::vector<std::string> names;
      for (const auto w : i.wijken) names.push_back(adults.at(w) == 0 ? e.wijk_names.at(w) : "");
      if (names.empty() || std::count(names.begin(), names.end(), "") > 0) continue;
      out.push_back({e.source_path, i.line, "wijken",
                     "warning: intervention '" + i.name + "' of scenario '" + scenario.name +
                         "' works only in wijken without adults at scale " + str(e.scale) + " (" + join(names) +
                         "): it is charged for nobody (wijken with adults at this scale, or a larger scale)"});
    }
  }
  return out;
}

// Refuses a population with nobody to simulate, at the [population] key that chose it.
void check_population(const Section& s, Experiment& e) {
  const auto why = nobody_to_simulate(e);
  if (why.empty()) return;
  const char* key = s.table.get("scale") ? "scale" : s.table.get("data") ? "data" : "";
  if (*key) s.problem(line_of(*s.table.get(key)), key, why);
  else s.problems.push_back({s.file, s.line, s.key, why});
}

}  // namespace

Experiment parse_experiment(std::string_view text, const std::string& path) {
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {  // UTF-16 or a binary file
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
    throw sim::InputError(sim::Problem{path, static_cast<int>(line), "",
                                       "is not UTF-8 text (save the scenario file as UTF-8)"});
  }
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& err) {
    const bool utf8 = err.description().find("invalid utf-8") != std::string_view::npos;  // toml++'s words
    throw sim::InputError(sim::Problem{path, static_cast<int>(err.source().begin.line), "",
                                       utf8 ? "is not UTF-8 text (save the scenario file as UTF-8)"
                                            : std::string(err.description()) + " (TOML syntax, see https://toml.io)"});
  }
  if (root.empty())  // one problem, not one per missing table
    throw sim::InputError(sim::Problem{path, 1, "",
                                       "has no settings (an [experiment] table with a name and at least one "
                                       "[[scenario]] table; scenarios/leiden.toml is an example)"});
  Experiment e;
  e.source_path = path;
  e.source_text = std::string(text);
  Problems problems, data_problems;
  const Section top{root, "", 1, path, problems};
  top.only({"experiment", "population", "parameters", "scenario"});
  Context ctx;
  ctx.weeks = read_settings(top.sub("experiment"), e);
  const auto population = top.sub("population");
  ctx.wijken = read_population(population, e, data_problems);
  if (ctx.wijken) e.wijk_names = *ctx.wijken;
  sim::ParamSet common(model_parameters());
  read_overrides(top.sub("parameters"), common);
  read_scenarios(top, common, ctx, e);
  if (problems.empty() && data_problems.empty()) check_population(population, e);
  std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  problems.insert(problems.end(), data_problems.begin(), data_problems.end());
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  e.warnings = empty_wijk_warnings(e);
  return e;
}

Experiment load_experiment(const std::string& path) {
  if (!is_readable_file(path))
    throw sim::InputError(sim::Problem{path, 0, "", "cannot read the file (a scenario file in TOML)"});
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_experiment(text.str(), path);
}

Experiment default_experiment() { return parse_experiment(embedded::leiden_toml, "scenarios/leiden.toml"); }

namespace {

// The limits of the whole-number settings a command line can replace.
std::pair<std::int64_t, std::int64_t> whole_limits(const std::string& flag) {
  if (flag == "--weeks") return {1, Limits::max_weeks};
  if (flag == "--replicates") return {1, Limits::max_replicates};
  if (flag == "--seed") return {0, kMaxSeed};
  throw std::invalid_argument("not a command-line setting: " + flag);
}

// `text` read whole into `out` by std::from_chars: "" when it is a number, "out of range" when it
// is one beyond T, "not" when it is none.
template <typename T>
std::string parse_text(const std::string& text, T& out) {
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ptr != end || ec == std::errc::invalid_argument || text.empty()) return "not";
  return ec == std::errc::result_out_of_range ? "out of range" : "";
}

}  // namespace

std::variant<std::int64_t, double> command_line_setting(const std::string& flag, const std::string& text) {
  const bool whole = flag != "--scale";
  const auto [lo, hi] = whole ? whole_limits(flag) : std::pair<std::int64_t, std::int64_t>{};
  const std::string allowed = whole ? range_text(true, lo, hi) : range_text(false, Limits::min_scale, Limits::max_scale);
  std::int64_t n = 0;
  double x = 0;
  std::string why = whole ? parse_text(text, n) : parse_text(text, x);
  if (why.empty()) {
    const bool outside = whole ? !out_of_range(n, lo, hi, true).empty()
                               : !out_of_range(x, Limits::min_scale, Limits::max_scale, false).empty();
    if (!outside) return whole ? std::variant<std::int64_t, double>(n) : x;
    why = "out of range";
  }
  // The value as the user wrote it (1e9, not 1e+09).
  const std::string kind = whole ? "not a whole number in decimal digits" : "not a number";
  why = text.empty() ? "is empty" : "value " + text + " is " + (why == "not" ? kind : why);
  why += " (" + allowed + ")";
  throw sim::InputError(sim::Problem{"command line", 0, flag, why});
}

void apply_overrides(Experiment& e, std::optional<int> weeks, std::optional<int> replicates,
                     std::optional<std::uint64_t> seed, std::optional<double> scale) {
  Problems problems;
  auto check = [&](const char* key, auto value, auto lo, auto hi, bool whole) {
    if (auto why = value ? out_of_range(*value, lo, hi, whole) : ""; !why.empty())
      problems.push_back({"command line", 0, key, why});
  };
  check("--weeks", weeks, 1, Limits::max_weeks, true);
  // Fewer weeks must still hold the file's interventions.
  const bool weeks_ok = weeks && out_of_range(*weeks, 1, Limits::max_weeks, true).empty();
  for (const auto& scenario : e.scenarios)
    for (const auto& i : scenario.interventions) {
      const bool ends = i.end_week != 0;
      const int last = ends ? i.end_week : i.start_week;
      if (!weeks_ok || *weeks >= last) continue;
      problems.push_back({"command line", 0, "--weeks",
                          "value " + str(*weeks) + " is before week " + str(last) + ", the " +
                              (ends ? "end_week" : "start_week") + " of intervention '" + i.name + "' of scenario '" +
                              scenario.name + "' at " + e.source_path + ":" + str(i.line) + " (a whole number from " +
                              str(last) + " to " + str(Limits::max_weeks) + ")"});
    }
  check("--replicates", replicates, 1, Limits::max_replicates, true);
  check("--seed", seed, std::uint64_t{0}, static_cast<std::uint64_t>(kMaxSeed), true);
  check("--scale", scale, Limits::min_scale, Limits::max_scale, false);
  if (problems.empty() && scale) {
    Experiment scaled = e;
    scaled.scale = *scale;
    if (auto why = nobody_to_simulate(scaled); !why.empty()) problems.push_back({"command line", 0, "--scale", why});
  }
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  e.weeks = weeks.value_or(e.weeks);
  e.replicates = replicates.value_or(e.replicates);
  e.seed = seed.value_or(e.seed);
  e.scale = scale.value_or(e.scale);
  e.warnings = empty_wijk_warnings(e);
}

// Values from outside the scenario file

namespace {

// Sets `values` of parameter `name` everywhere the file does not set it: the scenario and its interventions.
void apply_unless_file_sets(ScenarioSpec& scenario, const std::string& name, const std::vector<double>& values) {
  scenario.params.set_unless_overridden(name, values);
  for (auto& intervention : scenario.interventions) intervention.params.set_unless_overridden(name, values);
}

// Why `name` cannot be given twice, or "" when `seen` does not hold it yet (then it does).
std::string once(std::vector<std::string>& seen, const std::string& name, std::string_view what) {
  if (std::find(seen.begin(), seen.end(), name) != seen.end())
    return "is given twice (each " + std::string(what) + " once)";
  seen.push_back(name);
  return {};
}

// The relations between parameters (min_budget at most max_budget) that some scenario or
// intervention of `e` breaks, each once, as ORIGIN: LOWER: ... naming both.
Problems broken_relations(const Experiment& e, const std::string& origin) {
  Problems out;
  const auto check = [&](const sim::ParamSet& params) {
    for (const auto* lower : params.table().relations()) {
      const sim::Problem p{origin, 0, lower->name, params.check_relation(*lower)};
      const bool seen = std::any_of(out.begin(), out.end(), [&](const auto& q) { return q.str() == p.str(); });
      if (!p.message.empty() && !seen) out.push_back(p);
    }
  };
  for (const auto& scenario : e.scenarios) {
    check(scenario.params);
    for (const auto& intervention : scenario.interventions) check(intervention.params);
  }
  return out;
}

// The relations that the first row of `draws` to break one breaks, as ORIGIN: LOWER: row R: ...;
// none when it breaks none (the rows are tried only when a drawn parameter is in a relation).
Problems broken_draw_relations(const Experiment& e, const ParameterDraws& draws) {
  const auto related = [](const std::string& name) {
    const auto relations = model_parameters().relations();
    return std::any_of(relations.begin(), relations.end(),
                       [&](const auto* lower) { return lower->name == name || lower->at_most == name; });
  };
  if (std::none_of(draws.names.begin(), draws.names.end(), related)) return {};
  for (std::size_t r = 0; r < draws.rows.size(); ++r) {
    Experiment drawn = e;
    for (auto& scenario : drawn.scenarios) scenario = with_draws(scenario, draws, r);
    auto broken = broken_relations(drawn, draws.origin);
    for (auto& problem : broken) problem.message = "row " + str(r) + ": " + problem.message;
    if (!broken.empty()) return broken;
  }
  return {};
}

}  // namespace

const sim::ParamSpec& find_parameter(const std::string& name, const std::string& origin) {
  if (const auto* spec = model_parameters().find(name)) return *spec;
  throw sim::InputError(sim::Problem{origin, 0, name, unknown_parameter(name)});
}

void set_parameters(Experiment& e, const ParameterValues& values, const std::string& origin) {
  Problems problems;
  std::vector<std::string> seen;
  for (const auto& [name, v] : values) {
    const auto* spec = model_parameters().find(name);
    std::string why = spec ? sim::ParamSet::check(*spec, v) : unknown_parameter(name);
    if (why.empty()) why = once(seen, name, "parameter");
    if (!why.empty()) problems.push_back({origin, 0, name, why});
  }
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  Experiment set = e;
  std::map<std::string, std::vector<double>> merged(set.parameter_values.begin(), set.parameter_values.end());
  for (const auto& [name, v] : values) merged[name] = v;
  set.parameter_values.assign(merged.begin(), merged.end());
  for (auto& scenario : set.scenarios)
    for (const auto& [name, v] : values) apply_unless_file_sets(scenario, name, v);
  if (auto broken = broken_relations(set, origin); !broken.empty()) throw sim::InputError(std::move(broken));
  e = std::move(set);
}

void set_parameter_draws(Experiment& e, ParameterDraws draws) {
  Problems problems;
  const auto& origin = draws.origin;
  if (draws.names.empty()) problems.push_back({origin, 0, "names", "none given (one or more parameter names)"});
  std::vector<std::string> seen;
  std::vector<const sim::ParamSpec*> specs;
  for (const auto& name : draws.names) {
    const auto* spec = model_parameters().find(name);
    std::string why = spec ? "" : unknown_parameter(name);
    if (spec && spec->is_vector())
      why = "is a list of " + str(spec->size()) + " values (only parameters of one value can differ per replicate)";
    if (why.empty()) why = once(seen, name, "parameter");
    if (!why.empty()) problems.push_back({origin, 0, name, why});
    specs.push_back(why.empty() ? spec : nullptr);
  }
  if (draws.rows.empty()) problems.push_back({origin, 0, "rows", "none given (one row per replicate)"});
  for (std::size_t r = 0; r < draws.rows.size(); ++r)
    if (draws.rows[r].size() != draws.names.size()) {
      problems.push_back({origin, 0, "rows",
                          "row " + str(r) + " has " + str(draws.rows[r].size()) + " values (one per parameter: " +
                              str(draws.names.size()) + ")"});
      specs.assign(specs.size(), nullptr);  // the columns are not to be trusted
      break;
    }
  for (std::size_t k = 0; k < specs.size(); ++k) {
    if (!specs[k]) continue;
    std::size_t bad = 0;
    std::string first;
    for (std::size_t r = 0; r < draws.rows.size(); ++r) {
      const auto why = sim::ParamSet::check(*specs[k], {draws.rows[r][k]});
      if (why.empty()) continue;
      if (bad++ == 0) first = "row " + str(r) + ": " + why;
    }
    if (bad > 1) first += "; so are " + str(bad - 1) + " other rows";
    if (bad > 0) problems.push_back({origin, 0, draws.names[k], first});
  }
  if (problems.empty()) problems = broken_draw_relations(e, draws);
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  e.parameter_draws = std::move(draws);
}

void check_parameter_draws(const Experiment& e) {
  const auto& draws = e.parameter_draws;
  if (draws.empty() || draws.rows.size() >= static_cast<std::size_t>(e.replicates)) return;
  throw sim::InputError(sim::Problem{draws.origin, 0, "rows",
                                     str(draws.rows.size()) + " rows of parameter draws for " + str(e.replicates) +
                                         " replicates (one row per replicate: at least " + str(e.replicates) + ")"});
}

ScenarioSpec with_draws(const ScenarioSpec& scenario, const ParameterDraws& draws, std::size_t row) {
  ScenarioSpec drawn = scenario;
  const auto& values = draws.rows.at(row);
  for (std::size_t k = 0; k < draws.names.size(); ++k) apply_unless_file_sets(drawn, draws.names[k], {values[k]});
  return drawn;
}

const ScenarioSpec& find_scenario(const Experiment& e, const std::string& name, const std::string& origin) {
  for (const auto& s : e.scenarios)
    if (s.name == name) return s;
  std::vector<std::string> names;
  for (const auto& s : e.scenarios) names.push_back(s.name);
  throw sim::InputError(sim::Problem{origin, 0, "scenario",
                                     "unknown scenario '" + name + "' " + allowed_names(name, names, "the scenarios")});
}

const InterventionSpec& find_intervention(const ScenarioSpec& scenario, const std::string& name,
                                          const std::string& origin) {
  for (const auto& i : scenario.interventions)
    if (i.name == name) return i;
  std::vector<std::string> names;
  for (const auto& i : scenario.interventions) names.push_back(i.name);
  const std::string what = "the interventions of scenario '" + scenario.name + "'";
  throw sim::InputError(sim::Problem{
      origin, 0, "intervention",
      "unknown intervention '" + name + "' " +
          (names.empty() ? "(scenario '" + scenario.name + "' has none)" : allowed_names(name, names, what))});
}

void select_scenarios(Experiment& e, const std::vector<std::string>& names, const std::string& origin) {
  Problems problems;
  if (names.empty()) problems.push_back({origin, 0, "scenario", "none chosen (one or more scenarios)"});
  std::vector<std::string> seen;
  std::vector<ScenarioSpec> chosen;
  for (const auto& name : names) {
    try {
      const auto& found = find_scenario(e, name, origin);
      if (auto why = once(seen, name, "scenario"); !why.empty())
        problems.push_back({origin, 0, "scenario", "'" + name + "' " + why});
      else
        chosen.push_back(found);
    } catch (const sim::InputError& err) {
      problems.insert(problems.end(), err.problems().begin(), err.problems().end());
    }
  }
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  e.scenarios = std::move(chosen);
}

bool file_sets(const Experiment& e, const std::string& name, const std::string& origin) {
  find_parameter(name, origin);
  for (const auto& s : e.scenarios) {
    if (s.params.overridden(name)) return true;
    for (const auto& i : s.interventions)
      if (i.params.overridden(name)) return true;
  }
  return false;
}

}  // namespace meedoen::models
