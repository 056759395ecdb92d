#include "models/runner.hpp"

#include <chrono>
#include <ctime>
#include <sstream>
#include <stdexcept>

#include "models/interventions/registry.hpp"
#include "models/ladder.hpp"
#include "models/network.hpp"
#include "models/population.hpp"
#include "models/simulation.hpp"
#include "models/wijken.hpp"
#include "sim/results_file.hpp"

namespace meedoen::embedded {
extern const char* const git_commit;
}

#ifndef MEEDOEN_VERSION
#define MEEDOEN_VERSION "unknown"
#endif

namespace meedoen::models {
namespace {

struct Stopped {};  // the progress callback asked to stop

std::string utc_now() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// Every parameter's value in this scenario, as JSON (provenance).
std::string parameters_json(const sim::ParamSet& params) {
  std::ostringstream os;
  os.precision(17);
  os << "{";
  bool first = true;
  for (const auto& spec : params.table().specs()) {
    os << (first ? "" : ", ") << json_string(spec.name) << ": ";
    first = false;
    const auto& v = params.vec(spec.name);
    if (!spec.is_vector()) {
      os << v[0];
      continue;
    }
    os << "[";
    for (std::size_t k = 0; k < v.size(); ++k) os << (k ? ", " : "") << v[k];
    os << "]";
  }
  return os.str() + "}";
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

void declare_scenario(sim::ResultsFile& out, const Experiment& e, const ScenarioSpec& s,
                      const std::vector<std::string>& wijk_names) {
  const auto& g = s.name;
  out.create_group(g);
  out.group_attribute(g, "parameters", parameters_json(s.params));
  out.coordinate(g, "replicate", range(0, e.replicates - 1));
  out.coordinate(g, "week", range(0, e.weeks));
  out.coordinate(g, "wijk", wijk_names);
  out.coordinate(g, "rung", range(1, kRungs));
  out.coordinate(g, "event", std::vector<std::string>(kEventNames.begin(), kEventNames.end()));
  out.coordinate(g, "coefficient", coefficient_names());
  std::vector<std::string> interventions;
  for (const auto& i : s.interventions) interventions.push_back(i.name);
  out.coordinate(g, "intervention", interventions);
  out.coordinate(g, "metric", std::vector<std::string>(kMetricNames.begin(), kMetricNames.end()));
  out.coordinate(g, "item", interventions);
  out.dataset_u32(g, "rung_counts", {"replicate", "week", "wijk", "rung"}, "persons",
                  "adults (18+) on each rung of the participation ladder");
  out.dataset_u32(g, "bijstand", {"replicate", "week", "wijk"}, "persons", "bijstand recipients");
  out.dataset_u32(g, "events", {"replicate", "week", "event"}, "persons",
                  "persons with each event in the week (week 0: none)");
  out.dataset_f64(g, "fitted", {"replicate", "coefficient"}, "1",
                  "intercepts (logit) and weekly rates fitted at the start of the replicate");
  out.dataset_u32(g, "program", {"replicate", "week", "intervention", "metric"}, "persons",
                  "per intervention and week: found, visited, accepted, enrolled, referred, completed, active, "
                  "waiting (persons) and budget_euros (euros)");
  out.dataset_f64(g, "ledger", {"replicate", "week", "item"}, "euro", "euros spent in the week, per item");
}

// The population and network of a replicate are shared by the scenarios whose
// population and network parameters equal the baseline's (common random numbers).
bool same_city(const sim::ParamSet& a, const sim::ParamSet& b) {
  for (const auto& spec : a.table().specs()) {
    const bool city = spec.name.starts_with("population.") || spec.name.starts_with("network.") ||
                      spec.name == "age.pension" || spec.name == "bijstand.outflow_rate";
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

class Progress {
public:
  Progress(const RunOptions& options, long total) : callback_(options.progress), total_(total) {}
  void advance() {
    ++done_;
    if (callback_ && !callback_(done_, total_)) throw Stopped{};
  }

private:
  std::function<bool(long, long)> callback_;
  long done_ = 0;
  long total_;
};

void run_scenario(sim::ResultsFile& out, const Experiment& e, const ScenarioSpec& s, const City& city,
                  const sim::Rng& rng, std::uint32_t replicate, int threads, Progress& progress) {
  const auto fit = fit_ladder(city.people, city.network, s.params);
  Interventions interventions;
  for (std::size_t k = 0; k < s.interventions.size(); ++k)
    interventions.push_back(make_intervention(s.interventions[k], static_cast<std::uint8_t>(k)));
  Simulation sim(city.people, city.network, fit, s.params, rng, replicate, threads, std::move(interventions));
  const std::size_t wijken = city.people.wijk_names.size(), programs = s.interventions.size();
  std::vector<std::uint32_t> rungs((e.weeks + 1) * wijken * kRungs), bijstand((e.weeks + 1) * wijken),
      events((e.weeks + 1) * kEventCount, 0u), metrics((e.weeks + 1) * programs * kMetricCount, 0u);
  std::vector<double> ledger((e.weeks + 1) * programs, 0.0);
  const auto observe = [&](int week) {
    sim.count_rungs(std::span(rungs).subspan(week * wijken * kRungs, wijken * kRungs));
    sim.count_bijstand(std::span(bijstand).subspan(week * wijken, wijken));
  };
  observe(0);
  for (int week = 1; week <= e.weeks; ++week) {
    sim.step(static_cast<std::uint32_t>(week));
    observe(week);
    std::copy(sim.events().begin(), sim.events().end(), events.begin() + week * kEventCount);
    for (std::size_t k = 0; k < programs; ++k) {
      const auto& m = sim.metrics()[k];
      std::copy(m.begin(), m.end(), metrics.begin() + (week * programs + k) * kMetricCount);
      ledger[week * programs + k] = sim.costs()[k];
    }
    progress.advance();
  }
  out.write_u32(s.name, "rung_counts", replicate, rungs);
  out.write_u32(s.name, "bijstand", replicate, bijstand);
  out.write_u32(s.name, "events", replicate, events);
  out.write_f64(s.name, "fitted", replicate, coefficient_values(fit));
  out.write_u32(s.name, "program", replicate, metrics);
  out.write_f64(s.name, "ledger", replicate, ledger);
}

}  // namespace

void run_experiment(const Experiment& e, const std::string& out_path, const RunOptions& options) {
  const auto wijken = load_wijken(e.population_data);
  const sim::Rng rng(e.seed);
  sim::ResultsFile out(out_path);
  out.attribute("meedoen_version", std::string(MEEDOEN_VERSION));
  out.attribute("git_commit", std::string(embedded::git_commit));
  out.attribute("created_utc", utc_now());
  out.attribute("experiment", e.source_text);
  out.attribute("experiment_name", e.name);
  out.attribute("seed", static_cast<std::int64_t>(e.seed));
  out.attribute("weeks", static_cast<std::int64_t>(e.weeks));
  out.attribute("replicates", static_cast<std::int64_t>(e.replicates));
  out.attribute("scale", e.scale);
  std::string names;
  for (const auto& s : e.scenarios) names += (names.empty() ? "" : "\n") + s.name;
  out.attribute("scenarios", names);

  std::vector<std::string> wijk_names;
  for (const auto& w : wijken) wijk_names.push_back(w.name);
  for (const auto& s : e.scenarios) declare_scenario(out, e, s, wijk_names);

  Progress progress(options, static_cast<long>(e.replicates) * static_cast<long>(e.scenarios.size()) * e.weeks);
  try {
    for (int r = 0; r < e.replicates; ++r) {
      const auto replicate = static_cast<std::uint32_t>(r);
      const auto& baseline = e.scenarios.front().params;
      const City city = build_city(wijken, e, baseline, rng, replicate);
      for (const auto& s : e.scenarios) {
        if (same_city(baseline, s.params))
          run_scenario(out, e, s, city, rng, replicate, options.threads, progress);
        else
          run_scenario(out, e, s, build_city(wijken, e, s.params, rng, replicate), rng, replicate, options.threads,
                       progress);
      }
    }
  } catch (const Stopped&) {
    return;  // the partial file is removed with `out`
  }
  out.commit();
}

}  // namespace meedoen::models
