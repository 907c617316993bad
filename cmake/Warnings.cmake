# Warnings apply to our own targets through this interface library.
add_library(softvfio_warnings INTERFACE)
target_compile_options(softvfio_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wcast-align
  -Wunused -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough -Wmisleading-indentation
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Woverloaded-virtual -Wold-style-cast -Wsuggest-override>
  # The uAPI structs end in flexible array members, a GNU extension in C++
  # that GCC accepts silently and clang (the fuzz preset) flags.
  $<$<CXX_COMPILER_ID:Clang>:-Wno-zero-length-array>)
if(SOFTVFIO_WERROR)
  target_compile_options(softvfio_warnings INTERFACE -Werror)
endif()
