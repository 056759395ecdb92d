#include "models/wijken.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

#include "sim/errors.hpp"

namespace meedoen::embedded {
extern const std::string_view leiden_wijken_csv;
}

namespace meedoen::models {
namespace {

const std::vector<std::string> kColumns = {"code", "name", "inhabitants", "men", "women", "dwellings", "land_ha"};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream is(line);
  while (std::getline(is, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

template <typename T>
bool parse_number(const std::string& s, T& out) {
  const auto* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

std::vector<Wijk> parse_wijken(std::string_view csv_text, const std::string& path) {
  std::vector<sim::Problem> problems;
  std::vector<Wijk> wijken;
  std::istringstream is{std::string(csv_text)};
  std::string line;
  int lineno = 0;
  while (std::getline(is, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto fields = split(line);
    if (lineno == 1) {
      if (fields != kColumns)
        throw sim::InputError(sim::Problem{path, 1, "header",
                                           "columns must be code,name,inhabitants,men,women,dwellings,land_ha"});
      continue;
    }
    if (fields.size() != kColumns.size()) {
      problems.push_back({path, lineno, "row",
                          "expected 7 fields, got " + std::to_string(fields.size()) +
                              " (code,name,inhabitants,men,women,dwellings,land_ha)"});
      continue;
    }
    Wijk w;
    w.code = fields[0];
    w.name = fields[1];
    if (w.name.empty()) problems.push_back({path, lineno, "name", "is empty (a wijk name)"});
    int* counts[] = {&w.inhabitants, &w.men, &w.women, &w.dwellings};
    for (int c = 0; c < 4; ++c) {
      if (!parse_number(fields[2 + c], *counts[c]) || *counts[c] < 0)
        problems.push_back({path, lineno, kColumns[2 + c],
                            "'" + fields[2 + c] + "' is not a count (a whole number, 0 or more)"});
    }
    if (!parse_number(fields[6], w.land_ha) || !(w.land_ha >= 0))
      problems.push_back({path, lineno, "land_ha", "'" + fields[6] + "' is not an area (hectares, 0 or more)"});
    if (w.inhabitants > 0 && w.dwellings == 0)
      problems.push_back({path, lineno, "dwellings", "is 0 for a wijk with inhabitants (at least 1)"});
    wijken.push_back(std::move(w));
  }
  if (lineno == 0) problems.push_back({path, 0, "header", "the file is empty (a CSV with a header and one row per wijk)"});
  else if (wijken.empty() && problems.empty())
    problems.push_back({path, lineno, "row", "no wijken (at least one row after the header)"});
  if (wijken.size() > 255) problems.push_back({path, lineno, "row", "more than 255 wijken"});
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  return wijken;
}

std::vector<Wijk> load_wijken(const std::string& data) {
  if (data == "leiden") return parse_wijken(embedded::leiden_wijken_csv, "data/leiden_wijken.csv");
  std::ifstream in(data, std::ios::binary);
  if (!in) throw sim::InputError(sim::Problem{data, 0, "population.data", "cannot read the file (\"leiden\" or a CSV path)"});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_wijken(text.str(), data);
}

}  // namespace meedoen::models
