#include "sim/results_file.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using meedoen::sim::ResultsFile;

namespace {

// Closes an HDF5 identifier on scope exit.
class Id {
public:
  explicit Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  operator hid_t() const { return id_; }

private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string string_attribute(hid_t object, const char* name) {
  const Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  const Id type(H5Aget_type(attribute), H5Tclose);
  EXPECT_EQ(H5Tis_variable_str(type), 1) << name;
  EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8) << name;
  char* text = nullptr;
  if (H5Aread(attribute, type, &text) < 0 || text == nullptr) return "<unreadable>";
  std::string value = text;
  H5free_memory(text);
  return value;
}

template <class T>
T number_attribute(hid_t object, const char* name, hid_t type) {
  const Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  T value{};
  EXPECT_GE(H5Aread(attribute, type, &value), 0) << name;
  return value;
}

std::vector<std::string> string_coordinate(hid_t file, const char* path) {
  const Id dataset(H5Dopen2(file, path, H5P_DEFAULT), H5Dclose);
  const Id type(H5Dget_type(dataset), H5Tclose);
  EXPECT_EQ(H5Tis_variable_str(type), 1);
  EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8);
  const Id space(H5Dget_space(dataset), H5Sclose);
  std::vector<char*> texts(H5Sget_simple_extent_npoints(space), nullptr);
  EXPECT_GE(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.data()), 0);
  std::vector<std::string> labels(texts.begin(), texts.end());
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, texts.data());
  return labels;
}

template <class T>
std::vector<T> read_all(hid_t file, const char* path, hid_t type) {
  const Id dataset(H5Dopen2(file, path, H5P_DEFAULT), H5Dclose);
  const Id space(H5Dget_space(dataset), H5Sclose);
  std::vector<T> values(H5Sget_simple_extent_npoints(space));
  EXPECT_GE(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0) << path;
  return values;
}

std::vector<hsize_t> shape(hid_t file, const char* path) {
  const Id dataset(H5Dopen2(file, path, H5P_DEFAULT), H5Dclose);
  const Id space(H5Dget_space(dataset), H5Sclose);
  std::vector<hsize_t> dims(H5Sget_simple_extent_ndims(space));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

// Each axis of `group/name` has exactly one scale attached: `group/dims[axis]`.
void expect_dims(hid_t file, const std::string& group, const std::string& name,
                 const std::vector<std::string>& dims) {
  const Id dataset(H5Dopen2(file, (group + "/" + name).c_str(), H5P_DEFAULT), H5Dclose);
  for (unsigned axis = 0; axis < dims.size(); ++axis) {
    const Id scale(H5Dopen2(file, (group + "/" + dims[axis]).c_str(), H5P_DEFAULT), H5Dclose);
    EXPECT_EQ(H5DSis_scale(scale), 1) << dims[axis];
    EXPECT_EQ(H5DSget_num_scales(dataset, axis), 1) << name << " axis " << axis;
    EXPECT_EQ(H5DSis_attached(dataset, scale, axis), 1) << name << " axis " << axis;
  }
}

class ResultsFileTest : public testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("meedoen_results_" + std::to_string(getpid()) + "_" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

// A small file: group "a" with replicate x wijk x rung counts and a
// replicate x week ledger, group "b" with only a coordinate.
void declare(ResultsFile& out) {
  out.attribute("experiment", std::string("[scenario]\nname = \"a\"\n"));
  out.attribute("seed", std::int64_t{-42});
  out.attribute("share", 0.25);
  out.create_group("a");
  out.group_attribute("a", "description", "the first scenario");
  out.coordinate("a", "replicate", std::vector<std::int64_t>{0, 1, 2});
  out.coordinate("a", "wijk", std::vector<std::string>{"Binnenstad-Noord", "Bos- en Gasthuisdistrict"});
  out.coordinate("a", "rung", std::vector<std::int64_t>{1, 2, 3, 4, 5, 6});
  out.coordinate("a", "week", std::vector<std::int64_t>{0, 1, 2, 3});
  out.dataset_u32("a", "rung_counts", {"replicate", "wijk", "rung"}, "persons", "adults on each rung");
  out.dataset_f64("a", "ledger", {"replicate", "week"}, "euro", "spending per week");
  out.create_group("b");
  out.coordinate("b", "replicate", std::vector<std::int64_t>{0});
}

std::vector<std::uint32_t> counts(std::uint32_t base) {
  std::vector<std::uint32_t> block(2 * 6);
  for (std::uint32_t i = 0; i < block.size(); ++i) block[i] = base + i;
  return block;
}

TEST_F(ResultsFileTest, RoundTripsThroughTheHdf5Api) {
  const fs::path path = dir_ / "out.h5";
  {
    ResultsFile out(path.string());
    EXPECT_EQ(out.partial_path(), path.string() + ".partial");
    declare(out);
    out.write_u32("a", "rung_counts", 2, counts(200));  // out of order; replicate 1 stays unwritten
    out.write_u32("a", "rung_counts", 0, counts(0));
    out.write_f64("a", "ledger", 2, {2.5, 0.0, -1.0, 1e9});
    out.write_f64("a", "ledger", 0, {0.5, 1.5, 2.5, 3.5});
    out.attribute("seed", std::int64_t{7});  // replaces

    EXPECT_FALSE(fs::exists(path));
    EXPECT_TRUE(fs::exists(out.partial_path()));
    out.commit();
    EXPECT_TRUE(fs::exists(path));
    EXPECT_FALSE(fs::exists(out.partial_path()));
    EXPECT_THROW(out.write_f64("a", "ledger", 1, {1, 2, 3, 4}), std::logic_error);
  }
  ASSERT_TRUE(fs::exists(path));  // the destructor after commit keeps the file

  const Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_GE(file, 0);
  EXPECT_EQ(string_attribute(file, "experiment"), "[scenario]\nname = \"a\"\n");
  EXPECT_EQ(number_attribute<std::int64_t>(file, "seed", H5T_NATIVE_INT64), 7);
  EXPECT_EQ(number_attribute<double>(file, "share", H5T_NATIVE_DOUBLE), 0.25);
  {
    const Id group(H5Gopen2(file, "a", H5P_DEFAULT), H5Gclose);
    EXPECT_EQ(string_attribute(group, "description"), "the first scenario");
  }

  EXPECT_EQ(string_coordinate(file, "a/wijk"), (std::vector<std::string>{"Binnenstad-Noord", "Bos- en Gasthuisdistrict"}));
  EXPECT_EQ(read_all<std::int64_t>(file, "a/rung", H5T_NATIVE_INT64), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(read_all<std::int64_t>(file, "b/replicate", H5T_NATIVE_INT64), std::vector<std::int64_t>{0});

  EXPECT_EQ(shape(file, "a/rung_counts"), (std::vector<hsize_t>{3, 2, 6}));
  std::vector<std::uint32_t> expected = counts(0);
  expected.resize(2 * 2 * 6, 0);
  const std::vector<std::uint32_t> last = counts(200);
  expected.insert(expected.end(), last.begin(), last.end());
  EXPECT_EQ(read_all<std::uint32_t>(file, "a/rung_counts", H5T_NATIVE_UINT32), expected);
  EXPECT_EQ(read_all<double>(file, "a/ledger", H5T_NATIVE_DOUBLE),
            (std::vector<double>{0.5, 1.5, 2.5, 3.5, 0, 0, 0, 0, 2.5, 0.0, -1.0, 1e9}));

  expect_dims(file, "a", "rung_counts", {"replicate", "wijk", "rung"});
  expect_dims(file, "a", "ledger", {"replicate", "week"});
  {
    const Id dataset(H5Dopen2(file, "a/rung_counts", H5P_DEFAULT), H5Dclose);
    const Id type(H5Dget_type(dataset), H5Tclose);
    EXPECT_EQ(H5Tequal(type, H5T_STD_U32LE), 1);
    EXPECT_EQ(string_attribute(dataset, "units"), "persons");
    EXPECT_EQ(string_attribute(dataset, "long_name"), "adults on each rung");
    const Id properties(H5Dget_create_plist(dataset), H5Pclose);
    std::vector<hsize_t> chunk(3);
    ASSERT_EQ(H5Pget_chunk(properties, 3, chunk.data()), 3);
    EXPECT_EQ(chunk, (std::vector<hsize_t>{1, 2, 6}));  // one replicate per chunk
    EXPECT_EQ(H5Pget_nfilters(properties), 2);           // shuffle + gzip
  }
  {
    const Id dataset(H5Dopen2(file, "a/ledger", H5P_DEFAULT), H5Dclose);
    const Id type(H5Dget_type(dataset), H5Tclose);
    EXPECT_EQ(H5Tequal(type, H5T_IEEE_F64LE), 1);
    EXPECT_EQ(string_attribute(dataset, "units"), "euro");
  }
}

TEST_F(ResultsFileTest, DestroyingWithoutCommitLeavesTheFinalFileUntouched) {
  const fs::path path = dir_ / "out.h5";
  const std::string previous("previous results\0\x01\xff", 19);
  std::ofstream(path, std::ios::binary) << previous;
  try {
    ResultsFile out(path.string());
    declare(out);
    out.write_u32("a", "rung_counts", 1, counts(5));
    throw std::runtime_error("run cancelled");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(read_text(path), previous);
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
}

TEST_F(ResultsFileTest, DestroyingWithoutCommitLeavesNoFile) {
  const fs::path path = dir_ / "out.h5";
  { ResultsFile out(path.string()); }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
}

TEST_F(ResultsFileTest, ReplacesAStalePartialFileAndAnOldFinalFileOnCommit) {
  const fs::path path = dir_ / "out.h5";
  std::ofstream(path.string() + ".partial") << "left over by a crash";
  std::ofstream(path) << "old results";
  ResultsFile out(path.string());
  out.create_group("g");
  out.commit();
  const Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  EXPECT_GE(file, 0);
  EXPECT_EQ(H5Lexists(file, "g", H5P_DEFAULT), 1);
}

TEST_F(ResultsFileTest, RejectsBadBlocksWithoutLeakingHandles) {
  const ssize_t open_before = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  {
    ResultsFile out((dir_ / "out.h5").string());
    declare(out);
    EXPECT_THROW(out.write_u32("a", "rung_counts", 0, std::vector<std::uint32_t>(11)), std::invalid_argument);
    EXPECT_THROW(out.write_u32("a", "rung_counts", 0, std::vector<std::uint32_t>(36)), std::invalid_argument);
    EXPECT_THROW(out.write_u32("a", "rung_counts", 3, counts(0)), std::out_of_range);
    EXPECT_THROW(out.write_f64("a", "rung_counts", 0, std::vector<double>(12)), std::invalid_argument);
    EXPECT_THROW(out.write_u32("a", "missing", 0, counts(0)), std::runtime_error);
    EXPECT_THROW(out.dataset_u32("a", "bad", {"replicate", "rung_counts"}, "", ""), std::invalid_argument);
    EXPECT_THROW(out.dataset_u32("a", "bad", {"replicate", "undeclared"}, "", ""), std::runtime_error);
    EXPECT_NO_THROW(out.write_u32("a", "rung_counts", 1, counts(0)));
  }
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), open_before);
}

TEST_F(ResultsFileTest, EmptyDimensionsAreAllowed) {  // a scenario without interventions has no programs
  const fs::path path = dir_ / "out.h5";
  ResultsFile out(path.string());
  out.create_group("g");
  out.coordinate("g", "replicate", std::vector<std::int64_t>{0, 1});
  out.coordinate("g", "program", std::vector<std::string>{});
  out.dataset_u32("g", "program_counts", {"replicate", "program"}, "persons", "per program");
  out.write_u32("g", "program_counts", 1, {});
  out.commit();
  const Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  EXPECT_EQ(shape(file, "g/program_counts"), (std::vector<hsize_t>{2, 0}));
}

TEST_F(ResultsFileTest, AnUnwritableDirectoryThrowsNamingThePathWithoutHdf5Noise) {
  const std::string path = (dir_ / "no such directory" / "out.h5").string();
  H5E_auto2_t before = nullptr;
  void* before_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &before, &before_data);

  testing::internal::CaptureStderr();
  try {
    ResultsFile out(path);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");

  H5E_auto2_t after = nullptr;
  void* after_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &after, &after_data);
  EXPECT_EQ(after, before);  // HDF5's error printing is restored
  EXPECT_FALSE(fs::exists(dir_ / "no such directory"));
}

}  // namespace
