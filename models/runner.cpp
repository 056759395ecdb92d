#include "models/runner.hpp"

#include <omp.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <variant>

#include <nlohmann/json.hpp>

#include "models/costs.hpp"
#include "models/interventions/registry.hpp"
#include "models/ladder.hpp"
#include "models/model_parameters.hpp"
#include "models/network.hpp"
#include "models/population.hpp"
#include "models/simulation.hpp"
#include "models/wijken.hpp"
#include "sim/ensemble.hpp"
#include "sim/errors.hpp"
#include "sim/outputs.hpp"
#include "sim/parallel.hpp"
#include "sim/part_store.hpp"
#include "sim/results_file.hpp"

namespace meedoen::embedded {
extern const char* const git_commit;
}

#ifndef MEEDOEN_VERSION
#define MEEDOEN_VERSION "unknown"
#endif

namespace meedoen::models {
namespace {

std::string utc_now() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

using Json = nlohmann::ordered_json;

// Values as JSON, exact to the last bit (the shortest text that reads back as
// the same double); a string is also a TOML basic string, but for DEL, which
// TOML wants escaped.
std::string json_text(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  for (auto at = text.find('\x7f'); at != std::string::npos; at = text.find('\x7f', at)) text.replace(at, 1, "\\u007f");
  return text;
}

std::string json_string(const std::string& s) { return json_text(Json(s)); }

// A parameter's value: a list for a vector parameter, else a number.
Json json_value(const std::vector<double>& values, bool list) { return list ? Json(values) : Json(values.at(0)); }

bool is_vector(const std::string& name) { return model_parameters().at(name).is_vector(); }

// The values set from outside the scenario file, as a JSON object (provenance).
std::string parameter_values_json(const ParameterValues& values) {
  Json out = Json::object();
  for (const auto& [name, v] : values) out[name] = json_value(v, is_vector(name));
  return json_text(out);
}

// Every parameter's value in this scenario, as JSON (provenance).
std::string parameters_json(const sim::ParamSet& params) {
  Json out = Json::object();
  for (const auto& spec : params.table().specs()) out[spec.name] = json_value(params.vec(spec.name), spec.is_vector());
  return json_text(out);
}

std::vector<std::string> coefficient_names() {
  std::vector<std::string> names;
  for (int r = 1; r < kRungs; ++r) names.push_back("a_up " + std::to_string(r) + "->" + std::to_string(r + 1));
  for (int r = 2; r <= kRungs; ++r) names.push_back("a_down " + std::to_string(r) + "->" + std::to_string(r - 1));
  names.push_back("bijstand_entry_weekly");
  names.push_back("debt_start_weekly");
  return names;
}

std::vector<double> coefficient_values(const LadderFit& fit) {
  std::vector<double> v;
  for (int r = 1; r < kRungs; ++r) v.push_back(fit.coefficients.a_up[r]);
  for (int r = 2; r <= kRungs; ++r) v.push_back(fit.coefficients.a_down[r]);
  v.push_back(fit.bijstand_entry_weekly);
  v.push_back(fit.debt_start_weekly);
  return v;
}

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> v;
  for (auto k = first; k <= last; ++k) v.push_back(k);
  return v;
}

std::vector<std::string> ledger_items(const ScenarioSpec& s) {
  std::vector<std::string> items;
  for (const auto& i : s.interventions) items.push_back(i.name);
  for (const auto& item : kStateItems) items.emplace_back(item.name);
  return items;
}

// The coordinates of one group of the results file: each dimension's labels
// or values (the replicate's are the same in every group).
using Labels = std::variant<std::vector<std::string>, std::vector<std::int64_t>>;
struct Coordinates {
  std::string group;
  std::vector<std::pair<std::string, Labels>> dims;
};

std::vector<std::string> names_of(auto const& array) { return {array.begin(), array.end()}; }

Coordinates scenario_coordinates(const Experiment& e, const ScenarioSpec& s, const std::vector<Wijk>& wijken) {
  std::vector<std::string> wijk_names, interventions;
  for (const auto& w : wijken) wijk_names.push_back(w.name);
  for (const auto& i : s.interventions) interventions.push_back(i.name);
  return {s.name,
          {{"replicate", range(0, e.replicates - 1)},
           {"week", range(0, e.weeks)},
           {"wijk", wijk_names},
           {"rung", range(1, kRungs)},
           {"event", names_of(kEventNames)},
           {"coefficient", coefficient_names()},
           {"intervention", interventions},
           {"metric", names_of(kMetricNames)},
           {"item", ledger_items(s)}}};
}

// The groups of the file: every scenario, then the root when there are parameter draws.
std::vector<Coordinates> file_coordinates(const Experiment& e, const std::vector<Wijk>& wijken) {
  std::vector<Coordinates> groups;
  for (const auto& s : e.scenarios) groups.push_back(scenario_coordinates(e, s, wijken));
  if (!e.parameter_draws.empty())
    groups.push_back({"", {{"replicate", range(0, e.replicates - 1)}, {"parameter", e.parameter_draws.names}}});
  return groups;
}

sim::Layout layout_of(const std::vector<Coordinates>& groups) {
  sim::Layout layout;
  for (const auto& g : groups) {
    auto& group = layout.groups.emplace_back(sim::Layout::Group{g.group, {}});
    for (const auto& [dim, labels] : g.dims)
      group.extents[dim] = std::visit([](const auto& v) { return v.size(); }, labels);
  }
  return layout;
}

void declare_group(sim::ResultsFile& out, const Coordinates& g) {
  if (!g.group.empty()) out.create_group(g.group);
  for (const auto& [dim, labels] : g.dims) std::visit([&](const auto& v) { out.coordinate(g.group, dim, v); }, labels);
}

// The population and network of a replicate are shared by the scenarios whose
// population and network parameters equal the baseline's (common random numbers).
bool same_city(const sim::ParamSet& a, const sim::ParamSet& b) {
  for (const auto& spec : a.table().specs()) {
    const bool city = spec.name.starts_with("population.") || spec.name.starts_with("network.") ||
                      spec.name == "age.pension" || spec.name == "bijstand.outflow_rate" ||
                      spec.name == "ladder.covariates_up" || spec.name == "ladder.covariates_down";  // start rungs
    if (city && a.vec(spec.name) != b.vec(spec.name)) return false;
  }
  return true;
}

struct City {
  People people;
  Network network;
};

City build_city(const std::vector<Wijk>& wijken, const Experiment& e, const sim::ParamSet& params,
                const sim::Rng& rng, std::uint32_t replicate) {
  City city{build_population(wijken, e.scale, params, rng, replicate), {}};
  city.network = build_network(city.people, params, rng, replicate);
  return city;
}

std::vector<std::uint32_t> persons_up(const People& start, const People& end) {
  std::vector<std::uint32_t> up(start.wijk_names.size(), 0u);
  for (PersonId i = 0; i < start.size(); ++i)
    if (start.adult(i) && end.occupant[i] == start.occupant[i] && end.rung[i] > start.rung[i]) up[start.wijk[i]] += 1;
  return up;
}

// One scenario of a replicate as it runs: its simulation and its outputs so far.
class ScenarioRun {
public:
  // `baseline`: the run, not stepped yet, of a scenario that s couples to (couples()), whose
  // ladder fit and fixed parts serve s too (else worked out here).
  ScenarioRun(const Experiment& e, const ScenarioSpec& s, const City& city, const sim::Rng& rng,
              std::uint32_t replicate, int threads, const ScenarioRun* baseline = nullptr)
      : city_(city), fit_(baseline != nullptr ? baseline->fit_ : fit_ladder(city.people, city.network, s.params)),
        sim_(city.people, city.network, fit_, s.params, rng, replicate, threads, make_interventions(s, e.scale),
             baseline != nullptr ? &baseline->sim_ : nullptr),
        prices_(s.params), wijken_(city.people.wijk_names.size()), programs_(s.interventions.size()),
        items_(programs_ + kStateItemCount), rungs_((e.weeks + 1) * wijken_ * kRungs),
        bijstand_((e.weeks + 1) * wijken_), lonely_((e.weeks + 1) * wijken_), events_((e.weeks + 1) * kEventCount, 0u),
        metrics_((e.weeks + 1) * programs_ * kMetricCount, 0u), taken_along_((e.weeks + 1) * programs_, 0u),
        ledger_((e.weeks + 1) * items_, 0.0) {
    observe(0);
  }
  Simulation& sim() { return sim_; }
  const City& city() const { return city_; }
  // After the week's step: what is observed of it.
  void record(int week) {
    observe(week);
    std::copy(sim_.events().begin(), sim_.events().end(), events_.begin() + week * kEventCount);
    for (std::size_t k = 0; k < programs_; ++k) {
      const auto& m = sim_.metrics()[k];
      std::copy(m.begin(), m.end(), metrics_.begin() + (week * programs_ + k) * kMetricCount);
      taken_along_[week * programs_ + k] = sim_.interventions()[k]->accepted_offers();
      ledger_[week * items_ + k] = sim_.costs()[k];
    }
  }
  void append_to(sim::Part& part) {
    sim::GroupValues values;
    values.u32 = {{"rung_counts", std::move(rungs_)},
                  {"bijstand", std::move(bijstand_)},
                  {"lonely", std::move(lonely_)},
                  {"events", std::move(events_)},
                  {"program", std::move(metrics_)},
                  {"taken_along", std::move(taken_along_)},
                  {"persons_up", persons_up(city_.people, sim_.people())}};
    values.f64 = {{"fitted", coefficient_values(fit_)}, {"ledger", std::move(ledger_)}};
    sim::append(part, outputs(), true, std::move(values));
  }

private:
  static Interventions make_interventions(const ScenarioSpec& s, double scale) {
    Interventions interventions;
    for (std::size_t k = 0; k < s.interventions.size(); ++k) {
      auto spec = s.interventions[k];
      spec.scale = scale;  // capacities and fixed costs at the run's scale
      interventions.push_back(make_intervention(std::move(spec), static_cast<std::uint8_t>(k)));
    }
    return interventions;
  }
  void observe(int week) {
    WeekCounts counts(wijken_);
    sim_.observe(counts);
    std::copy(counts.rungs.begin(), counts.rungs.end(), rungs_.begin() + week * wijken_ * kRungs);
    std::copy(counts.bijstand.begin(), counts.bijstand.end(), bijstand_.begin() + week * wijken_);
    std::copy(counts.lonely.begin(), counts.lonely.end(), lonely_.begin() + week * wijken_);
    const auto provisions = prices_.week(counts);
    std::copy(provisions.begin(), provisions.end(), ledger_.begin() + week * items_ + programs_);
  }

  const City& city_;
  LadderFit fit_;
  Simulation sim_;
  StatePrices prices_;
  std::size_t wijken_, programs_, items_;
  std::vector<std::uint32_t> rungs_, bijstand_, lonely_, events_, metrics_, taken_along_;
  std::vector<double> ledger_;
};

void run_scenario(const Experiment& e, const ScenarioSpec& s, const City& city, const sim::Rng& rng,
                  std::uint32_t replicate, int threads, sim::Progress& progress, sim::Part& part) {
  ScenarioRun run(e, s, city, rng, replicate, threads);
  for (int week = 1; week <= e.weeks; ++week) {
    run.sim().step(static_cast<std::uint32_t>(week));
    run.record(week);
    progress.advance();
  }
  run.append_to(part);
}

// Whether scenario s can step beside the baseline b (Simulation::step_apart):
// b has no interventions, and s has b's city, ladder fit and every parameter
// that is not an intervention's.
bool couples(const ScenarioSpec& b, const ScenarioSpec& s) {
  if (!b.interventions.empty() || !same_city(b.params, s.params)) return false;
  for (const auto& spec : b.params.table().specs()) {
    const auto type = std::string_view(spec.name).substr(0, spec.name.find('.'));
    if (find_intervention_type(type) == nullptr && b.params.vec(spec.name) != s.params.vec(spec.name)) return false;
  }
  return true;
}

// step_join of every coupled scenario (runs[1..]), side by side over the threads: each reads the
// baseline and writes only its own state, so the order does not matter (step_apart cannot: it
// computes the baseline's events for its residents apart in the baseline's own columns).
void join_all(std::vector<std::unique_ptr<ScenarioRun>>& runs, std::uint32_t week, const Simulation& baseline,
              int threads) {
  sim::parallel_for(1, static_cast<std::int64_t>(runs.size()), threads,
                    [&](std::int64_t k) { runs[std::size_t(k)]->sim().step_join(week, baseline); });
}

// The scenarios that couple to the baseline, in one pass: the baseline steps
// in full, each of the others only where it may differ (docs/ODD.md).
void run_coupled(const Experiment& e, const std::vector<const ScenarioSpec*>& scenarios, const City& city,
                 const sim::Rng& rng, std::uint32_t replicate, int threads, sim::Progress& progress,
                 std::vector<std::unique_ptr<ScenarioRun>>& runs) {
  // The fit and the fixed parts read the city and the parameters that are not the interventions':
  // the baseline's serve all.
  for (const auto* s : scenarios)
    runs.push_back(std::make_unique<ScenarioRun>(e, *s, city, rng, replicate, threads,
                                                 runs.empty() ? nullptr : runs.front().get()));
  auto& baseline = runs.front()->sim();
  for (int week = 1; week <= e.weeks; ++week) {
    const auto w = static_cast<std::uint32_t>(week);
    for (std::size_t k = 1; k < runs.size(); ++k) runs[k]->sim().step_apart(w, baseline);
    baseline.step(w);
    join_all(runs, w, baseline, threads);
    for (auto& run : runs) {
      run->record(week);
      progress.advance();
    }
  }
}

// One replicate of every scenario, as one piece; with parameter draws, the
// scenarios run with the replicate's row, which ends the piece. With
// `coupled`, the scenarios that couple to a baseline without interventions
// run in one pass with it (the same bits as each alone).
sim::Part run_replicate(const Experiment& e, const std::vector<Wijk>& wijken, const sim::Rng& rng,
                        std::uint32_t replicate, int threads, sim::Progress& progress, bool coupled = true) {
  sim::Part part;
  std::vector<ScenarioSpec> drawn;
  if (!e.parameter_draws.empty())
    for (const auto& s : e.scenarios) drawn.push_back(with_draws(s, e.parameter_draws, replicate));
  const auto& scenarios = e.parameter_draws.empty() ? e.scenarios : drawn;
  const auto& baseline = scenarios.front();
  const City city = build_city(wijken, e, baseline.params, rng, replicate);
  std::vector<const ScenarioSpec*> together;
  std::vector<std::unique_ptr<ScenarioRun>> runs;
  if (coupled && baseline.interventions.empty())
    for (const auto& s : scenarios)
      if (couples(baseline, s)) together.push_back(&s);
  if (together.size() > 1) run_coupled(e, together, city, rng, replicate, threads, progress, runs);
  else together.clear();  // the baseline alone: nothing to couple
  std::size_t next = 0;
  for (const auto& s : scenarios) {
    if (next < together.size() && together[next] == &s)
      runs[next++]->append_to(part);
    else if (same_city(baseline.params, s.params))
      run_scenario(e, s, city, rng, replicate, threads, progress, part);
    else
      run_scenario(e, s, build_city(wijken, e, s.params, rng, replicate), rng, replicate, threads, progress, part);
  }
  if (!e.parameter_draws.empty())
    sim::append(part, outputs(), false, {{}, {{"parameter_draws", e.parameter_draws.rows.at(replicate)}}});
  return part;
}

void write_attributes(sim::ResultsFile& out, const Experiment& e) {
  out.attribute("meedoen_version", std::string(MEEDOEN_VERSION));
  out.attribute("git_commit", std::string(embedded::git_commit));
  out.attribute("created_utc", utc_now());
  out.attribute("experiment", e.source_text);
  out.attribute("source_path", e.source_path);  // where its relative data paths are read from
  out.attribute("experiment_name", e.name);
  out.attribute("seed", static_cast<std::int64_t>(e.seed));
  out.attribute("weeks", static_cast<std::int64_t>(e.weeks));
  out.attribute("replicates", static_cast<std::int64_t>(e.replicates));
  out.attribute("scale", e.scale);
  std::string names;
  for (const auto& s : e.scenarios) names += (names.empty() ? "" : "\n") + s.name;
  out.attribute("scenarios", names);
  out.attribute("parameter_values", parameter_values_json(e.parameter_values));
  if (!e.parameter_draws.empty()) out.attribute("parameter_draws_origin", e.parameter_draws.origin);
}

// Writes OUT from the parts. The progress callback is asked after each replicate and before the
// partial file is renamed: a stop (Ctrl-C) until then leaves OUT as it was (sim::Stopped).
void assemble(const Experiment& e, const std::vector<Wijk>& wijken, const sim::PartStore& parts,
              const std::string& out_path, sim::Progress& progress) {
  sim::ResultsFile out(out_path);
  write_attributes(out, e);
  const auto groups = file_coordinates(e, wijken);
  const auto layout = layout_of(groups);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    declare_group(out, groups[g]);
    if (!groups[g].group.empty())
      out.group_attribute(groups[g].group, "parameters", parameters_json(e.scenarios[g].params));
    sim::declare(out, outputs(), layout.groups[g]);
  }
  for (int r = 0; r < e.replicates; ++r) {
    const auto part = parts.read(static_cast<std::size_t>(r));
    if (!sim::fits(outputs(), layout, part))
      throw std::runtime_error(parts.dir().string() + ": a piece does not match the experiment");
    if (!e.parameter_draws.empty()) {  // the row the replicate was computed with, which a resumed run must not change
      const auto& row = part.f64.back();
      if (row != e.parameter_draws.rows.at(static_cast<std::size_t>(r)))
        throw sim::InputError(sim::Problem{
            e.parameter_draws.origin, 0, "rows",
            "row " + std::to_string(r) + " differs from the one that replicate " + std::to_string(r) + " in " +
                parts.dir().string() + " was computed with (the same rows again, or run without --resume)"});
    }
    sim::write(out, outputs(), layout, static_cast<std::size_t>(r), part);
    progress.check();
  }
  progress.check();
  out.commit();
}

// Everything a piece depends on except the number of replicates (so that a
// run can be extended with more replicates).
std::string fingerprint(const Experiment& e, const std::vector<Wijk>& wijken) {
  std::ostringstream os;
  os.precision(17);
  os << MEEDOEN_VERSION << '\n' << embedded::git_commit << '\n' << e.seed << '\n' << e.weeks << '\n' << e.scale
     << '\n' << e.source_text << '\n';
  // The scenarios chosen, the values set from outside the file, and which parameters are drawn
  // from where (not the rows: an extended run brings more of them).
  os << "scenarios:";
  for (const auto& s : e.scenarios) os << ' ' << json_string(s.name);
  os << "\nparameter values: " << parameter_values_json(e.parameter_values) << "\nparameter draws:";
  for (const auto& name : e.parameter_draws.names) os << ' ' << json_string(name);
  os << " from " << json_string(e.parameter_draws.origin) << '\n';
  for (const auto& w : wijken)  // the population data's content, not only its path
    os << w.code << ',' << w.name << ',' << w.inhabitants << ',' << w.men << ',' << w.women << ',' << w.dwellings
       << ',' << w.land_ha << '\n';
  return sim::PartStore::fingerprint_of(os.str());
}

// TOML; python/meedoen/runner.py (resume_experiment) reads it.
std::string manifest(const Experiment& e) {
  std::ostringstream os;
  os.precision(17);
  os << "# The interrupted run that `meedoen run --resume` completes.\n"
     << "source_path = " << json_string(e.source_path) << "\nweeks = " << e.weeks << "\nreplicates = " << e.replicates
     << "\nseed = " << e.seed << "\nscale = " << json_text(Json(e.scale)) << "\nscenarios = [";
  for (std::size_t k = 0; k < e.scenarios.size(); ++k) os << (k ? ", " : "") << json_string(e.scenarios[k].name);
  os << "]\n\n[parameter_values]\n";
  for (const auto& [name, v] : e.parameter_values)
    os << json_string(name) << " = " << json_text(json_value(v, is_vector(name))) << '\n';
  if (!e.parameter_draws.empty()) {
    const auto& d = e.parameter_draws;
    os << "\n[parameter_draws]\norigin = " << json_string(d.origin) << "\nnames = [";
    for (std::size_t k = 0; k < d.names.size(); ++k) os << (k ? ", " : "") << json_string(d.names[k]);
    os << "]\nrows = [\n";
    for (const auto& row : d.rows) os << "  " << json_text(Json(row)) << ",\n";
    os << "]\n";
  }
  return os.str();
}

}  // namespace

const sim::Outputs& outputs() {
  using enum sim::ValueType;
  static const sim::Outputs table = {
      {"rung_counts", u32, {"replicate", "week", "wijk", "rung"}, "persons",
       "adults (18+) on each rung of the participation ladder", true},
      {"bijstand", u32, {"replicate", "week", "wijk"}, "persons", "bijstand recipients", true},
      {"lonely", u32, {"replicate", "week", "wijk"}, "persons", "adults (18+) who are severely lonely", true},
      {"events", u32, {"replicate", "week", "event"}, "persons or households",
       "persons with each event in the week, households for the debt events; born, died, moved_in and "
       "moved_out are the open population's (week 0: none)",
       true},
      {"program", u32, {"replicate", "week", "intervention", "metric"}, "persons",
       "per intervention and week: found, visited, accepted, enrolled, referred, completed, active, waiting, "
       "budget_euros (budgets paid), enrolled_rung_1..6 (those enrolled, by their rung when enrolled) and "
       "completed_rung_1..6 (those who completed, by their rung then)",
       true, true, {{std::string(kMetricNames[kBudgetEuros]), "euro"}}},
      {"taken_along", u32, {"replicate", "week", "intervention"}, "persons",
       "per intervention and week: those in contact who accepted its own offer (of its `accepted`, the rest were "
       "only referred); for peer_outreach, those the brigade takes along to the walk-in (F 4.2)",
       true},
      {"persons_up", u32, {"replicate", "wijk"}, "persons",
       "adults at the start who still live in Leiden at the end, on a higher rung than they started", true},
      {"fitted", f64, {"replicate", "coefficient"}, "1",
       "intercepts (logit) and weekly rates fitted at the start of the replicate", false},
      {"ledger", f64, {"replicate", "week", "item"}, "euro",
       "euros in the week, per intervention and per item of the residents' states: provisions, wages, taxes, "
       "lost well-being (undiscounted; docs/ODD.md, section costs)", true},
      {"parameter_draws", f64, {"replicate", "parameter"}, "as in docs/parameters.md",
       "the value of each parameter drawn for the replicate (from parameter_draws_origin); only in a run "
       "with parameter draws",
       false, false},
  };
  return table;
}

std::string parts_dir(const std::string& out_path) { return out_path + ".parts"; }

std::shared_ptr<const sim::PartStore> open_parts(const Experiment& e, const std::string& out_path, bool resume) {
  const auto wijken = load_wijken(e.population_data);
  return std::make_shared<const sim::PartStore>(parts_dir(out_path), fingerprint(e, wijken), manifest(e), e.source_text,
                                                resume, resume ? "--resume" : "-o");
}

std::string run_fingerprint(const Experiment& e) { return fingerprint(e, load_wijken(e.population_data)); }

void run_experiment(const Experiment& e, const std::string& out_path, const RunOptions& options) {
  check_parameter_draws(e);
  const auto wijken = load_wijken(e.population_data);
  const sim::PartStore parts(parts_dir(out_path), fingerprint(e, wijken), manifest(e), e.source_text, options.resume,
                             options.resume ? "--resume" : "-o");
  std::vector<std::uint32_t> missing;
  for (int r = 0; r < e.replicates; ++r)
    if (!parts.has(static_cast<std::size_t>(r))) missing.push_back(static_cast<std::uint32_t>(r));
  sim::Progress progress(options.progress, static_cast<long>(missing.size() * e.scenarios.size()) * e.weeks);
  const sim::Rng rng(e.seed);
  const auto replicate = [&](std::uint32_t r, int threads) {
    return run_replicate(e, wijken, rng, r, threads, progress, options.coupled);
  };
  try {
    sim::run_replicates(missing, options.threads, progress, replicate, parts);
    assemble(e, wijken, parts, out_path, progress);
  } catch (const sim::Stopped&) {
    return;  // OUT is not written; the finished replicates wait in the parts folder
  }
  if (!options.keep_parts) parts.remove();
}

namespace {

void check_replicate(const Experiment& e, std::uint32_t replicate, const std::string& function) {
  if (static_cast<std::int64_t>(replicate) < e.replicates) return;
  std::string what = "value ";
  what.append(std::to_string(replicate)).append(" is out of range (a whole number from 0 to ");
  what.append(std::to_string(e.replicates - 1)).append(": the experiment has ");
  what.append(std::to_string(e.replicates)).append(" replicates)");
  throw sim::InputError(sim::Problem{function, 0, "replicate", what});
}

}  // namespace

std::string run_piece(const Experiment& e, std::uint32_t replicate, int threads, bool coupled) {
  check_replicate(e, replicate, "run_piece");
  const auto wijken = load_wijken(e.population_data);
  const sim::Rng rng(e.seed);
  sim::Progress progress(nullptr, 0);
  const int before = omp_get_max_threads(), workers = threads > 0 ? threads : before;
  omp_set_num_threads(workers);  // for the set-up's parallel regions; restored below
  sim::Part part;
  try {
    part = run_replicate(e, wijken, rng, replicate, workers, progress, coupled);
  } catch (...) {
    omp_set_num_threads(before);
    throw;
  }
  omp_set_num_threads(before);
  return sim::serialize(part, fingerprint(e, wijken), replicate);
}

void store_piece(const Experiment& e, const std::string& out_path, std::uint32_t replicate, const std::string& bytes) {
  check_replicate(e, replicate, "store_piece");
  const auto wijken = load_wijken(e.population_data);
  const auto stamp = fingerprint(e, wijken);
  sim::Part part;
  try {
    part = sim::deserialize(bytes, stamp, replicate);
  } catch (const sim::PieceError& error) {
    std::string what = error.what();
    what.append(" (the bytes that run_piece returned for this experiment and replicate)");
    throw sim::InputError(sim::Problem{"store_piece", 0, "data", what});
  }
  if (!sim::fits(outputs(), layout_of(file_coordinates(e, wijken)), part))
    throw sim::InputError(sim::Problem{"store_piece", 0, "data",
                                       "the piece's arrays do not fit the experiment (the bytes that run_piece "
                                       "returned for this experiment and replicate)"});
  static std::mutex storing;  // two first pieces must not both create the folder
  const std::lock_guard lock(storing);
  const auto dir = parts_dir(out_path);
  const bool started = std::filesystem::exists(std::filesystem::path(dir) / "fingerprint");
  const sim::PartStore parts(dir, stamp, manifest(e), e.source_text, started, "store_piece");
  parts.write(replicate, part);
}

}  // namespace meedoen::models
