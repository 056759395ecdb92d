#include "models/runner.hpp"

#include <omp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "models/costs.hpp"
#include "models/interventions/registry.hpp"
#include "models/ladder.hpp"
#include "models/model_parameters.hpp"
#include "models/network.hpp"
#include "models/population.hpp"
#include "models/simulation.hpp"
#include "models/wijken.hpp"
#include "sim/errors.hpp"
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

struct Stopped {};  // the progress callback asked to stop

std::string utc_now() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// A string as JSON, which is also a TOML basic string.
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
      out += escaped;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// Numbers as JSON (and TOML): a list for a vector, exact to the last bit.
std::string json_numbers(const std::vector<double>& values, bool list) {
  std::ostringstream os;
  os.precision(17);
  if (!list) {
    os << values.at(0);
    return os.str();
  }
  os << "[";
  for (std::size_t k = 0; k < values.size(); ++k) os << (k ? ", " : "") << values[k];
  os << "]";
  return os.str();
}

bool is_vector(const std::string& name) { return model_parameters().at(name).is_vector(); }

// The values set from outside the scenario file, as a JSON object (provenance).
std::string parameter_values_json(const ParameterValues& values) {
  std::string out = "{";
  for (const auto& [name, v] : values) {
    if (out.size() > 1) out += ", ";
    out += json_string(name) + ": " + json_numbers(v, is_vector(name));
  }
  return out + "}";
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
    os << json_numbers(params.vec(spec.name), spec.is_vector());
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

std::vector<std::string> ledger_items(const ScenarioSpec& s) {
  std::vector<std::string> items;
  for (const auto& i : s.interventions) items.push_back(i.name);
  items.insert(items.end(), kProvisionNames.begin(), kProvisionNames.end());
  return items;
}

// The results of one scenario in one replicate, in the order of the datasets below.
enum U32Data { kRungCounts, kBijstandCounts, kEvents, kProgram, kPersonsUp, kU32Count };
enum F64Data { kFitted, kLedger, kF64Count };

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
  out.coordinate(g, "item", ledger_items(s));
  out.dataset_u32(g, "rung_counts", {"replicate", "week", "wijk", "rung"}, "persons",
                  "adults (18+) on each rung of the participation ladder");
  out.dataset_u32(g, "bijstand", {"replicate", "week", "wijk"}, "persons", "bijstand recipients");
  out.dataset_u32(g, "events", {"replicate", "week", "event"}, "persons or households",
                  "persons with each event in the week, households for the debt events (week 0: none)");
  out.dataset_u32(g, "program", {"replicate", "week", "intervention", "metric"}, "persons",
                  "per intervention and week: found, visited, accepted, enrolled, referred, completed, active, "
                  "waiting (persons), budget_euros (euros), enrolled_rung_1..6 (those enrolled, by their rung "
                  "when enrolled) and completed_rung_1..6 (those who completed, by their rung then)");
  out.dataset_u32(g, "persons_up", {"replicate", "wijk"}, "persons",
                  "adults at the start and the end who end on a higher rung than they started");
  out.dataset_f64(g, "fitted", {"replicate", "coefficient"}, "1",
                  "intercepts (logit) and weekly rates fitted at the start of the replicate");
  out.dataset_f64(g, "ledger", {"replicate", "week", "item"}, "euro",
                  "euros spent in the week, per intervention and per provision (undiscounted)");
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

// Progress over all threads; only the calling thread (OpenMP's thread 0) calls back.
class Progress {
public:
  Progress(const RunOptions& options, long total) : callback_(options.progress), total_(total) {}
  void advance() {
    const long done = ++done_;
    if (stop_) throw Stopped{};
    if (callback_ && omp_get_thread_num() == 0 && !callback_(done, total_)) {
      stop_ = true;
      throw Stopped{};
    }
  }
  bool stopped() const { return stop_; }

private:
  std::function<bool(long, long)> callback_;
  std::atomic<long> done_{0};
  std::atomic<bool> stop_{false};
  long total_;
};

std::vector<std::uint32_t> persons_up(const People& start, const People& end) {
  std::vector<std::uint32_t> up(start.wijk_names.size(), 0u);
  for (PersonId i = 0; i < start.size(); ++i)
    if (start.adult(i) && end.rung[i] > start.rung[i]) up[start.wijk[i]] += 1;
  return up;
}

void run_scenario(const Experiment& e, const ScenarioSpec& s, const City& city, const sim::Rng& rng,
                  std::uint32_t replicate, int threads, Progress& progress, sim::Part& part) {
  const auto fit = fit_ladder(city.people, city.network, s.params);
  Interventions interventions;
  for (std::size_t k = 0; k < s.interventions.size(); ++k)
    interventions.push_back(make_intervention(s.interventions[k], static_cast<std::uint8_t>(k)));
  Simulation sim(city.people, city.network, fit, s.params, rng, replicate, threads, std::move(interventions));
  const ProvisionPrices prices(s.params);
  const std::size_t wijken = city.people.wijk_names.size(), programs = s.interventions.size();
  const std::size_t items = programs + kProvisionCount;
  std::vector<std::uint32_t> rungs((e.weeks + 1) * wijken * kRungs), bijstand((e.weeks + 1) * wijken),
      events((e.weeks + 1) * kEventCount, 0u), metrics((e.weeks + 1) * programs * kMetricCount, 0u);
  std::vector<double> ledger((e.weeks + 1) * items, 0.0);
  const auto observe = [&](int week) {
    WeekCounts counts(wijken);
    sim.observe(counts);
    std::copy(counts.rungs.begin(), counts.rungs.end(), rungs.begin() + week * wijken * kRungs);
    std::copy(counts.bijstand.begin(), counts.bijstand.end(), bijstand.begin() + week * wijken);
    const auto provisions = prices.week(counts);
    std::copy(provisions.begin(), provisions.end(), ledger.begin() + week * items + programs);
  };
  observe(0);
  for (int week = 1; week <= e.weeks; ++week) {
    sim.step(static_cast<std::uint32_t>(week));
    observe(week);
    std::copy(sim.events().begin(), sim.events().end(), events.begin() + week * kEventCount);
    for (std::size_t k = 0; k < programs; ++k) {
      const auto& m = sim.metrics()[k];
      std::copy(m.begin(), m.end(), metrics.begin() + (week * programs + k) * kMetricCount);
      ledger[week * items + k] = sim.costs()[k];
    }
    progress.advance();
  }
  for (auto* data : {&rungs, &bijstand, &events, &metrics}) part.u32.push_back(std::move(*data));
  part.u32.push_back(persons_up(city.people, sim.people()));
  part.f64.push_back(coefficient_values(fit));
  part.f64.push_back(std::move(ledger));
}

// One replicate of every scenario, as one piece; with parameter draws, the
// scenarios run with the replicate's row, which ends the piece.
sim::Part run_replicate(const Experiment& e, const std::vector<Wijk>& wijken, const sim::Rng& rng,
                        std::uint32_t replicate, int threads, Progress& progress) {
  sim::Part part;
  std::vector<ScenarioSpec> drawn;
  if (!e.parameter_draws.empty())
    for (const auto& s : e.scenarios) drawn.push_back(with_draws(s, e.parameter_draws, replicate));
  const auto& scenarios = e.parameter_draws.empty() ? e.scenarios : drawn;
  const auto& baseline = scenarios.front().params;
  const City city = build_city(wijken, e, baseline, rng, replicate);
  for (const auto& s : scenarios) {
    if (same_city(baseline, s.params))
      run_scenario(e, s, city, rng, replicate, threads, progress, part);
    else
      run_scenario(e, s, build_city(wijken, e, s.params, rng, replicate), rng, replicate, threads, progress, part);
  }
  if (!e.parameter_draws.empty()) part.f64.push_back(e.parameter_draws.rows.at(replicate));
  return part;
}

// Runs the missing replicates: several at once, one thread each, when there
// are at least as many as threads; otherwise one at a time on all threads.
void run_missing(const Experiment& e, const std::vector<Wijk>& wijken, const sim::PartStore& parts,
                 const std::vector<std::uint32_t>& missing, int threads, Progress& progress) {
  const sim::Rng rng(e.seed);
  const int workers = threads > 0 ? threads : omp_get_max_threads();
  const bool across = static_cast<int>(missing.size()) >= workers && workers > 1;
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
#pragma omp parallel for schedule(dynamic, 1) num_threads(across ? workers : 1)
  for (std::size_t k = 0; k < missing.size(); ++k) {
    if (progress.stopped() || failed) continue;
    try {
      parts.write(missing[k], run_replicate(e, wijken, rng, missing[k], across ? 1 : workers, progress));
    } catch (...) {
      const std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      failed = true;
    }
  }
  if (failure) std::rethrow_exception(failure);
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

// The draws at the root of the file: coordinates replicate and parameter, dataset parameter_draws.
void declare_draws(sim::ResultsFile& out, const Experiment& e) {
  if (e.parameter_draws.empty()) return;
  out.coordinate("", "replicate", range(0, e.replicates - 1));
  out.coordinate("", "parameter", e.parameter_draws.names);
  out.dataset_f64("", "parameter_draws", {"replicate", "parameter"}, "as in docs/parameters.md",
                  "the value of each parameter drawn for the replicate (from parameter_draws_origin)");
}

void assemble(const Experiment& e, const std::vector<Wijk>& wijken, const sim::PartStore& parts,
              const std::string& out_path) {
  sim::ResultsFile out(out_path);
  write_attributes(out, e);
  std::vector<std::string> wijk_names;
  for (const auto& w : wijken) wijk_names.push_back(w.name);
  for (const auto& s : e.scenarios) declare_scenario(out, e, s, wijk_names);
  declare_draws(out, e);
  static const char* u32_names[kU32Count] = {"rung_counts", "bijstand", "events", "program", "persons_up"};
  static const char* f64_names[kF64Count] = {"fitted", "ledger"};
  const bool draws = !e.parameter_draws.empty();
  for (int r = 0; r < e.replicates; ++r) {
    const auto part = parts.read(static_cast<std::size_t>(r));
    if (part.u32.size() != e.scenarios.size() * kU32Count ||
        part.f64.size() != e.scenarios.size() * kF64Count + (draws ? 1 : 0))
      throw std::runtime_error(parts.dir().string() + ": a piece does not match the experiment");
    if (draws) {  // the row the replicate was computed with, which a resumed run must not change
      const auto& row = part.f64.back();
      if (row != e.parameter_draws.rows.at(static_cast<std::size_t>(r)))
        throw sim::InputError(sim::Problem{
            e.parameter_draws.origin, 0, "rows",
            "row " + std::to_string(r) + " differs from the one that replicate " + std::to_string(r) + " in " +
                parts.dir().string() + " was computed with (the same rows again, or run without --resume)"});
      out.write_f64("", "parameter_draws", static_cast<std::size_t>(r), row);
    }
    for (std::size_t s = 0; s < e.scenarios.size(); ++s) {
      for (int d = 0; d < kU32Count; ++d) out.write_u32(e.scenarios[s].name, u32_names[d], r, part.u32[s * kU32Count + d]);
      for (int d = 0; d < kF64Count; ++d) out.write_f64(e.scenarios[s].name, f64_names[d], r, part.f64[s * kF64Count + d]);
    }
  }
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
     << "\nseed = " << e.seed << "\nscale = " << e.scale << "\nscenarios = [";
  for (std::size_t k = 0; k < e.scenarios.size(); ++k) os << (k ? ", " : "") << json_string(e.scenarios[k].name);
  os << "]\n\n[parameter_values]\n";
  for (const auto& [name, v] : e.parameter_values)
    os << json_string(name) << " = " << json_numbers(v, is_vector(name)) << '\n';
  if (!e.parameter_draws.empty()) {
    const auto& d = e.parameter_draws;
    os << "\n[parameter_draws]\norigin = " << json_string(d.origin) << "\nnames = [";
    for (std::size_t k = 0; k < d.names.size(); ++k) os << (k ? ", " : "") << json_string(d.names[k]);
    os << "]\nrows = [\n";
    for (const auto& row : d.rows) os << "  " << json_numbers(row, true) << ",\n";
    os << "]\n";
  }
  return os.str();
}

}  // namespace

std::string parts_dir(const std::string& out_path) { return out_path + ".parts"; }

std::string run_fingerprint(const Experiment& e) { return fingerprint(e, load_wijken(e.population_data)); }

void run_experiment(const Experiment& e, const std::string& out_path, const RunOptions& options) {
  check_parameter_draws(e);
  const auto wijken = load_wijken(e.population_data);
  const sim::PartStore parts(parts_dir(out_path), fingerprint(e, wijken), manifest(e), e.source_text, options.resume);
  std::vector<std::uint32_t> missing;
  for (int r = 0; r < e.replicates; ++r)
    if (!parts.has(static_cast<std::size_t>(r))) missing.push_back(static_cast<std::uint32_t>(r));
  Progress progress(options, static_cast<long>(missing.size() * e.scenarios.size()) * e.weeks);
  try {
    run_missing(e, wijken, parts, missing, options.threads, progress);
  } catch (const Stopped&) {
    return;  // OUT is not written; the finished replicates wait in the parts folder
  }
  assemble(e, wijken, parts, out_path);
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

// Whether a piece has the arrays run_replicate makes for `e`, of the right sizes.
bool fits(const Experiment& e, std::size_t wijken, const sim::Part& part) {
  if (part.u32.size() != e.scenarios.size() * kU32Count || part.f64.size() != e.scenarios.size() * kF64Count)
    return false;
  const auto weeks = static_cast<std::size_t>(e.weeks) + 1;
  for (std::size_t s = 0; s < e.scenarios.size(); ++s) {
    const std::size_t programs = e.scenarios[s].interventions.size();
    const std::size_t u32[kU32Count] = {weeks * wijken * kRungs, weeks * wijken, weeks * kEventCount,
                                        weeks * programs * kMetricCount, wijken};
    const std::size_t f64[kF64Count] = {coefficient_names().size(), weeks * (programs + kProvisionCount)};
    for (int d = 0; d < kU32Count; ++d)
      if (part.u32[s * kU32Count + d].size() != u32[d]) return false;
    for (int d = 0; d < kF64Count; ++d)
      if (part.f64[s * kF64Count + d].size() != f64[d]) return false;
  }
  return true;
}

}  // namespace

std::string run_piece(const Experiment& e, std::uint32_t replicate, int threads) {
  check_replicate(e, replicate, "run_piece");
  const auto wijken = load_wijken(e.population_data);
  const sim::Rng rng(e.seed);
  Progress progress(RunOptions{}, 0);
  const auto part = run_replicate(e, wijken, rng, replicate, threads > 0 ? threads : omp_get_max_threads(), progress);
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
  if (!fits(e, wijken.size(), part))
    throw sim::InputError(sim::Problem{"store_piece", 0, "data",
                                       "the piece's arrays do not fit the experiment (the bytes that run_piece "
                                       "returned for this experiment and replicate)"});
  static std::mutex storing;  // two first pieces must not both create the folder
  const std::lock_guard lock(storing);
  const auto dir = parts_dir(out_path);
  const bool started = std::filesystem::exists(std::filesystem::path(dir) / "fingerprint");
  const sim::PartStore parts(dir, stamp, manifest(e), e.source_text, started);
  parts.write(replicate, part);
}

}  // namespace meedoen::models
