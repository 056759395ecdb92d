# Embeds a text file into the library as a std::string_view, so that an
# installed `meedoen` runs the default experiment without the source tree.
function(meedoen_embed_text target symbol file)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded_${symbol}.cpp")
  file(READ "${file}" content)
  set(delim "MEEDOEN_EMBED")
  file(WRITE "${out}.in"
       "#include <string_view>\nnamespace meedoen::embedded {\nextern const std::string_view ${symbol};\n"
       "const std::string_view ${symbol} = R\"${delim}(${content})${delim}\";\n}\n")
  configure_file("${out}.in" "${out}" COPYONLY)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")
  target_sources(${target} PRIVATE "${out}")
endfunction()
