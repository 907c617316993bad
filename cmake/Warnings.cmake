# Warnings apply to our own targets through this interface library.
add_library(softvfio_warnings INTERFACE)
target_compile_options(softvfio_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wcast-align
  -Wunused -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough -Wmisleading-indentation
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Woverloaded-virtual -Wold-style-cast -Wsuggest-override>)
if(SOFTVFIO_WERROR)
  target_compile_options(softvfio_warnings INTERFACE -Werror)
endif()
