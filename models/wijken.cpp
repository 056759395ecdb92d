#include "models/wijken.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <csv.h>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <sstream>

#include "sim/errors.hpp"

namespace meedoen::embedded {
extern const std::string_view leiden_wijken_csv;
}

namespace meedoen::models {
namespace {

const std::vector<std::string> kColumns = {"code", "name", "inhabitants", "men", "women", "dwellings", "land_ha"};

// How far men + women may exceed the inhabitants: CBS rounds each count to a multiple of 5, so
// two rounded counts can add up to 5 or 10 more than the third (data/leiden_wijken.csv: 5).
constexpr long long kRoundingSlack = 10;

const std::string kCountRule = "a whole number of 0 or more in digits only: no thousands separator, decimal point or exponent";
const std::string kAreaRule = "hectares, 0 or more, in digits with a decimal point: 2.5, not 2,5 or 2.5e1";

// One row of the file, with the line it ends on.
struct Row {
  int line = 0;
  std::vector<std::string> fields;
};

// Collects libcsv's fields and rows.
struct Rows {
  std::vector<Row> rows;
  std::vector<std::string> fields;
  int line = 0;

  static void field(void* text, std::size_t size, void* self) {
    static_cast<Rows*>(self)->fields.emplace_back(text ? static_cast<const char*>(text) : "", size);
  }
  static void end(int, void* self) {
    auto& r = *static_cast<Rows*>(self);
    r.rows.push_back({r.line, std::move(r.fields)});
    r.fields.clear();
  }
};

struct ParserDeleter {
  void operator()(csv_parser* p) const {
    csv_free(p);
    delete p;
  }
};

// The separator, as the pilot files choose it: ',' when the header (the first line that is not
// blank) has one or has no ';', else ';'.
unsigned char separator(std::string_view text) {
  const auto start = std::min(text.find_first_not_of(" \t\r\n"), text.size());
  const auto header = text.substr(start, text.find('\n', start) - start);
  return header.find(',') != std::string_view::npos || header.find(';') == std::string_view::npos ? ',' : ';';
}

// The line of the first byte of `text` that is not part of UTF-8 (RFC 3629: no overlong forms,
// surrogates or code points above U+10FFFF); 0 when it is all UTF-8.
int first_line_not_utf8(std::string_view text) {
  int line = 1;
  for (std::size_t at = 0; at < text.size();) {
    const auto c = static_cast<unsigned char>(text[at]);
    const std::size_t size = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (size == 0 || at + size > text.size()) return line;
    char32_t code = size == 1 ? c : c & (0x7F >> size);
    for (std::size_t k = 1; k < size; ++k) {
      const auto next = static_cast<unsigned char>(text[at + k]);
      if ((next >> 6) != 0x2) return line;
      code = (code << 6) | (next & 0x3F);
    }
    constexpr char32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kLeast[size] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return line;
    if (c == '\n') ++line;
    at += size;
  }
  return 0;
}

// The rows of a CSV text (UTF-8 with or without BOM, ',' or ';', CRLF or LF, quoted fields), by
// libcsv; blank lines are skipped. Throws sim::InputError at the line of malformed quoting.
std::vector<Row> read_rows(std::string_view text, const std::string& path) {
  if (const int line = first_line_not_utf8(text))
    throw sim::InputError(sim::Problem{path, line, "row",
                                       "is not UTF-8 text (save the file as UTF-8, as CSV UTF-8 in Excel)"});
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::unique_ptr<csv_parser, ParserDeleter> parser(new csv_parser);
  if (csv_init(parser.get(), CSV_STRICT | CSV_STRICT_FINI) != 0) throw std::bad_alloc();
  csv_set_delim(parser.get(), separator(text));
  Rows r;
  const auto malformed = [&] {
    return sim::InputError(sim::Problem{path, r.line, "row",
                                        "is not valid CSV: a quote inside an unquoted field or a quoted field not "
                                        "closed (quote a field that holds the separator, and double a quote in it)"});
  };
  for (std::size_t at = 0; at < text.size();) {  // line by line, so that each row knows its line
    const auto next = std::min(text.find('\n', at), text.size() - 1) + 1;
    ++r.line;
    if (csv_parse(parser.get(), text.data() + at, next - at, &Rows::field, &Rows::end, &r) != next - at)
      throw malformed();
    at = next;
  }
  if (csv_fini(parser.get(), &Rows::field, &Rows::end, &r) != 0) throw malformed();
  return r.rows;
}

bool digits_only(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

// A count: decimal digits only, so that 1.000, 1,5, 2.5 and 1e3 are refused, never read one way.
bool parse_count(const std::string& s, int& out) {
  if (!digits_only(s)) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Whether `s` holds a control character (NUL, tab, a line break, ...): a code or name is shown
// and stored as text, and C strings end at a NUL.
bool has_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; });
}

// An area: digits with at most one decimal point, at least one digit.
bool parse_area(const std::string& s, double& out) {
  const bool digits = std::all_of(s.begin(), s.end(), [](unsigned char c) { return (c >= '0' && c <= '9') || c == '.'; });
  if (!digits || std::count(s.begin(), s.end(), '.') > 1 || s.find_first_of("0123456789") == std::string::npos)
    return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::fixed);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// The wijk of one data row; its problems go to `problems`.
Wijk read_wijk(const Row& row, const std::string& path, std::vector<sim::Problem>& problems) {
  const auto& fields = row.fields;
  Wijk w;
  w.code = fields[0];
  w.name = fields[1];
  if (w.name.empty()) problems.push_back({path, row.line, "name", "is empty (a wijk name)"});
  for (int c = 0; c < 2; ++c)
    if (has_control(fields[c]))
      problems.push_back({path, row.line, kColumns[c],
                          "holds a control character such as NUL, a tab or a line break (printable text only)"});
  int* counts[] = {&w.inhabitants, &w.men, &w.women, &w.dwellings};
  bool counted = true;  // every count read: only then are they compared with each other
  for (int c = 0; c < 4; ++c)
    if (!parse_count(fields[2 + c], *counts[c])) {
      counted = false;
      const bool large = digits_only(fields[2 + c]);
      const auto what = large ? " is too large (at most " + std::to_string(INT_MAX) + ")" : " is not a count (" + kCountRule + ")";
      problems.push_back({path, row.line, kColumns[2 + c], "'" + fields[2 + c] + "'" + what});
    }
  if (!parse_area(fields[6], w.land_ha))
    problems.push_back({path, row.line, "land_ha", "'" + fields[6] + "' is not an area (" + kAreaRule + ")"});
  if (!counted) return w;
  if (w.inhabitants > 0 && w.dwellings == 0)
    problems.push_back({path, row.line, "dwellings", "is 0 for a wijk with inhabitants (at least 1)"});
  if (const long long sexes = static_cast<long long>(w.men) + w.women; sexes > w.inhabitants + kRoundingSlack)
    problems.push_back({path, row.line, "women",
                        "men + women is " + std::to_string(sexes) + ", more than the " +
                            std::to_string(w.inhabitants) + " inhabitants (at most the inhabitants, or " +
                            std::to_string(kRoundingSlack) + " more where the counts are rounded to 5 as CBS's are)"});
  return w;
}

// A problem for each wijk whose `key` (code or name) an earlier row already has.
void refuse_repeats(const std::vector<Wijk>& wijken, const std::vector<int>& lines, const std::string& key,
                    std::string Wijk::*field, const std::string& path, std::vector<sim::Problem>& problems) {
  std::map<std::string, int> first;  // value -> its line
  for (std::size_t w = 0; w < wijken.size(); ++w) {
    const auto& value = wijken[w].*field;
    const auto [at, fresh] = first.emplace(value, lines[w]);
    if (!fresh && !value.empty())
      problems.push_back({path, lines[w], key,
                          "'" + value + "' is also the " + key + " of the wijk on line " + std::to_string(at->second) +
                              " (each wijk its own " + key + ")"});
  }
}

}  // namespace

std::vector<Wijk> parse_wijken(std::string_view csv_text, const std::string& path) {
  const auto rows = read_rows(csv_text, path);
  if (rows.empty())
    throw sim::InputError(sim::Problem{path, 0, "header", "the file is empty (a CSV with a header and one row per wijk)"});
  if (rows[0].fields != kColumns)
    throw sim::InputError(sim::Problem{path, rows[0].line, "header",
                                       "columns must be code,name,inhabitants,men,women,dwellings,land_ha (separated "
                                       "by , or ;)"});
  std::vector<sim::Problem> problems;
  std::vector<Wijk> wijken;
  std::vector<int> lines;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].fields.size() == kColumns.size()) {
      wijken.push_back(read_wijk(rows[r], path, problems));
      lines.push_back(rows[r].line);
      continue;
    }
    problems.push_back({path, rows[r].line, "row",
                        "expected 7 fields, got " + std::to_string(rows[r].fields.size()) +
                            " (code,name,inhabitants,men,women,dwellings,land_ha; quote a field that holds the "
                            "separator)"});
  }
  refuse_repeats(wijken, lines, "code", &Wijk::code, path, problems);
  refuse_repeats(wijken, lines, "name", &Wijk::name, path, problems);
  const int last = rows.back().line;
  if (wijken.empty() && problems.empty())
    problems.push_back({path, last, "row", "no wijken (at least one row after the header)"});
  if (wijken.size() > 255) problems.push_back({path, last, "row", "more than 255 wijken"});
  std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
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
