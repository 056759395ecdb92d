// The pieces of a run: serialize and deserialize are exact inverses, refuse
// every damaged, truncated or foreign byte string with a PieceError (never a
// crash), and PartStore keeps its files in that format.
#include "sim/part_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include "sim/errors.hpp"

namespace meedoen::sim {
namespace {

Part sample() {
  Part part;
  part.u32 = {{1, 2, 3, 0xFFFFFFFFu}, {}, {7}};
  part.f64 = {{0.1, -0.0, 1e-310, std::numeric_limits<double>::infinity(), -123456.789}, {}};
  return part;
}

const std::string kRun = "0123456789abcdef";

TEST(PieceBytes, DeserializeInvertsSerialize) {
  const auto part = sample();
  const auto bytes = serialize(part, kRun, 7);
  const auto back = deserialize(bytes, kRun, 7);
  EXPECT_EQ(back, part);
  // Bit for bit, -0.0 and subnormals included; and serialising again gives the same bytes.
  EXPECT_TRUE(std::signbit(back.f64[0][1]));
  EXPECT_EQ(serialize(back, kRun, 7), bytes);
  EXPECT_EQ(deserialize(serialize(Part{}, kRun, 0), kRun, 0), Part{});
}

TEST(PieceBytes, EveryTruncationAndEveryFlippedByteIsRefused) {
  const auto bytes = serialize(sample(), kRun, 3);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(deserialize(bytes.substr(0, n), kRun, 3), PieceError) << "first " << n << " bytes";
  EXPECT_THROW(deserialize(bytes + "x", kRun, 3), PieceError);
  for (std::size_t k = 0; k < bytes.size(); ++k) {
    auto flipped = bytes;
    flipped[k] = static_cast<char>(flipped[k] ^ 0x10);
    EXPECT_THROW(deserialize(flipped, kRun, 3), PieceError) << "byte " << k;
  }
  EXPECT_THROW(deserialize("not a piece at all, just some text that is long enough", kRun, 3), PieceError);
}

TEST(PieceBytes, APieceOfAnotherRunOrReplicateIsRefusedSaying) {
  const auto bytes = serialize(sample(), kRun, 3);
  try {
    deserialize(bytes, "fedcba9876543210", 3);
    FAIL() << "another run accepted";
  } catch (const PieceError& e) {
    EXPECT_EQ(std::string(e.what()).find("a piece of another run"), 0u) << e.what();
  }
  try {
    deserialize(bytes, kRun, 4);
    FAIL() << "another replicate accepted";
  } catch (const PieceError& e) {
    EXPECT_STREQ(e.what(), "the piece of replicate 3, not of replicate 4");
  }
}

class PartStoreTest : public ::testing::Test {
protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("meedoen-part-store-" + std::to_string(::getpid()) + ".parts");
  void TearDown() override { std::filesystem::remove_all(dir); }
};

TEST_F(PartStoreTest, FilesHoldTheSerializedPieceAndAreCheckedOnReading) {
  const PartStore store(dir, kRun, "manifest", "experiment", false, "-o");
  const auto part = sample();
  store.write(2, part);
  EXPECT_TRUE(store.has(2));
  EXPECT_FALSE(store.has(1));
  EXPECT_EQ(store.read(2), part);
  // The file is exactly the piece's bytes, so pieces can travel as bytes.
  const auto file = dir / "replicate-000002.part";
  EXPECT_EQ(std::filesystem::file_size(file), serialize(part, kRun, 2).size());
  // A piece under another replicate's name is refused, naming the file.
  std::filesystem::copy_file(file, dir / "replicate-000001.part");
  try {
    store.read(1);
    FAIL() << "a misplaced piece was read";
  } catch (const std::runtime_error& e) {
    const auto expected = (dir / "replicate-000001.part").string() + ": the piece of replicate 2, not of replicate 1";
    EXPECT_EQ(std::string(e.what()), expected);
  }
  // A store of another run refuses to resume; one of the same run keeps its pieces.
  EXPECT_THROW(PartStore(dir, "another", "manifest", "experiment", true, "-o"), InputError);
  const PartStore again(dir, kRun, "manifest", "experiment", true, "-o");
  EXPECT_EQ(again.read(2), part);
}

}  // namespace
}  // namespace meedoen::sim
