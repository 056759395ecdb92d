// The results file: HDF5 laid out as netCDF-4, so that both h5py and
// xarray.open_dataset(path, group=NAME, engine="h5netcdf") read it.
//
// Layout: every dimension of a group is a 1-D coordinate dataset of the same
// name (an HDF5 dimension scale) holding its labels (UTF-8 strings) or values
// (int64); every data variable attaches each of its axes to that scale and
// carries `units` and `long_name` attributes. Groups, datasets and attributes
// keep their creation order, as netCDF-4 does.
//
// Atomic output: everything goes to `final_path + ".partial"`; commit() closes
// that file and renames it to the final path, which is never touched before.
// Destroying the object without commit() (an exception, a cancelled run)
// removes the partial file.
//
// Errors: HDF5 failures (cannot create, open or write) throw std::runtime_error
// naming the file, the object and, when HDF5 gives one, the reason. Misuse the
// writer can tell by itself throws std::invalid_argument (a block of the wrong
// size or type, a dimension that is not a coordinate), std::out_of_range (an
// index past the first dimension) or std::logic_error (any call after
// commit()). HDF5's own error printing is silenced during each call and
// restored afterwards. Every HDF5 call that can write is checked, closing a
// dataset included; a write that fails (a full disk, a file-size limit)
// throws std::runtime_error with the system's reason on one line, and the
// partial file is removed. HDF5's clean-up at the process's exit is turned
// off, as it would crash on a file that failed to close.
//
// Not thread-safe: the caller serialises all calls on one object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace meedoen::sim {

class ResultsFile {
public:
  // Creates (or truncates a stale) `final_path + ".partial"`.
  explicit ResultsFile(std::string final_path);
  ~ResultsFile();  // without commit(): closes and removes the partial file
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;

  // Root attributes (provenance); setting a name again replaces its value.
  // Strings are variable-length UTF-8 scalars, which xarray shows as str.
  void attribute(const std::string& name, const std::string& value);
  void attribute(const std::string& name, std::int64_t value);
  void attribute(const std::string& name, double value);
  void group_attribute(const std::string& group, const std::string& name, const std::string& value);

  void create_group(const std::string& group);

  // Declares dimension `dim` of `group` with its labels or values.
  void coordinate(const std::string& group, const std::string& dim, const std::vector<std::string>& labels);
  void coordinate(const std::string& group, const std::string& dim, const std::vector<std::int64_t>& values);

  // Declares a data variable over `dims`, each already a coordinate of
  // `group` (the sizes come from them). One index of the first dimension (the
  // replicate) is one chunk, compressed with shuffle + gzip level 1 (both
  // standard netCDF-4 filters): results stream in one replicate at a time.
  // `name` cannot be that of a dimension: netCDF keeps it for the coordinate.
  void dataset_u32(const std::string& group, const std::string& name, const std::vector<std::string>& dims,
                   const std::string& units, const std::string& long_name);
  void dataset_f64(const std::string& group, const std::string& name, const std::vector<std::string>& dims,
                   const std::string& units, const std::string& long_name);

  // Writes the block at index `first` of the first dimension, in row-major
  // order over the other dimensions: data.size() must equal the product of
  // their sizes. Blocks may come in any order; unwritten ones read as 0.
  void write_u32(const std::string& group, const std::string& name, std::size_t first,
                 const std::vector<std::uint32_t>& data);
  void write_f64(const std::string& group, const std::string& name, std::size_t first,
                 const std::vector<double>& data);

  // Flushes and closes the file, then renames it to the final path
  // (replacing any file there). No call is allowed afterwards.
  void commit();

  const std::string& partial_path() const { return partial_path_; }
  const std::string& final_path() const { return final_path_; }

private:
  std::int64_t file() const;  // the open file's hid_t; std::logic_error after commit()

  std::string final_path_;
  std::string partial_path_;
  std::int64_t file_ = -1;  // hid_t of the partial file, -1 once closed
};

}  // namespace meedoen::sim
