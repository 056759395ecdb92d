# Warnings shared by every target of the project.
add_library(meedoen_warnings INTERFACE)
target_compile_options(meedoen_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                                  -Wno-sign-conversion)
if(MEEDOEN_WERROR)
  target_compile_options(meedoen_warnings INTERFACE -Werror)
endif()
