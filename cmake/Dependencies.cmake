# Every C++ dependency comes from Debian's packages (see the Makefile).
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(Boost 1.74 REQUIRED CONFIG)  # Boost.Graph and Boost.Math are header-only
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(HDF5 REQUIRED COMPONENTS C HL)
find_package(tomlplusplus REQUIRED)

find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)
add_library(meedoen_random123 INTERFACE)
target_include_directories(meedoen_random123 SYSTEM INTERFACE ${RANDOM123_INCLUDE_DIR})

# libcsv (libcsv-dev) reads the population files.
find_path(CSV_INCLUDE_DIR csv.h REQUIRED)
find_library(CSV_LIBRARY NAMES csv REQUIRED)
add_library(meedoen_csv INTERFACE)
target_include_directories(meedoen_csv SYSTEM INTERFACE ${CSV_INCLUDE_DIR})
target_link_libraries(meedoen_csv INTERFACE ${CSV_LIBRARY})

add_library(meedoen_hdf5 INTERFACE)
target_include_directories(meedoen_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
target_link_libraries(meedoen_hdf5 INTERFACE ${HDF5_HL_LIBRARIES} ${HDF5_C_LIBRARIES})
target_compile_definitions(meedoen_hdf5 INTERFACE ${HDF5_DEFINITIONS})
find_package(nlohmann_json 3.10 REQUIRED)
