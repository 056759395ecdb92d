// The table of outputs: a piece's arrays follow it (order and sizes), fits
// refuses any piece that does not, and the results file gets each output once
// with its dimensions and units.
#include "sim/outputs.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>

#include "models/runner.hpp"

namespace meedoen::sim {
namespace {

const Outputs& table() {
  static const Outputs outputs = {
      {"counts", ValueType::u32, {"replicate", "week", "kind"}, "persons", "counts", true, true, {{"money", "euro"}}},
      {"rates", ValueType::f64, {"replicate", "kind"}, "1", "rates", false},
      {"draws", ValueType::f64, {"replicate", "parameter"}, "various", "draws", false, false},
  };
  return outputs;
}

Layout layout(bool root) {
  Layout l;
  for (const char* name : {"a", "b"}) l.groups.push_back({name, {{"replicate", 2}, {"week", 3}, {"kind", 2}}});
  if (root) l.groups.push_back({"", {{"replicate", 2}, {"parameter", 4}}});
  return l;
}

Part piece(bool root) {
  Part part;
  for (int g = 0; g < 2; ++g) {
    GroupValues values;
    values.u32["counts"] = std::vector<std::uint32_t>(6, g);
    values.f64["rates"] = {0.5, 0.25};
    append(part, table(), true, std::move(values));
  }
  if (root) append(part, table(), false, {{}, {{"draws", {1, 2, 3, 4}}}});
  return part;
}

TEST(Outputs, APieceFollowsTheTableAndFitsItsLayout) {
  for (const bool root : {false, true}) {
    const auto part = piece(root);
    EXPECT_EQ(part.u32.size(), 2u);
    EXPECT_EQ(part.f64.size(), root ? 3u : 2u);
    EXPECT_EQ(part.u32[1], std::vector<std::uint32_t>(6, 1));
    EXPECT_TRUE(fits(table(), layout(root), part));
    EXPECT_FALSE(fits(table(), layout(!root), part));  // the root's row is expected exactly when there is one
  }
}

TEST(Outputs, FitsRefusesEveryWrongSizeAndEveryMissingOrExtraArray) {
  const auto good = piece(true);
  for (std::size_t k = 0; k < good.u32.size(); ++k) {
    auto bad = good;
    bad.u32[k].push_back(0);
    EXPECT_FALSE(fits(table(), layout(true), bad));
  }
  for (std::size_t k = 0; k < good.f64.size(); ++k) {
    auto bad = good;
    bad.f64[k].pop_back();
    EXPECT_FALSE(fits(table(), layout(true), bad));
  }
  auto extra = good;
  extra.u32.push_back({});
  EXPECT_FALSE(fits(table(), layout(true), extra));
  auto fewer = good;
  fewer.f64.pop_back();
  EXPECT_FALSE(fits(table(), layout(true), fewer));
}

TEST(Outputs, AppendRefusesValuesTheTableDoesNotDeclareOrLacks) {
  Part part;
  GroupValues missing;
  missing.u32["counts"] = {};
  EXPECT_THROW(append(part, table(), true, missing), std::logic_error);
  GroupValues extra = missing;
  extra.f64["rates"] = {};
  extra.f64["other"] = {};
  EXPECT_THROW(append(part, table(), true, extra), std::logic_error);
}

TEST(Outputs, UnitsPerLabel) {
  const auto& counts = table()[0];
  EXPECT_EQ(counts.units_of("money"), "euro");
  EXPECT_EQ(counts.units_of("people"), "persons");
  EXPECT_EQ(counts.units_attribute(), "persons (euro for kind money)");
  EXPECT_EQ(table()[1].units_attribute(), "1");
}

TEST(Outputs, DeclareAndWriteEachOutputOnce) {
  const auto dir = std::filesystem::temp_directory_path() / ("meedoen-outputs-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "out.h5").string();
  {
    ResultsFile file(path);
    const auto l = layout(true);
    for (const auto& group : l.groups) {
      if (!group.name.empty()) file.create_group(group.name);
      file.coordinate(group.name, "replicate", std::vector<std::int64_t>{0, 1});
      for (const auto& [dim, extent] : group.extents)
        if (dim != "replicate") file.coordinate(group.name, dim, std::vector<std::int64_t>(extent, 0));
      declare(file, table(), group);
    }
    for (std::size_t r = 0; r < 2; ++r) write(file, table(), l, r, piece(true));
    file.commit();
  }
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  for (const char* name : {"a/counts", "a/rates", "b/counts", "b/rates", "draws"})
    EXPECT_GT(H5Lexists(f, name, H5P_DEFAULT), 0) << name;
  for (const char* name : {"a/draws", "counts"}) EXPECT_EQ(H5Lexists(f, name, H5P_DEFAULT), 0) << name;
  H5Fclose(f);
  std::filesystem::remove_all(dir);
}

// The model's own table: unique names, every output starts with the replicate,
// and the units of program's budget are euros.
TEST(ModelOutputs, NamesAreUniqueAndBudgetsAreEuros) {
  std::set<std::string> names;
  for (const auto& o : models::outputs()) {
    EXPECT_TRUE(names.insert(o.name).second) << o.name;
    ASSERT_FALSE(o.dims.empty());
    EXPECT_EQ(o.dims.front(), "replicate");
  }
  const auto program = std::find_if(models::outputs().begin(), models::outputs().end(),
                                    [](const Output& o) { return o.name == "program"; });
  ASSERT_NE(program, models::outputs().end());
  EXPECT_EQ(program->units_of("budget_euros"), "euro");
  EXPECT_EQ(program->units_of("visited"), "persons");
}

}  // namespace
}  // namespace meedoen::sim
