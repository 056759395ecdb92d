// The wijken (districts) a population is built from: data/leiden_wijken.csv
// (CBS Kerncijfers wijken en buurten 2024) or a user's CSV of the same columns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace meedoen::models {

struct Wijk {
  std::string code;
  std::string name;
  int inhabitants = 0;
  int men = 0;
  int women = 0;
  int dwellings = 0;
  double land_ha = 0.0;
};

// Parses the CSV text (UTF-8 with or without BOM, ',' or ';' as the pilot files choose it, CRLF or
// LF, quoted fields; read by libcsv). Counts are digits only and land_ha digits with a decimal
// point (docs/guide/scenario-files.md). Refuses text that is not UTF-8 (at its first such line),
// a code or name that an earlier wijk has, and men + women more than 10 above the inhabitants.
// Throws sim::InputError naming FILE:LINE: column for every problem.
std::vector<Wijk> parse_wijken(std::string_view csv_text, const std::string& path);

// "leiden" is the embedded data set; anything else is a path to a CSV file.
std::vector<Wijk> load_wijken(const std::string& data);

}  // namespace meedoen::models
