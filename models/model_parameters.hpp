// The one table of the model's parameters (docs/parameters.md is generated from it).
#pragma once

#include "sim/parameters.hpp"

namespace meedoen::models {

const sim::ParamTable& model_parameters();

}  // namespace meedoen::models
